"""The poll scheduler: one timer per engine wakes every waiting job in due order.

Jobs do not sleep on threads, nor arm a timer each: they put a future on one heap, and a
single loop callback, armed for the earliest due time, resolves whatever is due. The pacing
(how long to wait) comes from :class:`~videogate._engine.pacing.PollPolicy` over the learned
:class:`~videogate._engine.pacing.LatencyModel`; the query-rate cap is applied by the engine's
limits right after the wake-up.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools

from videogate._engine.pacing import LatencyModel, PollPolicy, Window

__all__ = ["PollScheduler"]

_SLACK = 0.0005


class PollScheduler:
    """Shared waiting room for polls, bound to the engine's event loop."""

    def __init__(self, policy: PollPolicy | None = None, model: LatencyModel | None = None) -> None:
        self.policy = policy or PollPolicy()
        self.model = model or LatencyModel()
        self._heap: list[tuple[float, int, asyncio.Future[None]]] = []
        self._counter = itertools.count()
        self._handle: asyncio.TimerHandle | None = None
        self._armed_for = float("inf")
        self.wakeups = 0

    @property
    def waiting(self) -> int:
        """Jobs currently waiting for their next poll."""
        return sum(1 for _, _, f in self._heap if not f.done())

    def window(self, key: str, provider: str) -> Window | None:
        """The expected task times of class ``key`` (learned, else ``provider``'s prior)."""
        return self.model.window(key, provider, self.policy)

    async def sleep(self, delay: float) -> None:
        """Wait ``delay`` seconds in the shared heap (not at all when ``delay <= 0``)."""
        if delay <= 0:
            return
        loop = asyncio.get_running_loop()
        due = loop.time() + max(0.0, delay)
        future: asyncio.Future[None] = loop.create_future()
        heapq.heappush(self._heap, (due, next(self._counter), future))
        self._arm(loop)
        try:
            await future
        finally:
            if not future.done():
                future.cancel()

    def _arm(self, loop: asyncio.AbstractEventLoop) -> None:
        while self._heap and self._heap[0][2].done():
            heapq.heappop(self._heap)
        if not self._heap:
            return
        due = self._heap[0][0]
        if self._handle is not None and self._armed_for <= due:
            return
        if self._handle is not None:
            self._handle.cancel()
        self._armed_for = due
        self._handle = loop.call_at(due, self._fire, loop)

    def _fire(self, loop: asyncio.AbstractEventLoop) -> None:
        self._handle = None
        self._armed_for = float("inf")
        self.wakeups += 1
        now = loop.time() + _SLACK
        while self._heap and self._heap[0][0] <= now:
            _, _, future = heapq.heappop(self._heap)
            if not future.done():
                future.set_result(None)
        self._arm(loop)

    def close(self) -> None:
        """Cancel the timer and every waiter."""
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
        for _, _, future in self._heap:
            if not future.done():
                future.cancel()
        self._heap.clear()
