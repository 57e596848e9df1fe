"""Constants and config builder shared by the engine tests and their subprocess scripts.

A module of its own (not ``conftest``): other test folders have a ``conftest`` too, and a
plain ``import conftest`` may find theirs.
"""

from __future__ import annotations

from pathlib import Path

from videogate._engine.pacing import PollPolicy
from videogate._plugins.config import Config, RetryConfig

FAST_POLLS = PollPolicy(min_interval=0.005, max_interval=0.05, budget=0.005)
FAST_RETRY = RetryConfig(attempts=4, initial_backoff=0.001, max_backoff=0.01)
REQUEST = {"prompt": "a calm lake", "duration": 1.0, "fps": 8, "size": "64*48"}


def make_config(tmp_path: Path, **overrides) -> Config:
    values = {
        "output_dir": str(tmp_path / "output"),
        "state_dir": str(tmp_path / "output"),
        "default_provider": "fake",
        "retry": FAST_RETRY,
        "timeout": 30.0,
        "workers": 4,
    }
    values.update(overrides)
    return Config(**values)
