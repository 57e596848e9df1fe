"""Contract tests that send requests from the whole capability space through submit, poll
and result against the double, and compare what the service got and made with the request."""

from __future__ import annotations

import functools
from typing import Any

from hypothesis import given

from videogate import TaskRef, TaskStatus, VideoRequest
from videogate_contracts._context import ContractContext, settle
from videogate_contracts._double import HOLD_STEPS
from videogate_contracts._edges import boundary_requests, edge_requests, neighbour_pairs, with_value
from videogate_contracts._profiles import contract_settings
from videogate_contracts._received import check_produced, check_received, shown
from videogate_contracts._requests import simple_request

__all__ = ["RENDER_BUDGET", "RoundTripChecks"]

#: Pixels x frames above which a drawn request is held in the queue and cancelled instead of
#: rendered (what the service was asked is still compared): 5 s of 1280x720 at 30 fps.
RENDER_BUDGET = 1280 * 720 * 150

_REFUSED = (
    "the service accepts what the capabilities allow: it refused {request} with {error!r} "
    "(fix: declare only what the service accepts, or map the value as the service takes it)"
)


def _describe(request: VideoRequest) -> str:
    parts = [
        f"size={request.size}",
        f"duration={request.duration:g}",
        f"fps={request.fps:g}",
        f"prompt={shown(request.prompt)}",
        f"seed={request.seed}",
    ]
    if request.negative_prompt is not None:
        parts.append(f"negative_prompt={shown(request.negative_prompt)}")
    if request.motion_strength is not None:
        parts.append(f"motion_strength={request.motion_strength:g}")
    parts.append("with image" if request.reference_image is not None else "without image")
    if request.options:
        parts.append(f"options={request.options}")
    return "request(" + ", ".join(parts) + ")"


def send_held(ctx: ContractContext, request: VideoRequest) -> tuple[TaskRef, dict[str, Any], bool]:
    """Submit ``request`` with the task held in the queue when the double can hold it;
    returns the task, what the service received, and whether it is held."""
    double = ctx.require_double()
    provider = ctx.provider
    held = "queued" in double.scriptable
    before = len(double.received())
    double.script(["queued"] * HOLD_STEPS + ["succeeded"] if held else ["succeeded"])
    # As the engine does: prepare, stage (uploads), then submit.
    task, error = settle(
        provider, lambda: provider.submit(provider.stage(provider.prepare(request)))
    )
    assert error is None and task is not None, _REFUSED.format(
        request=_describe(request), error=error
    )
    return task, ctx.received(before), held


def release(ctx: ContractContext, task: TaskRef) -> None:
    """Cancel a held task (its outcome is checked elsewhere)."""
    settle(ctx.provider, lambda: ctx.provider.cancel(task))


class RoundTripChecks:
    """The round-trip tests of :class:`~videogate_contracts.ProviderContract`."""

    def test_requests_reach_the_service_intact(self, fresh: ContractContext) -> None:
        """Requests drawn from the whole capability space (each size and orientation, the
        bounds of duration and fps, the longest prompts, edge seeds, optional fields present
        and absent) go through submit, poll and result: the service is asked exactly what
        the request asks (the double's ``received()``), and the video and ``TaskOutput``
        match the request. Requests above a render budget are held and cancelled instead
        of rendered.

        Fix: map every field unchanged in ``prepare``/``submit``; report what the service
        produced.
        """
        ctx = fresh
        double = ctx.require_double()
        provider = ctx.provider

        @contract_settings("service")
        @given(edge_requests(ctx))
        def reaches_the_service(drawn: VideoRequest) -> None:
            request = ctx.normalized(drawn)
            frames = request.duration * request.fps
            if request.size.pixels * frames > RENDER_BUDGET:
                task, got, held = send_held(ctx, request)
                check_received(ctx, request, got)
                if held:
                    release(ctx, task)
                return
            before = len(double.received())
            double.script(["succeeded"])
            _, state, error = ctx.run_task(provider, provider.prepare(request))
            assert error is None and state is not None, _REFUSED.format(
                request=_describe(request), error=error
            )
            check_received(ctx, request, ctx.received(before))
            assert state.status is TaskStatus.SUCCEEDED and state.output is not None, (
                f"the service accepts what the capabilities allow: {_describe(request)} ended "
                f"{state.status} ({state.error!r})"
            )
            check_produced(ctx, request, state.output, ctx.probe(state.output))

        reaches_the_service()

    def test_service_accepts_every_boundary_request(self, fresh: ContractContext) -> None:
        """Requests at every corner the capabilities allow (each edge size with each pair of
        duration and fps bounds, the longest prompts, seeds 0 and 2**31-1, optional fields
        present and absent, each declared option value) are accepted by the service (no
        refusal on submit or on the first poll).

        Fix: declare only what the service accepts (strict mode lets these through, and the
        service would refuse them after the job was queued, or paid).
        """
        ctx = fresh
        provider = ctx.provider
        for drawn in boundary_requests(ctx):
            request = ctx.normalized(drawn)
            task, _, held = send_held(ctx, request)
            if not held:
                continue
            state, error = settle(provider, functools.partial(provider.poll, task))
            release(ctx, task)
            refused = error if error is not None else (state.error if state else None)
            assert refused is None and state is not None, _REFUSED.format(
                request=_describe(request), error=refused
            )
            assert state.status is not TaskStatus.FAILED, _REFUSED.format(
                request=_describe(request), error=state.error
            )

    def test_distinct_values_reach_the_service_distinctly(self, fresh: ContractContext) -> None:
        """Two valid values one finest step apart (neighbouring durations, fps, sizes,
        seeds, motion strengths, prompts differing only in their last character at the
        length limit, two declared option values) reach the service as two different values:
        the mapping loses nothing. Deterministic: the same pairs every run.

        Fix: send the value unchanged, or declare the step the service honours in the
        capabilities (``NumberRange(2, 10, 1)``, ``NumberRange.of(12, 25)``), so that
        normalization snaps the value with a warning instead of the provider doing it
        silently.
        """
        ctx = fresh
        base = simple_request(ctx)
        for field, a, b in neighbour_pairs(ctx, base):
            key, option = ("options", field.split(".", 1)[1]) if "." in field else (field, "")
            seen = []
            for value in (a, b):
                request = ctx.normalized(with_value(ctx, base, field, value))
                task, got, held = send_held(ctx, request)
                if held:
                    release(ctx, task)
                assert key in got, (
                    f"distinct values reach the service distinctly: the double's received() "
                    f"does not report {key!r} (docs/writing-a-provider.md, 'received')"
                )
                seen.append((got[key] or {}).get(option) if option else got[key])
            assert seen[0] != seen[1], (
                f"distinct values reach the service distinctly: {field}={shown(a)} and "
                f"{field}={shown(b)} both reached the service as {shown(seen[0])} (a lossy "
                "mapping). Fix: send the value unchanged, or declare the step the service "
                "honours in the capabilities so that normalization snaps it with a warning"
            )
