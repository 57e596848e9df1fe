"""The contract-suite service double of ``kenburns``: the provider itself, rendering for real.

Offered to videogate-contracts through the ``contract_service_double`` hook of
:mod:`videogate_kenburns._plugin`; imported only when the suite runs. kenburns has no remote
service, so the double scripts only what a local renderer really does:

- ``succeeded``: the render runs; the statuses before it (``queued``, ``running``) are what
  the pool reports, not replayed one per poll (the outcome is what a script fixes);
- 20 or more leading ``queued`` steps: the render waits in the queue (the provider's
  ``start_delay`` option) until it is cancelled;
- ``cancelled``: the render is held in the queue and cancelled through the provider's own
  ``cancel``, as another caller of the same provider (or its shutdown) would.

It produces no fault, and opts out of each core fault kind with the reason (shown in the
suite's summary): kenburns has no key, account, quota, moderation or network, checks every
parameter before ``submit``, and renders again any task it does not know (nothing expires).
A render failure carries no service error code, so ``task_failed`` cannot be produced as the
suite specifies it either. A render cannot be held running either (it runs as fast as it
can), so ``running`` is not scriptable.

What the "service" received is the render spec each ``submit`` was given.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Final

from videogate import Provider, Size, TaskRef
from videogate_kenburns._provider import KenBurnsProvider
from videogate_kenburns._spec import RenderSpec

__all__ = ["KenBurnsDouble", "make_double"]

#: Leading ``queued`` steps from which a script holds the task in the queue.
_HOLD_QUEUED: Final = 20
_NO_SERVICE: Final = "kenburns renders locally: there is no service, key, account or network"
#: Why kenburns never meets each core fault kind of the contract suite.
FAULT_OPT_OUTS: Final[Mapping[str, str]] = {
    "invalid_parameter": "every parameter is checked before submit (prepare raises)",
    "auth": f"{_NO_SERVICE} (no key to reject)",
    "permission": f"{_NO_SERVICE} (no account)",
    "rate_limited": f"{_NO_SERVICE} (the local pool queues, nothing throttles)",
    "unavailable": _NO_SERVICE,
    "malformed": f"{_NO_SERVICE} (no answer to parse)",
    "content_rejected": f"{_NO_SERVICE} (no moderation)",
    "timeout": f"{_NO_SERVICE} (submit and poll never wait on anything)",
    "task_failed": "a render failure carries no service error code",
    "expired": "a task it does not know is rendered again from its spec (nothing expires)",
}

#: Seconds a held render waits in the queue: longer than any test; cancel ends it.
_HOLD_SECONDS: Final = 3600.0


class _Observed(KenBurnsProvider):
    """The real provider, with the double watching its submits (to count them, and to apply
    the script of the next task)."""

    def __init__(self, double: KenBurnsDouble, work_dir: str) -> None:
        super().__init__(work_dir=work_dir)
        self._double = double

    def submit(self, native: dict[str, Any]) -> TaskRef:
        hold, cancel = self._double._take_plan()
        self.start_delay = _HOLD_SECONDS if hold or cancel else 0.0
        try:
            task = super().submit(native)
        finally:
            self.start_delay = 0.0
        self._double._accepted(native)
        if cancel:
            self.cancel(task)
        return task


class KenBurnsDouble:
    """A ``videogate_contracts.ServiceDouble`` over the kenburns provider itself."""

    supported_faults: frozenset[str] = frozenset()
    fault_opt_outs: Mapping[str, str] = FAULT_OPT_OUTS
    scriptable: frozenset[str] = frozenset({"queued", "succeeded", "cancelled"})

    def __init__(self) -> None:
        self.work_dir = Path(tempfile.mkdtemp(prefix="videogate-kenburns-contract-"))
        self._lock = threading.Lock()
        self._submissions = 0
        self._received: list[dict[str, Any]] = []
        self._hold = False
        self._cancel = False

    @property
    def submissions(self) -> int:
        with self._lock:
            return self._submissions

    def reset(self) -> None:
        with self._lock:
            self._submissions = 0
            self._received = []
            self._hold = self._cancel = False

    def script(self, steps: Sequence[str]) -> None:
        unknown = sorted(set(steps) - self.scriptable)
        if unknown:
            raise ValueError(f"kenburns cannot script {unknown}: a local render never meets them")
        leading = next((i for i, step in enumerate(steps) if step != "queued"), len(steps))
        outcome = next((s for s in steps if s in ("succeeded", "cancelled")), "succeeded")
        with self._lock:
            self._hold = leading >= _HOLD_QUEUED
            self._cancel = outcome == "cancelled" and not self._hold

    def fault(self, kind: str, *, on: str = "submit", **params: Any) -> None:
        raise ValueError(f"kenburns cannot meet fault {kind!r} on {on}: it has no service")

    def received(self) -> list[dict[str, Any]]:
        """The render spec of each accepted submit, in the request's vocabulary."""
        with self._lock:
            return list(self._received)

    def make_provider(self, *, api_key: str | None = None) -> Provider:
        # kenburns takes no key: ``api_key`` has nowhere to go, so it is not kept.
        return _Observed(self, str(self.work_dir))

    def close(self) -> None:
        shutil.rmtree(self.work_dir, ignore_errors=True)

    def _take_plan(self) -> tuple[bool, bool]:
        """The script of the next task (hold, cancel); later tasks render normally."""
        with self._lock:
            plan = (self._hold, self._cancel)
            self._hold = self._cancel = False
            return plan

    def _accepted(self, native: dict[str, Any]) -> None:
        spec = RenderSpec.from_native(native)
        seen = {
            "prompt": spec.prompt,
            "negative_prompt": spec.negative_prompt,
            "duration": spec.duration,
            "fps": spec.fps,
            "size": Size(spec.width, spec.height),
            "seed": spec.seed,
            "motion_strength": spec.motion_strength,
            "reference_image": None if spec.image is None else spec.image.sha256,
            "options": {"fit": spec.fit},
        }
        with self._lock:
            self._submissions += 1
            self._received.append(seen)


def make_double() -> KenBurnsDouble:
    """A kenburns double (the factory returned by the hook)."""
    return KenBurnsDouble()
