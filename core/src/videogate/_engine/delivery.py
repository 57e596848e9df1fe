"""Building a run's VideoResult from the stored video: probed facts, timings, delivery warnings."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from videogate._contract.normalize import Mode
from videogate._contract.provider import TaskOutput
from videogate._contract.request import VideoRequest
from videogate._contract.result import ResultWarning, VideoResult
from videogate._engine.run import Run
from videogate._engine.runcontext import RunContext

__all__ = ["build_result", "delivery_warnings"]


def build_result(
    run: Run, output: TaskOutput, artifact: Any, *, clock: Callable[[], float]
) -> VideoResult:
    """The result of ``run``: what the probe of the stored ``artifact`` says, never what the
    provider claims, with a warning for each difference from what was asked."""
    ctx: RunContext = run.context
    probe = artifact.probe
    expected = ctx.normalized.original if ctx.mode is Mode.CONFORM else ctx.normalized.request
    warnings = [*ctx.normalized.warnings, *artifact.warnings]
    warnings.extend(delivery_warnings(expected, probe.duration, probe.fps, probe.size))
    seed = output.seed if output.seed is not None else ctx.normalized.request.seed
    source = output.url if output.url.startswith(("http://", "https://")) else None
    return VideoResult(
        video_url=artifact.url,
        duration=probe.duration,
        fps=probe.fps,
        seed=seed,
        size=probe.size,
        provider=ctx.name,
        model=ctx.model,
        task_id=None if run.ref is None else run.ref.task_id,
        source_url=source,
        source_expires_at=output.expires_at if source else None,
        sha256=artifact.sha256,
        cached=False,
        timings=_timings(run, artifact, clock),
        warnings=tuple(warnings),
        job_id=run.job_id,
    )


def _timings(run: Run, artifact: Any, clock: Callable[[], float]) -> dict[str, float]:
    """Seconds spent per phase (from the run's marks), plus the artifact's own timings."""
    m = run.marks
    end = m.get("end", clock())
    terminal = m.get("terminal", end)
    running = m.get("running", m.get("submitted", run.started))
    downloading = m.get("downloading", terminal)
    storing = m.get("storing", end)
    # A resumed run started before this process adopted it: count from its first mark.
    start = min(run.started, running)
    timings = {
        "queued": max(0.0, running - start),
        "running": max(0.0, terminal - running),
        "downloading": max(0.0, storing - downloading),
        "storing": max(0.0, end - storing),
        "total": max(0.0, end - start),
    }
    for key, value in dict(getattr(artifact, "timings", {}) or {}).items():
        timings.setdefault(str(key), float(value))
    return {k: round(v, 6) for k, v in timings.items()}


def delivery_warnings(
    expected: VideoRequest, duration: float, fps: float, size: Any
) -> list[ResultWarning]:
    """Warnings for a delivered file that differs from what was asked beyond one frame
    (duration), half a percent (fps) or one pixel (size)."""
    out = []
    frame = 1.0 / max(fps, expected.fps, 1e-9)
    if abs(duration - expected.duration) > frame + 1e-6:
        out.append(
            ResultWarning(
                field="duration",
                message=f"delivered {duration:.3f} s instead of {expected.duration:g} s",
                requested=f"{expected.duration:g}",
                actual=f"{duration:.3f}",
            )
        )
    if abs(fps - expected.fps) > 0.005 * expected.fps:
        out.append(
            ResultWarning(
                field="fps",
                message=f"delivered {fps:g} fps instead of {expected.fps:g}",
                requested=f"{expected.fps:g}",
                actual=f"{fps:g}",
            )
        )
    if abs(size.width - expected.size.width) > 1 or abs(size.height - expected.size.height) > 1:
        out.append(
            ResultWarning(
                field="size",
                message=f"delivered {size} instead of {expected.size}",
                requested=str(expected.size),
                actual=str(size),
            )
        )
    return out
