"""The state backends under test: every test here runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest

from videogate._plugins.config import Config, StateConfig
from videogate._state.backend import open_state


@pytest.fixture(params=["sqlite", "postgresql"])
def state_config(request, tmp_path):
    """A :class:`Config` whose ``[state]`` is SQLite in ``tmp_path`` or a fresh PostgreSQL
    database."""
    if request.param == "sqlite":
        return Config(output_dir=str(tmp_path / "out"))
    url = request.getfixturevalue("postgres_url")
    return Config(output_dir=str(tmp_path / "out"), state=StateConfig(url=url))


@pytest.fixture
def state(state_config):
    backend = open_state(state_config)
    yield backend
    backend.close()
