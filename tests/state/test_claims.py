"""Claims and leases decide who pays for a cache key, identically on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import time

import pytest

from videogate._state.claims import ClaimRole
from videogate._state.journal import JobRecord, JobState

A, B, C = "hostA/1/a", "hostB/2/b", "hostC/3/c"


def _job(job_id: str, state: JobState = JobState.PENDING, **fields) -> JobRecord:
    values = {"provider": "wan", "plugin": "wan", "model": "m", "mode": "strict", "cache_key": "k"}
    values.update(fields)
    return JobRecord(job_id=job_id, state=state, **values)


def test_first_claimer_owns_and_the_next_follows(state):
    journal = state.journal()
    journal.add(_job("j1"))
    first = journal.claim("k", "j1", A, lease=30)
    assert first.role is ClaimRole.OWNER and first.job_id == "j1" and first.owner == A
    assert first.expires_at > time.time() + 20
    second = journal.claim("k", "j2", B, lease=30)
    assert second.role is ClaimRole.FOLLOWER and second.job_id == "j1" and second.owner == A
    again = journal.claim("k", "j1", A, lease=60)
    assert again.role is ClaimRole.OWNER and again.expires_at > first.expires_at
    held = journal.claim_of("k")
    assert held is not None and (held.job_id, held.owner) == ("j1", A)
    assert held.role is ClaimRole.FOLLOWER
    assert journal.claim_of("other") is None


@pytest.mark.parametrize("state_of_job", [JobState.SUBMITTING, JobState.SUBMITTED, "task_unknown"])
def test_an_expired_lease_on_a_paid_job_is_adopted_not_resent(state, state_of_job):
    journal = state.journal()
    journal.add(_job("j1", JobState(state_of_job), task={"task_id": "t1"}))
    journal.claim("k", "j1", A, lease=-1)  # already expired: A died
    adopted = journal.claim("k", "j2", B, lease=30)
    assert adopted.role is ClaimRole.ADOPTER and adopted.job_id == "j1" and adopted.owner == B
    assert journal.claim("k", "j3", C, lease=30).role is ClaimRole.FOLLOWER


@pytest.mark.parametrize("state_of_job", [None, JobState.PENDING, JobState.FAILED])
def test_an_expired_claim_on_a_job_that_sent_nothing_or_ended_is_taken_fresh(state, state_of_job):
    journal = state.journal()
    if state_of_job is not None:
        journal.add(_job("j1", state_of_job))
    journal.claim("k", "j1", A, lease=-1)
    fresh = journal.claim("k", "j2", B, lease=30)
    assert fresh.role is ClaimRole.OWNER and fresh.job_id == "j2" and fresh.owner == B


def test_supersede_takes_over_a_live_lease_of_a_dead_owner(state):
    journal = state.journal()
    journal.add(_job("j1", JobState.SUBMITTED, task={"task_id": "t1"}))
    journal.claim("k", "j1", A, lease=300)
    assert journal.claim("k", "j2", B, lease=30, supersede=C).role is ClaimRole.FOLLOWER
    taken = journal.claim("k", "j2", B, lease=30, supersede=A)
    assert taken.role is ClaimRole.ADOPTER and taken.job_id == "j1"


def test_renew_and_release(state):
    journal = state.journal()
    journal.add(_job("j1", JobState.SUBMITTED, task={"task_id": "t1"}))
    journal.add(_job("j9", cache_key="k9"))
    journal.claim("k", "j1", A, lease=1)
    journal.claim("k9", "j9", A, lease=1)
    assert journal.renew(A, lease=120) == 2
    assert journal.renew(B, lease=120) == 0
    held = journal.claim_of("k")
    assert held is not None and held.expires_at > time.time() + 100
    journal.release("k", B, finished=True)  # not B's: no-op
    assert journal.claim_of("k") is not None
    journal.release("k", A, finished=False)  # the lease ends now: the next caller adopts
    assert journal.claim("k", "j2", B, lease=30).role is ClaimRole.ADOPTER
    journal.release("k", B, finished=True)
    assert journal.claim_of("k") is None
    assert journal.claim("k", "j3", C, lease=30).role is ClaimRole.OWNER


def test_claimed_tasks_lists_the_journaled_task_ids(state):
    journal = state.journal()
    journal.add(_job("j1", JobState.SUBMITTED, task={"task_id": "t1"}))
    journal.add(_job("j2"))
    journal.update("j2", state=JobState.SUBMITTED, task={"task_id": "t2"})
    assert journal.claimed_tasks(["t1", "t2", "t3"]) == {"t1", "t2"}
    assert journal.claimed_tasks([]) == set()


def test_task_unknown_rows_round_trip(state):
    journal = state.journal()
    journal.add(_job("j1", JobState.SUBMITTING))
    journal.update("j1", state="task_unknown")
    got = journal.get("j1")
    assert got is not None and got.state is JobState.TASK_UNKNOWN and got.task_may_exist
    assert [r.job_id for r in journal.list(unfinished=True)] == ["j1"]


def test_spend_counts_estimates_of_created_tasks(state):
    journal = state.journal()
    since = time.time() - 1
    price = {"amount": 0.5, "currency": "CNY"}
    for n, job_state in enumerate(
        [JobState.SUBMITTED, JobState.SUCCEEDED, JobState.TASK_UNKNOWN, JobState.FAILED]
    ):
        journal.add(_job(f"j{n}", job_state, estimate=price))
    journal.add(_job("free", JobState.SUCCEEDED, provider="kenburns"))
    journal.add(_job("j9", estimate=price))
    journal.update("j9", state=JobState.SUBMITTING)
    rows = journal.spend(since)
    assert rows == [{"provider": "wan", "currency": "CNY", "amount": 2.0, "jobs": 4}]
    assert journal.spend(since, provider="kenburns") == []
    assert journal.spend(time.time() + 60) == []


def test_concurrent_claimers_get_exactly_one_owner(state):
    journal = state.journal()
    roles: list[ClaimRole] = []
    lock = threading.Lock()
    backends = [state] + [type(state)(state.config) for _ in range(7)]

    def claim(n: int) -> None:
        got = backends[n].journal().claim("k", f"j{n}", f"host/{n}/x", lease=30)
        with lock:
            roles.append(got.role)

    threads = [threading.Thread(target=claim, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for other in backends[1:]:
        other.close()
    assert roles.count(ClaimRole.OWNER) == 1 and roles.count(ClaimRole.FOLLOWER) == 7
    assert journal.claim_of("k") is not None
