"""The PostgreSQL schema, created and migrated by videogate itself.

Each migration has a version; ``videogate_schema`` records those applied. :func:`migrate`
applies the missing ones in order, in one transaction under an advisory lock, so any number
of processes starting at once migrate exactly once. Add a migration by appending to
:data:`MIGRATIONS`; never edit one that has shipped.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    import psycopg

__all__ = ["MIGRATIONS", "migrate", "schema_version"]

#: pg_advisory_xact_lock key of the migration (any constant shared by all versions).
_LOCK_KEY: Final = 0x76676174  # "vgat"

MIGRATIONS: Final[tuple[tuple[int, str, str], ...]] = (
    (
        1,
        "journal, cache, slots and pacing",
        """
        CREATE TABLE videogate_jobs (
            job_id TEXT PRIMARY KEY,
            state TEXT NOT NULL,
            provider TEXT NOT NULL,
            cache_key TEXT,
            created_at DOUBLE PRECISION NOT NULL,
            updated_at DOUBLE PRECISION NOT NULL,
            data TEXT NOT NULL
        );
        CREATE INDEX videogate_jobs_unfinished ON videogate_jobs (job_id)
            WHERE state NOT IN ('succeeded', 'failed', 'cancelled');
        CREATE INDEX videogate_jobs_cache_key ON videogate_jobs (cache_key, state)
            WHERE cache_key IS NOT NULL;
        CREATE TABLE videogate_cache (
            key TEXT PRIMARY KEY,
            result TEXT NOT NULL,
            object_key TEXT NOT NULL,
            provider TEXT NOT NULL,
            created_at DOUBLE PRECISION NOT NULL
        );
        CREATE INDEX videogate_cache_provider ON videogate_cache (provider);
        CREATE TABLE videogate_slots (
            account TEXT NOT NULL,
            slot INTEGER NOT NULL,
            owner TEXT,
            job_id TEXT,
            lease_until DOUBLE PRECISION NOT NULL DEFAULT 0,
            PRIMARY KEY (account, slot)
        );
        CREATE INDEX videogate_slots_owner ON videogate_slots (owner) WHERE owner IS NOT NULL;
        CREATE TABLE videogate_pacing (
            account TEXT NOT NULL,
            kind TEXT NOT NULL,
            next_at DOUBLE PRECISION NOT NULL DEFAULT 0,
            PRIMARY KEY (account, kind)
        );
        """,
    ),
    (
        2,
        "claims and leases, task ids, cost estimates",
        """
        ALTER TABLE videogate_jobs ADD COLUMN task_id TEXT;
        ALTER TABLE videogate_jobs ADD COLUMN cost DOUBLE PRECISION;
        ALTER TABLE videogate_jobs ADD COLUMN currency TEXT;
        UPDATE videogate_jobs SET
            task_id = data::jsonb -> 'task' ->> 'task_id',
            cost = (data::jsonb -> 'estimate' ->> 'amount')::double precision,
            currency = data::jsonb -> 'estimate' ->> 'currency';
        CREATE INDEX videogate_jobs_task_id ON videogate_jobs (task_id)
            WHERE task_id IS NOT NULL;
        CREATE INDEX videogate_jobs_spend ON videogate_jobs (created_at)
            WHERE cost IS NOT NULL;
        DROP INDEX IF EXISTS videogate_jobs_cache_key;
        CREATE TABLE videogate_claims (
            cache_key TEXT PRIMARY KEY,
            job_id TEXT NOT NULL,
            owner TEXT NOT NULL,
            expires_at DOUBLE PRECISION NOT NULL
        );
        CREATE INDEX videogate_claims_owner ON videogate_claims (owner);
        """,
    ),
    (
        3,
        "learned task times",
        """
        CREATE TABLE videogate_latency (
            id BIGSERIAL PRIMARY KEY,
            key TEXT NOT NULL,
            seconds DOUBLE PRECISION NOT NULL,
            at DOUBLE PRECISION NOT NULL
        );
        CREATE INDEX videogate_latency_key_at ON videogate_latency (key, at DESC, id DESC);
        """,
    ),
)


def schema_version(conn: psycopg.Connection[Any]) -> int:
    """The highest applied migration (0 on an empty database)."""
    row = conn.execute("SELECT to_regclass('videogate_schema') IS NOT NULL").fetchone()
    if row is None or not row[0]:
        return 0
    found = conn.execute("SELECT COALESCE(MAX(version), 0) FROM videogate_schema").fetchone()
    return int(found[0]) if found else 0


def migrate(conn: psycopg.Connection[Any]) -> int:
    """Apply the missing migrations; returns the schema version now in force."""
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK_KEY,))
        conn.execute(
            "CREATE TABLE IF NOT EXISTS videogate_schema ("
            " version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
            " applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
        )
        current = schema_version(conn)
        for version, name, sql in MIGRATIONS:
            if version <= current:
                continue
            conn.execute(sql.encode())
            conn.execute(
                "INSERT INTO videogate_schema (version, name) VALUES (%s, %s)", (version, name)
            )
            current = version
    return current
