"""Fixtures of the engine tests: a fake service, its provider, and engines over them."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from videogate._engine.engine import Engine
from videogate._plugins.registry import load_registry

sys.path.insert(0, str(Path(__file__).parent))

from enginekit import FAST_POLLS, make_config
from fakeservice import FakeProvider, FakeService


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
