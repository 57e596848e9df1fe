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

It declares no fault: kenburns has no key, account, quota, moderation or network, checks
every parameter before ``submit``, and renders again any task it does not know (nothing
expires). A render failure carries no service error code, so ``task_failed`` cannot be
produced as the suite specifies it either. The tests needing faults are skipped.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final

from videogate import Provider, TaskRef
from videogate_kenburns._provider import KenBurnsProvider

__all__ = ["KenBurnsDouble", "make_double"]

#: Leading ``queued`` steps from which a script holds the task in the queue.
_HOLD_QUEUED: Final = 20
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
        self._double._accepted()
        if cancel:
            self.cancel(task)
        return task


class KenBurnsDouble:
    """A ``videogate_contracts.ServiceDouble`` over the kenburns provider itself."""

    supported_faults: frozenset[str] = frozenset()
    scriptable: frozenset[str] = frozenset({"queued", "running", "succeeded", "cancelled"})

    def __init__(self) -> None:
        self.work_dir = Path(tempfile.mkdtemp(prefix="videogate-kenburns-contract-"))
        self._lock = threading.Lock()
        self._submissions = 0
        self._hold = False
        self._cancel = False

    @property
    def submissions(self) -> int:
        with self._lock:
            return self._submissions

    def reset(self) -> None:
        with self._lock:
            self._submissions = 0
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

    def _accepted(self) -> None:
        with self._lock:
            self._submissions += 1


def make_double() -> KenBurnsDouble:
    """A kenburns double (the factory returned by the hook)."""
    return KenBurnsDouble()
