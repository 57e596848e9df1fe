"""Contract tests of cancel in every state a task can be in, and of the time adapter calls
take against an idle double."""

from __future__ import annotations

import time
from typing import Any, ClassVar

import pytest

from videogate import CancelOutcome, TaskRef, TaskState, TaskStatus
from videogate_contracts._context import ContractContext, settle
from videogate_contracts._double import HOLD_STEPS
from videogate_contracts._requests import simple_request

__all__ = ["CancelChecks", "follow_cancel"]

_DOC = "docs/contract-tests.md, 'cancel'"


def _cancel(ctx: ContractContext, task: TaskRef, state: str) -> CancelOutcome:
    outcome, error = settle(ctx.provider, lambda: ctx.provider.cancel(task))
    assert error is None, (
        f"cancel never raises: cancel of a {state} task raised {error!r} (fix: catch the "
        f"service's answer and return a CancelOutcome; {_DOC})"
    )
    assert isinstance(outcome, CancelOutcome), (
        f"cancel returns a CancelOutcome: cancel of a {state} task returned {outcome!r}"
    )
    return outcome


def _poll(ctx: ContractContext, task: TaskRef, what: str) -> TaskState:
    state, error = settle(ctx.provider, lambda: ctx.provider.poll(task))
    assert error is None and state is not None, f"poll {what} failed: {error!r}"
    return state


def follow_cancel(ctx: ContractContext, task: TaskRef, state: str, polls: int) -> None:
    """After ``cancel`` said ``CANCELLED``: the task reports ``CANCELLED`` within ``polls``
    polls (a service may take a moment), and never succeeds or fails instead."""
    seen: list[str] = []
    delay = 0.02
    for _ in range(polls):
        now = _poll(ctx, task, f"after cancelling a {state} task")
        seen.append(str(now.status))
        if now.status is TaskStatus.CANCELLED:
            return
        assert now.status is not TaskStatus.FAILED, (
            f"cancel is truthful: the {state} task was cancelled, but poll reports it FAILED "
            f"({now.error!r}): the provider reports a cancelled task as failed. Fix: map the "
            f"service's cancelled status to TaskStatus.CANCELLED in poll ({_DOC})"
        )
        assert now.status is not TaskStatus.SUCCEEDED, (
            f"cancel is truthful: cancel of a {state} task said CANCELLED but the task "
            f"succeeded: the provider ignores cancel. Fix: call the service's cancel, and "
            f"say CANCELLED only when it took ({_DOC})"
        )
        time.sleep(delay)
        delay *= 2
    raise AssertionError(
        f"cancel is truthful: cancel of a {state} task said CANCELLED but {polls} polls later "
        f"the task still reports {seen} (the provider ignores cancel; an asynchronous cancel "
        f"must show within {polls} polls). Fix: call the service's cancel, and say CANCELLED "
        f"only when it took ({_DOC})"
    )


class CancelChecks:
    """The cancel and timing tests of :class:`~videogate_contracts.ProviderContract`."""

    cancel_polls: ClassVar[int]
    call_budget: ClassVar[float]

    def _held(self, ctx: ContractContext, status: str) -> TaskRef:
        double = ctx.require_step(status, f"needed to hold a task {status}")
        provider = ctx.provider
        lead = ["queued"] if status == "running" else []
        double.script(lead + [status] * HOLD_STEPS + ["succeeded"])
        task, error = settle(
            provider, lambda: provider.submit(provider.prepare(simple_request(ctx)))
        )
        assert error is None and task is not None, f"submit failed: {error!r}"
        if status == "running":
            for _ in range(HOLD_STEPS // 2):
                if _poll(ctx, task, "of a held task").status is TaskStatus.RUNNING:
                    break
            else:
                raise AssertionError(
                    "the double holds a task running for a script of 20 'running' steps, "
                    "but polls never reported RUNNING (docs/writing-a-provider.md, 'script')"
                )
        return task

    @pytest.mark.parametrize("state", ["queued", "running", "finished"])
    def test_cancel_is_honored(self, fresh: ContractContext, state: str) -> None:
        """Cancel tells the truth in every state, and never raises. Queued (when
        ``can_cancel``): it says ``CANCELLED`` and the task reports ``CANCELLED`` within
        ``cancel_polls`` polls. Running: ``CANCELLED`` under the same rule, or ``TOO_LATE``/
        ``NOT_SUPPORTED`` and the task goes on. Finished: ``TOO_LATE`` (or
        ``NOT_SUPPORTED``), and the task still reports its result.

        Fix: call the service's cancel and report its answer; map a cancelled task to
        ``CANCELLED`` (never ``FAILED``).
        """
        ctx = fresh
        provider = ctx.provider
        polls = self.cancel_polls
        if state == "finished":
            ctx.require_double().script(["succeeded"])
            task, done, error = ctx.run_task(provider, provider.prepare(simple_request(ctx)))
            assert error is None and done is not None and task is not None, f"{error!r}"
            outcome = _cancel(ctx, task, "finished")
            assert outcome in (CancelOutcome.TOO_LATE, CancelOutcome.NOT_SUPPORTED), (
                f"cancel is truthful: cancel of a finished ({done.status}) task said "
                f"{outcome}; a finished task cannot be stopped (fix: say TOO_LATE; {_DOC})"
            )
            after = _poll(ctx, task, "of a finished task after cancel")
            assert after.status is done.status, (
                f"cancel is truthful: a finished task reported {done.status}, then "
                f"{after.status} after a cancel that said {outcome}"
            )
            return
        task = self._held(ctx, state)
        outcome = _cancel(ctx, task, state)
        if not ctx.caps.can_cancel:
            assert outcome in (CancelOutcome.NOT_SUPPORTED, CancelOutcome.TOO_LATE), (
                f"cancel is truthful: capabilities say can_cancel=False but cancel said {outcome}"
            )
            return
        if state == "queued":
            assert outcome is CancelOutcome.CANCELLED, (
                f"cancel is truthful: cancel of a queued task must take (can_cancel=True), it "
                f"said {outcome} (fix: call the service's cancel; {_DOC})"
            )
        if outcome is CancelOutcome.CANCELLED:
            follow_cancel(ctx, task, state, polls)
            return
        after = _poll(ctx, task, f"of a {state} task after cancel")
        assert after.status in (TaskStatus.RUNNING, TaskStatus.SUCCEEDED, TaskStatus.QUEUED), (
            f"cancel is truthful: cancel of a {state} task said {outcome}, but the task then "
            f"reports {after.status}"
        )
        # Free the held task for the next test.
        settle(provider, lambda: provider.cancel(task))

    def test_poll_and_cancel_return_within_budget(self, fresh: ContractContext) -> None:
        """``poll`` and ``cancel`` return within ``call_budget`` seconds against an idle
        double: one request each, never a sleep or a wait for the task.

        Fix: waiting is the engine's job; make each adapter call one request.
        """
        ctx = fresh
        provider = ctx.provider
        task = self._held(ctx, "queued")
        budget = self.call_budget
        timings: dict[str, Any] = {}
        for name, call in (
            ("poll", lambda: provider.poll(task)),
            ("poll (again)", lambda: provider.poll(task)),
            ("cancel", lambda: provider.cancel(task)),
        ):
            started = time.perf_counter()
            settle(provider, call)
            timings[name] = time.perf_counter() - started
        slow = {name: round(t, 3) for name, t in timings.items() if t > budget}
        assert not slow, (
            f"poll and cancel return within {budget:g} s against an idle double, but took "
            f"{slow} s (fix: one request per call, no sleeping or waiting in the adapter)"
        )
