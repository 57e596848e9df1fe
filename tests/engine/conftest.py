"""Fixtures of the engine tests: a fake service, its provider, and engines over them."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from videogate._config import Config, RetryConfig
from videogate._engine import Engine
from videogate._pacing import PollPolicy
from videogate._plugins import load_registry

sys.path.insert(0, str(Path(__file__).parent))

from fakeservice import FakeProvider, FakeService

FAST_POLLS = PollPolicy(min_interval=0.005, max_interval=0.05, dense_max=0.01)
FAST_RETRY = RetryConfig(attempts=4, initial_backoff=0.001, max_backoff=0.01)


def make_config(tmp_path: Path, **overrides) -> Config:
    values = {
        "output_dir": str(tmp_path / "output"),
        "default_provider": "fake",
        "retry": FAST_RETRY,
        "timeout": 30.0,
        "workers": 4,
    }
    values.update(overrides)
    return Config(**values)


@pytest.fixture
def service(tmp_path) -> FakeService:
    return FakeService(tmp_path / "service")


@pytest.fixture
def provider(service) -> FakeProvider:
    return FakeProvider(service)


@pytest.fixture
def make_engine(tmp_path, provider):
    engines = []

    def make(*, prov=None, plugins=(), config=None, **kwargs) -> Engine:
        kwargs.setdefault("poll_policy", FAST_POLLS)
        engine = Engine(
            config or make_config(tmp_path),
            registry=load_registry(plugins, entrypoints=False),
            providers={"fake": prov or provider},
            **kwargs,
        )
        engines.append(engine)
        return engine

    yield make
    for engine in engines:
        engine.close()


@pytest.fixture
def engine(make_engine) -> Engine:
    return make_engine()


REQUEST = {"prompt": "a calm lake", "duration": 1.0, "fps": 8, "size": "64*48"}
