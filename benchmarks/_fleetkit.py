"""Shared set-up of the engine benchmarks: the in-process fake service of tests/engine and an
engine over it, on a scaled clock (SCALE real seconds per simulated second)."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "engine"))

from fakeservice import CAPS, FakeProvider, FakeService  # noqa: E402

from videogate._engine.engine import Engine  # noqa: E402
from videogate._engine.pacing import PollPolicy  # noqa: E402
from videogate._plugins.config import Config, RetryConfig  # noqa: E402
from videogate._plugins.registry import load_registry  # noqa: E402

REQUEST = {"prompt": "bench", "duration": 1.0, "fps": 8, "size": "64*48"}


def make_engine(scale: float, caps=CAPS, *, task_seconds: float, jitter: float, workers=8):
    tmp = Path(tempfile.mkdtemp(prefix="videogate-bench-"))
    service = FakeService(tmp / "svc", task_seconds=task_seconds * scale)
    service.jitter = jitter
    config = Config(
        output_dir=str(tmp / "output"),
        state_dir=str(tmp / "state"),
        default_provider="fake",
        workers=workers,
        retry=RetryConfig(attempts=5, initial_backoff=0.01, max_backoff=0.1),
        timeout=3600.0,
    )
    engine = Engine(
        config,
        registry=load_registry(entrypoints=False),
        providers={"fake": FakeProvider(service, caps)},
        cache=None,
        poll_policy=PollPolicy().scaled(scale),
    )
    return engine, service
