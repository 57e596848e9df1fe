"""What a contract test needs at hand: the provider, its double, and helpers to drive them."""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import unquote, urlparse

from videogate import (
    ImageRef,
    Provider,
    Size,
    TaskOutput,
    TaskRef,
    TaskState,
    VideogateError,
    VideoProbe,
    VideoRequest,
    normalize,
)
from videogate_contracts._double import ServiceDouble
from videogate_contracts._skips import contract_skip

__all__ = ["ContractContext", "RawEscape", "settle"]

T = TypeVar("T")

#: Transient poll errors :meth:`ContractContext.run_task` retries before giving up.
_POLL_RETRIES = 3

#: Fixed seed given to normalize() so that prepared parameters are reproducible.
NORMALIZE_SEED = 1234


class RawEscape(AssertionError):
    """A non-videogate exception got past ``map_error``."""


def settle(provider: Provider, call: Callable[[], T]) -> tuple[T | None, VideogateError | None]:
    """Run one adapter call the way the engine does: a raised non-videogate exception goes
    through ``map_error``, which must return a :class:`VideogateError` and never raise."""
    try:
        return call(), None
    except VideogateError as err:
        return None, err
    except Exception as exc:
        try:
            mapped = provider.map_error(exc)
        except Exception as again:
            raise RawEscape(
                f"no raw exception escapes: map_error raised {type(again).__name__}: {again} "
                f"while mapping {type(exc).__name__}: {exc}"
            ) from again
        if not isinstance(mapped, VideogateError):
            raise RawEscape(
                f"no raw exception escapes: map_error({type(exc).__name__}) returned "
                f"{type(mapped).__name__}, not a VideogateError"
            ) from exc
        return None, mapped


class ContractContext:
    """The provider under test, its double (or ``None``) and the suite's settings."""

    def __init__(
        self,
        provider: Provider,
        double: ServiceDouble | None,
        workdir: Path,
        *,
        no_double_reason: str = "",
        option_values: dict[str, list[Any]] | None = None,
        task_deadline: float = 120.0,
    ) -> None:
        self.provider = provider
        self.double = double
        self.workdir = workdir
        self.no_double_reason = no_double_reason
        self.option_values = option_values or {}
        self.task_deadline = task_deadline
        self._images: dict[Size, ImageRef] = {}

    @property
    def name(self) -> str:
        return self.provider.name

    @property
    def caps(self) -> Any:
        return self.provider.capabilities

    def require_double(self) -> ServiceDouble:
        if self.double is None:
            contract_skip(f"needs a service double: {self.no_double_reason}")
        return self.double

    def require_fault(self, kind: str) -> ServiceDouble:
        """The double, when it produces fault ``kind``; a skip when it opted out of it (with
        its reason); a failure when it does neither."""
        double = self.require_double()
        if kind in double.supported_faults:
            return double
        reason = str(getattr(double, "fault_opt_outs", {}).get(kind, "")).strip()
        if reason:
            contract_skip(f"the service double opted out of fault {kind!r}: {reason}")
        raise AssertionError(
            f"the double supports the core fault kinds: it neither produces {kind!r} nor opts "
            f"out of it. Make fault({kind!r}) produce it (docs/writing-a-provider.md), or add "
            f"{{{kind!r}: 'why the service never meets it'}} to the double's fault_opt_outs"
        )

    def require_step(self, step: str, why: str) -> ServiceDouble:
        """The double, when its scripts accept ``step``; else a skip saying ``why`` it is needed."""
        double = self.require_double()
        if step not in double.scriptable:
            contract_skip(f"the service double cannot script {step!r} ({why})")
        return double

    def received(self, before: int) -> dict[str, Any]:
        """What the service was asked for the one task accepted after ``before`` tasks."""
        double = self.require_double()
        records = list(double.received())
        assert len(records) == before + 1, (
            f"the double's received() lists {len(records)} tasks, expected {before + 1}: it "
            "must record every task the service accepts (docs/writing-a-provider.md)"
        )
        return dict(records[-1])

    def image_for(self, size: Size) -> ImageRef:
        """A local PNG reference image of ``size`` (so its aspect matches the request)."""
        if size not in self._images:
            from PIL import Image

            path = self.workdir / f"reference-{size.width}x{size.height}.png"
            buffer = io.BytesIO()
            Image.new("RGB", (size.width, size.height), (90, 140, 200)).save(buffer, "PNG")
            path.write_bytes(buffer.getvalue())
            self._images[size] = ImageRef.from_path(path)
        return self._images[size]

    def image_like(self, size: Size) -> ImageRef:
        """A local PNG with the aspect of ``size`` (256 px on its short side, aspect kept
        within 1:8), small enough for any service, so that its aspect matches a request's."""
        aspect = min(max(size.width / size.height, 1 / 8), 8)
        width, height = (round(256 * aspect), 256) if aspect >= 1 else (256, round(256 / aspect))
        return self.image_for(Size(width, height))

    def with_local_image(self, request: VideoRequest) -> VideoRequest:
        """``request`` with a local image matching its size, when it has or needs one."""
        import attrs

        if request.reference_image is None and not self.caps.requires_reference_image:
            return request
        return attrs.evolve(request, reference_image=self.image_for(request.size))

    def normalized(self, request: VideoRequest) -> VideoRequest:
        """The strict-mode normalized request (with a fixed seed when none was given)."""
        return normalize(
            request, self.caps, "strict", provider=self.name, seed=NORMALIZE_SEED
        ).request

    def run_task(
        self, provider: Provider, native: dict[str, Any]
    ) -> tuple[TaskRef | None, TaskState | None, VideogateError | None]:
        """Stage and submit (as the engine does), then poll until a terminal state or an
        error (with a deadline); a few transient poll errors are retried, as the engine
        would."""
        task, error = settle(provider, lambda: provider.submit(provider.stage(native)))
        if error is not None or task is None:
            return task, None, error
        deadline = time.monotonic() + self.task_deadline
        delay = 0.005
        transient = 0
        while True:
            state, error = settle(provider, lambda: provider.poll(task))
            if error is not None and error.retryable and transient < _POLL_RETRIES:
                # As the engine does: a transient poll error (a slow answer under load) is
                # retried, never a reason to submit again.
                transient += 1
                time.sleep(0.1 * transient)
                continue
            if error is not None or state is None:
                return task, None, error
            if state.status.terminal:
                return task, state, None
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"task {task.task_id} did not finish within {self.task_deadline:g} s"
                )
            time.sleep(delay)
            delay = min(delay * 2, 0.2)

    def fetch(self, output: TaskOutput) -> Path:
        """A local copy of the task's video (``file://`` read in place, http(s) downloaded)."""
        parsed = urlparse(output.url)
        if parsed.scheme == "file":
            return Path(unquote(parsed.path))
        if parsed.scheme not in ("http", "https"):
            raise AssertionError(
                f"results are normalized: TaskOutput.url must be http(s):// or file://, "
                f"got {output.url!r}"
            )
        import httpx

        target = self.workdir / f"download-{abs(hash(output.url))}.mp4"
        with httpx.Client(trust_env=False, timeout=30) as client:
            response = client.get(output.url)
            response.raise_for_status()
            target.write_bytes(response.content)
        return target

    def probe(self, output: TaskOutput) -> VideoProbe:
        from videogate import probe_video

        return probe_video(self.fetch(output))
