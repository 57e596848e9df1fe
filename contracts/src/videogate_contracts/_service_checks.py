"""Contract tests against the service double: fault mapping and results."""

from __future__ import annotations

import math

import pytest

from videogate import TaskStatus
from videogate_contracts._context import ContractContext, settle
from videogate_contracts._double import POLL_FAULTS, SUBMIT_FAULTS, Fault
from videogate_contracts._faults import check_error, inject
from videogate_contracts._requests import simple_request

__all__ = ["ServiceChecks"]


class ServiceChecks:
    """The service-behaviour tests of :class:`~videogate_contracts.ProviderContract`."""

    @pytest.mark.parametrize("kind", [str(k) for k in SUBMIT_FAULTS])
    def test_submit_fault_maps_to_the_right_error(self, fresh: ContractContext, kind: str) -> None:
        """Each fault the service can raise on submit becomes the right videogate error with
        the right ``retryable``, a non-empty message, no raw exception, and no task created
        for refusals.

        Fix: map the service's status/code in ``map_error`` (or raise the videogate error).
        """
        double = fresh.require_fault(kind)
        provider = fresh.provider
        native = provider.prepare(simple_request(fresh))
        inject(double, kind, on="submit")
        _, error = settle(provider, lambda: provider.submit(native))
        check_error(kind, "submit", error, fresh.caps)
        if kind not in (Fault.TIMEOUT, Fault.MALFORMED, Fault.UNAVAILABLE):
            assert double.submissions == 0, f"a refused submit ({kind}) created a task"

    @pytest.mark.parametrize("kind", [str(k) for k in POLL_FAULTS])
    def test_poll_fault_maps_to_the_right_error(self, fresh: ContractContext, kind: str) -> None:
        """Each fault the service can answer to a poll becomes the right videogate error
        (raised, or in a ``FAILED`` state) with the right ``retryable``.

        Fix: map task statuses and error codes in ``poll``/``map_error``.
        """
        double = fresh.require_fault(kind)
        provider = fresh.provider
        native = provider.prepare(simple_request(fresh))
        inject(double, kind, on="poll")
        task, error = settle(provider, lambda: provider.submit(native))
        assert error is None and task is not None, f"submit failed: {error!r}"
        state, error = settle(provider, lambda: provider.poll(task))
        if state is not None and state.status is TaskStatus.FAILED:
            error = state.error
        elif state is not None:
            raise AssertionError(f"fault {kind!r} on poll was reported as {state.status}")
        check_error(kind, "poll", error, fresh.caps)

    def test_stage_creates_no_task(self, fresh: ContractContext) -> None:
        """``stage`` (uploads before the job waits for a slot) creates no task, twice in a
        row, and its result is a valid ``submit`` argument that creates exactly one.

        Fix: only upload inputs in ``stage``; start the task in ``submit``.
        """
        double = fresh.require_double()
        provider = fresh.provider
        native = provider.prepare(simple_request(fresh))
        before = double.submissions
        staged, error = settle(provider, lambda: provider.stage(native))
        assert error is None and staged is not None, f"stage failed: {error!r}"
        settle(provider, lambda: provider.stage(native))
        assert double.submissions == before, (
            "staging creates no task: stage() started a task; it is repeated on errors and "
            "runs before the job has a slot, so every call would be paid"
        )
        double.script(["succeeded"])
        task, error = settle(provider, lambda: provider.submit(staged))
        assert error is None and task is not None, f"submit of staged parameters: {error!r}"
        assert double.submissions == before + 1

    def test_results_are_normalized(self, fresh: ContractContext) -> None:
        """A succeeded task reports only what it produced: ``TaskOutput`` fps, duration and
        size agree with the video file, and the seed is the one sent (or none).

        Fix: report the service's values when it gives them, else leave them ``None``;
        never copy the request's values into the output.
        """
        double = fresh.require_double()
        provider = fresh.provider
        request = simple_request(fresh)
        double.script(["succeeded"])
        _, state, error = fresh.run_task(provider, provider.prepare(request))
        assert error is None and state is not None, f"the task failed: {error!r}"
        assert state.status is TaskStatus.SUCCEEDED, f"the task ended {state.status}"
        output = state.output
        assert output is not None
        probe = fresh.probe(output)
        if output.fps is not None:
            assert math.isclose(output.fps, probe.fps, rel_tol=0.01), (
                f"results are normalized: TaskOutput.fps={output.fps:g} but the video has "
                f"{probe.fps:g} fps (an invented fps value)"
            )
        if output.duration is not None:
            slack = max(2 / probe.fps, 0.05 * probe.duration)
            assert abs(output.duration - probe.duration) <= slack, (
                f"results are normalized: TaskOutput.duration={output.duration:g} s but the "
                f"video lasts {probe.duration:g} s"
            )
        if output.size is not None:
            assert output.size == probe.size, (
                f"results are normalized: TaskOutput.size={output.size} but the video is "
                f"{probe.size}"
            )
        caps = fresh.caps
        if caps.supports_seed and output.seed is not None:
            assert output.seed == request.seed, (
                f"results are normalized: the seed sent was {request.seed} but TaskOutput "
                f"reports seed {output.seed} (an invented seed value)"
            )
        if not caps.supports_seed and not caps.output_seed_echoed:
            assert output.seed is None, (
                f"results are normalized: the provider takes no seed yet reports seed "
                f"{output.seed} (an invented seed value)"
            )
        if caps.output_seed_echoed and caps.supports_seed:
            assert output.seed == request.seed, "output_seed_echoed, but no seed echoed"
