"""The job journal on PostgreSQL: one row per job, shared by every process of a fleet."""

from __future__ import annotations

import builtins
import json
import time
from collections.abc import Collection
from typing import TYPE_CHECKING, Any

import attrs

from videogate._state.claims import Claim, ClaimRole
from videogate._state.journal import SPENT_STATES, JobRecord, JobState, dump_record
from videogate._state.postgres.connection import Database, Store, display_url

if TYPE_CHECKING:
    import psycopg

__all__ = ["PostgresJournal"]

_ENDS = tuple(str(s) for s in JobState if s.finished)
#: Row states after which the job's task was, or may have been, created: adopt, never resend.
_PAID = frozenset(str(s) for s in (JobState.SUBMITTING, JobState.SUBMITTED, JobState.TASK_UNKNOWN))
#: The server's clock, so that leases mean the same on every machine of a fleet.
_NOW = "EXTRACT(EPOCH FROM clock_timestamp())::double precision"


def _columns(record: JobRecord) -> tuple[str | None, float | None, str | None]:
    """The indexed copies of a record's task id and cost."""
    estimate = record.estimate or {}
    amount = estimate.get("amount")
    return (
        record.task_id,
        float(amount) if amount is not None else None,
        estimate.get("currency"),
    )


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
            *_columns(record),
        )
        self._store.run(
            "journal write",
            lambda conn: conn.execute(
                "INSERT INTO videogate_jobs (job_id, state, provider, cache_key, created_at,"
                " updated_at, data, task_id, cost, currency)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
                " ON CONFLICT (job_id) DO UPDATE SET state = EXCLUDED.state,"
                " provider = EXCLUDED.provider, cache_key = EXCLUDED.cache_key,"
                " updated_at = EXCLUDED.updated_at, data = EXCLUDED.data,"
                " task_id = EXCLUDED.task_id, cost = EXCLUDED.cost,"
                " currency = EXCLUDED.currency",
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
                    " data = %s, task_id = %s, cost = %s, currency = %s WHERE job_id = %s",
                    (
                        str(record.state),
                        record.cache_key,
                        record.updated_at,
                        dump_record(record),
                        *_columns(record),
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
            query += f" AND state NOT IN ({', '.join(['%s'] * len(_ENDS))})"
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

    def spend(self, since: float, *, provider: str | None = None) -> builtins.list[dict[str, Any]]:
        """See :meth:`SqliteJournal.spend`: estimated spend since ``since`` per provider and
        currency of the jobs whose task was (or may have been) created."""
        states = [str(s) for s in SPENT_STATES]
        query = (
            "SELECT provider, currency, SUM(cost), COUNT(*) FROM videogate_jobs"
            " WHERE created_at >= %s AND cost IS NOT NULL AND state = ANY(%s)"
        )
        params: list[Any] = [since, states]
        if provider is not None:
            query += " AND provider = %s"
            params.append(provider)
        query += " GROUP BY provider, currency ORDER BY provider, currency"
        rows = self._store.run(
            "journal spend", lambda conn: conn.execute(query.encode(), params).fetchall()
        )
        return [
            {"provider": p, "currency": c, "amount": round(a or 0.0, 6), "jobs": int(n)}
            for p, c, a, n in rows
        ]

    # -- claims ----------------------------------------------------------------------------

    def claim(
        self,
        key: str,
        job_id: str,
        owner: str,
        *,
        lease: float,
        supersede: str | None = None,
    ) -> Claim:
        """See :meth:`Journal.claim`: one transaction holding a transaction-scoped advisory
        lock on the key, so concurrent claimers on any machine decide one after the other;
        leases run on the server's clock."""

        def decide(conn: psycopg.Connection[Any]) -> Claim:
            with conn.transaction():
                moment = _now(conn, key)
                expires = moment + lease
                row = conn.execute(
                    "SELECT job_id, owner, expires_at FROM videogate_claims WHERE cache_key = %s",
                    (key,),
                ).fetchone()
                if row is not None:
                    held_job, held_by, held_until = str(row[0]), str(row[1]), float(row[2])
                    if held_by == owner and held_job == job_id:
                        _set_claim(conn, key, held_job, owner, expires)
                        return Claim(
                            key=key, job_id=job_id, owner=owner, expires_at=expires, role=_OWN
                        )
                    live = held_until > moment and (supersede is None or held_by != supersede)
                    if live:
                        return Claim(
                            key=key,
                            job_id=held_job,
                            owner=held_by,
                            expires_at=held_until,
                            role=ClaimRole.FOLLOWER,
                        )
                    state = conn.execute(
                        "SELECT state FROM videogate_jobs WHERE job_id = %s", (held_job,)
                    ).fetchone()
                    if state is not None and state[0] in _PAID:
                        _set_claim(conn, key, held_job, owner, expires)
                        return Claim(
                            key=key,
                            job_id=held_job,
                            owner=owner,
                            expires_at=expires,
                            role=ClaimRole.ADOPTER,
                        )
                _set_claim(conn, key, job_id, owner, expires)
                return Claim(key=key, job_id=job_id, owner=owner, expires_at=expires, role=_OWN)

        return self._store.run("claim", decide)

    def renew(self, owner: str, *, lease: float) -> int:
        """See :meth:`Journal.renew`."""
        cursor = self._store.run(
            "lease renewal",
            lambda conn: conn.execute(
                f"UPDATE videogate_claims SET expires_at = {_NOW} + %s WHERE owner = %s",
                (lease, owner),
            ),
        )
        return int(cursor.rowcount)

    def release(self, key: str, owner: str, *, finished: bool) -> None:
        """See :meth:`Journal.release`."""
        sql = (
            "DELETE FROM videogate_claims WHERE cache_key = %s AND owner = %s"
            if finished
            else "UPDATE videogate_claims SET expires_at = 0 WHERE cache_key = %s AND owner = %s"
        )
        self._store.run("claim release", lambda conn: conn.execute(sql, (key, owner)))

    def claim_of(self, key: str) -> Claim | None:
        """See :meth:`Journal.claim_of`."""
        row = self._store.run(
            "claim lookup",
            lambda conn: conn.execute(
                "SELECT job_id, owner, expires_at FROM videogate_claims WHERE cache_key = %s",
                (key,),
            ).fetchone(),
        )
        if row is None:
            return None
        return Claim(
            key=key,
            job_id=str(row[0]),
            owner=str(row[1]),
            expires_at=float(row[2]),
            role=ClaimRole.FOLLOWER,
        )

    def claimed_tasks(self, task_ids: Collection[str]) -> set[str]:
        """See :meth:`Journal.claimed_tasks` (indexed on the task id)."""
        wanted = sorted(set(task_ids))
        if not wanted:
            return set()
        rows = self._store.run(
            "task lookup",
            lambda conn: conn.execute(
                "SELECT task_id FROM videogate_jobs WHERE task_id = ANY(%s)", (wanted,)
            ).fetchall(),
        )
        return {str(r[0]) for r in rows}

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


_OWN = ClaimRole.OWNER


def _now(conn: psycopg.Connection[Any], key: str) -> float:
    """Lock ``key`` for the rest of the transaction and read the server's clock."""
    row = conn.execute(
        f"SELECT pg_advisory_xact_lock(hashtextextended(%s, 0)), {_NOW}", (key,)
    ).fetchone()
    assert row is not None
    return float(row[1])


def _set_claim(
    conn: psycopg.Connection[Any], key: str, job_id: str, owner: str, expires: float
) -> None:
    conn.execute(
        "INSERT INTO videogate_claims (cache_key, job_id, owner, expires_at)"
        " VALUES (%s, %s, %s, %s) ON CONFLICT (cache_key) DO UPDATE SET"
        " job_id = EXCLUDED.job_id, owner = EXCLUDED.owner, expires_at = EXCLUDED.expires_at",
        (key, job_id, owner, expires),
    )
