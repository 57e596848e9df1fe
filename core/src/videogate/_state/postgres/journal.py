"""The job journal on PostgreSQL: one row per job, shared by every process of a fleet."""

from __future__ import annotations

import builtins
import json
import time
from typing import TYPE_CHECKING, Any

import attrs

from videogate._state.journal import JobRecord, JobState, dump_record
from videogate._state.postgres.connection import Database, Store, display_url

if TYPE_CHECKING:
    import psycopg

__all__ = ["PostgresJournal"]

_ENDS = tuple(str(s) for s in JobState if s.finished)


class PostgresJournal:
    """:class:`~videogate._state.journal.Journal` on PostgreSQL (durable on return: each
    write is its own committed transaction).

    :param database: the server (``Database(url)``).
    """

    def __init__(self, database: Database) -> None:
        self.database = database
        self._store = Store(database)

    def __repr__(self) -> str:
        return f"PostgresJournal({display_url(self.database.url)!r})"

    def add(self, record: JobRecord) -> None:
        """Record a new job (or replace the row of the same id)."""
        row = (
            record.job_id,
            str(record.state),
            record.provider,
            record.cache_key,
            record.created_at,
            record.updated_at,
            dump_record(record),
        )
        self._store.run(
            "journal write",
            lambda conn: conn.execute(
                "INSERT INTO videogate_jobs"
                " (job_id, state, provider, cache_key, created_at, updated_at, data)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s)"
                " ON CONFLICT (job_id) DO UPDATE SET state = EXCLUDED.state,"
                " provider = EXCLUDED.provider, cache_key = EXCLUDED.cache_key,"
                " updated_at = EXCLUDED.updated_at, data = EXCLUDED.data",
                row,
            ),
        )

    def update(self, job_id: str, **changes: Any) -> JobRecord:
        """Change fields of a job in one transaction (row locked) and return the new record.

        :raises KeyError: no such job.
        """

        def change(conn: psycopg.Connection[Any]) -> JobRecord:
            with conn.transaction():
                row = conn.execute(
                    "SELECT data FROM videogate_jobs WHERE job_id = %s FOR UPDATE", (job_id,)
                ).fetchone()
                if row is None:
                    raise KeyError(job_id)
                record = JobRecord.from_dict(json.loads(row[0]))
                values = dict(changes)
                if "state" in values:
                    values["state"] = JobState(values["state"])
                record = attrs.evolve(record, updated_at=time.time(), **values)
                conn.execute(
                    "UPDATE videogate_jobs SET state = %s, cache_key = %s, updated_at = %s,"
                    " data = %s WHERE job_id = %s",
                    (
                        str(record.state),
                        record.cache_key,
                        record.updated_at,
                        dump_record(record),
                        job_id,
                    ),
                )
                return record

        return self._store.run("journal update", change)

    def get(self, job_id: str) -> JobRecord | None:
        """The job, or ``None``."""
        row = self._store.run(
            "journal lookup",
            lambda conn: conn.execute(
                "SELECT data FROM videogate_jobs WHERE job_id = %s", (job_id,)
            ).fetchone(),
        )
        return None if row is None else JobRecord.from_dict(json.loads(row[0]))

    def list(self, *, unfinished: bool = False, limit: int | None = None) -> list[JobRecord]:
        """Jobs, newest first (for long histories use :meth:`page` or ``iter_jobs``)."""
        return self.page(unfinished=unfinished, before=None, size=limit)

    def page(
        self, *, unfinished: bool = False, before: str | None = None, size: int | None = None
    ) -> builtins.list[JobRecord]:
        """Up to ``size`` jobs older than job id ``before``, newest first (index order)."""
        query = "SELECT data FROM videogate_jobs WHERE TRUE"
        params: list[Any] = []
        if unfinished:
            query += " AND state NOT IN (%s, %s, %s)"
            params.extend(_ENDS)
        if before is not None:
            query += " AND job_id < %s"
            params.append(before)
        query += " ORDER BY job_id DESC"
        if size is not None:
            query += " LIMIT %s"
            params.append(size)
        rows = self._store.run(
            "journal listing",
            lambda conn: conn.execute(query.encode(), params).fetchall(),
        )
        return [JobRecord.from_dict(json.loads(r[0])) for r in rows]

    def unfinished_with_key(self, cache_key: str) -> builtins.list[JobRecord]:
        """Unfinished jobs of the request ``cache_key``, oldest first (indexed)."""
        rows = self._store.run(
            "journal lookup",
            lambda conn: conn.execute(
                "SELECT data FROM videogate_jobs WHERE cache_key = %s"
                " AND state NOT IN (%s, %s, %s) ORDER BY job_id",
                (cache_key, *_ENDS),
            ).fetchall(),
        )
        return [JobRecord.from_dict(json.loads(r[0])) for r in rows]

    def count(self) -> int:
        """How many jobs are journaled."""
        row = self._store.run(
            "journal count",
            lambda conn: conn.execute("SELECT COUNT(*) FROM videogate_jobs").fetchone(),
        )
        return int(row[0]) if row else 0

    def close(self) -> None:
        """Close the connection (idempotent)."""
        self._store.close()
