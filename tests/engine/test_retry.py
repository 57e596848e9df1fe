"""Retry by operation: submits are repeated only when nothing can have been created; polls,
cancels are repeated freely; a failed poll never causes a second submit."""

from __future__ import annotations

import pytest
from enginekit import REQUEST, make_config
from fakeservice import CAPS, FakeProvider, HttpAnswer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from videogate import (
    AuthenticationError,
    InvalidRequest,
    ProviderUnavailable,
    RateLimited,
    TaskMayExist,
)
from videogate._contract.errors import TaskFailed, exit_code_for
from videogate._state.journal import JobState

PROVABLE = [
    lambda: ConnectionRefusedError("refused"),
    lambda: HttpAnswer(429, "throttled", retry_after=0.01),
    lambda: HttpAnswer(500, "internal"),
    lambda: HttpAnswer(503, "unavailable"),
]
AMBIGUOUS = [
    lambda: TimeoutError("read timed out"),
    lambda: ConnectionResetError("reset by peer"),
    lambda: HttpAnswer(504, "gateway timeout"),
]


@pytest.mark.parametrize("fault", PROVABLE)
def test_provable_non_submission_is_retried(engine, service, fault):
    service.submit_faults.extend([fault(), fault()])
    result = engine.generate(REQUEST)
    assert result.duration == 1.0
    assert service.counts["submit_calls"] == 3
    assert service.counts["accepted"] == 1


@pytest.mark.parametrize("fault", AMBIGUOUS)
def test_ambiguous_submit_failure_is_never_repeated(engine, service, fault):
    service.accept_then_raise.append(fault())
    with pytest.raises(TaskMayExist) as info:
        engine.generate(REQUEST)
    assert "not sent again" in str(info.value)
    assert f"videogate resume {info.value.job_id}" in str(info.value)
    assert exit_code_for(info.value) == 4
    assert service.counts["submit_calls"] == 1
    assert service.counts["accepted"] == 1
    (record,) = engine.jobs()
    assert record.state is JobState.TASK_UNKNOWN  # submitted, task id unknown; never failed
    assert record.task_may_exist
    assert record.error["error"] == "TaskMayExist"


def test_idempotent_submit_allows_retrying_ambiguous_failures(make_engine, service, tmp_path):
    import attrs

    prov = FakeProvider(service, capabilities=attrs.evolve(CAPS, idempotent_submit=True))
    engine = make_engine(prov=prov)
    service.submit_faults.append(TimeoutError("read timed out"))
    engine.generate(REQUEST)
    assert service.counts["submit_calls"] == 2


@pytest.mark.parametrize(
    ("fault", "error"),
    [(HttpAnswer(401, "bad key"), AuthenticationError), (HttpAnswer(400, "bad"), InvalidRequest)],
)
def test_client_errors_are_not_retried(engine, service, fault, error):
    service.submit_faults.append(fault)
    with pytest.raises(error):
        engine.generate(REQUEST)
    assert service.counts["submit_calls"] == 1
    assert engine.jobs()[0].state is JobState.FAILED


def test_rate_limit_exhausting_attempts_fails_with_rate_limited(engine, service):
    service.submit_faults.extend(HttpAnswer(429, "slow down") for _ in range(10))
    with pytest.raises(RateLimited):
        engine.generate(REQUEST)
    assert service.counts["submit_calls"] == engine.config.retry.attempts
    assert service.counts["accepted"] == 0


def test_poll_failures_are_retried_without_resubmitting(engine, service):
    service.poll_faults.extend(
        [HttpAnswer(503, "x"), ConnectionResetError("reset"), HttpAnswer(429, "t", 0.01)]
    )
    engine.generate(REQUEST)
    assert service.counts["accepted"] == 1
    assert service.counts["submit_calls"] == 1


def test_a_failed_poll_never_submits_again_and_stays_resumable(engine, service):
    service.poll_faults.extend(HttpAnswer(503, "down") for _ in range(10))
    with pytest.raises(ProviderUnavailable):
        engine.generate(REQUEST)
    assert service.counts["submit_calls"] == 1
    (record,) = engine.jobs()
    assert record.resumable
    service.poll_faults.clear()
    result = engine.resume(record.job_id)
    assert result.task_id == record.task_id
    assert service.counts["submit_calls"] == 1


def test_task_failure_is_reported_and_not_retried(engine, service):
    service.fail_tasks_with = TaskFailed("the model crashed", code="InternalError.Algo")
    with pytest.raises(TaskFailed) as info:
        engine.generate(REQUEST)
    assert info.value.task_id is not None
    assert service.counts["submit_calls"] == 1
    assert engine.jobs()[0].state is JobState.FAILED


@pytest.mark.parametrize("idempotent", [False, True])
def test_a_retryable_task_failure_is_reported_not_resubmitted(make_engine, service, idempotent):
    """``retryable`` on a failed task informs the caller; a second submit is a second paid
    task, so the engine never makes one by itself."""
    import attrs

    prov = FakeProvider(service, capabilities=attrs.evolve(CAPS, idempotent_submit=idempotent))
    engine = make_engine(prov=prov)
    service.fail_tasks_with = TaskFailed("busy GPU", code="InternalError.Timeout", retryable=True)
    with pytest.raises(TaskFailed) as info:
        engine.generate(REQUEST)
    assert info.value.retryable
    assert service.counts["submit_calls"] == 1
    assert engine.counters["submits"] == 1
    assert engine.jobs()[0].state is JobState.FAILED


@pytest.mark.parametrize("idempotent", [False, True])
@pytest.mark.parametrize("status", [None, 500, 503])
def test_a_retryable_task_failure_raised_by_submit_is_not_resubmitted(
    make_engine, service, idempotent, status
):
    import attrs

    prov = FakeProvider(service, capabilities=attrs.evolve(CAPS, idempotent_submit=idempotent))
    engine = make_engine(prov=prov)
    failure = TaskFailed("the task failed at once", retryable=True, http_status=status)
    service.submit_faults.extend([failure, failure])
    with pytest.raises(TaskFailed):
        engine.generate(REQUEST)
    assert service.counts["submit_calls"] == 1
    assert engine.counters["submits"] == 1


faults = st.sampled_from(["refused", "429", "503", "timeout", "reset", "401"])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plan=st.lists(faults, max_size=5), idempotent=st.booleans())
def test_submit_count_follows_the_rules(tmp_path_factory, plan, idempotent):
    """Whatever faults the service shows, at most one task is paid for without an
    idempotent submit, and attempts stop at the first ambiguous or client error."""
    import attrs
    from enginekit import FAST_POLLS
    from fakeservice import FakeService

    from videogate._engine.engine import Engine
    from videogate._plugins.registry import load_registry

    tmp = tmp_path_factory.mktemp("prop")
    service = FakeService(tmp / "svc")
    prov = FakeProvider(service, capabilities=attrs.evolve(CAPS, idempotent_submit=idempotent))
    make = {
        "refused": lambda: ConnectionRefusedError("refused"),
        "429": lambda: HttpAnswer(429, "t", 0.001),
        "503": lambda: HttpAnswer(503, "u"),
        "timeout": lambda: TimeoutError("t"),
        "reset": lambda: ConnectionResetError("r"),
        "401": lambda: HttpAnswer(401, "k"),
    }
    ambiguous_after_accept = {"timeout", "reset"}
    for name in plan:
        if name in ambiguous_after_accept:
            service.submit_faults.append(make[name]())
        else:
            service.submit_faults.append(make[name]())
    attempts = make_config(tmp).retry.attempts
    expected_calls = 0
    outcome = "ok"
    for name in [*plan, None][:attempts]:
        expected_calls += 1
        if name is None:
            break
        if name == "401" or (name in ambiguous_after_accept and not idempotent):
            outcome = "error"
            break
    else:
        outcome = "error" if len(plan) >= attempts else "ok"
    with Engine(
        make_config(tmp),
        registry=load_registry(entrypoints=False),
        providers={"fake": prov},
        poll_policy=FAST_POLLS,
    ) as engine:
        try:
            engine.generate(REQUEST)
            got = "ok"
        except Exception:
            got = "error"
    assert service.counts["submit_calls"] == expected_calls
    assert got == outcome
    assert service.counts["accepted"] <= 1
