"""Account limits shared by a fleet: :class:`SharedLimits` keeps slots and pacing in the state
backend (PostgreSQL), so any number of processes on any number of machines stay together
inside one account's caps.

In each process, callers queue locally in arrival order; one pump per provider takes slots
from the database for them (woken at once when any process gives one back), and one per
pacer reserves a block of instants for all local callers in one statement. A slot given back
while local callers wait goes straight to the next of them, with no database round trip, up
to :data:`HANDOVERS` times in a row; then it goes back to the shared pool, so the other
processes get their turn.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
from collections.abc import Callable
from typing import Any

from videogate._contract.capabilities import ServiceLimits
from videogate._contract.errors import StorageError
from videogate._engine.limits import RATE_MARGIN
from videogate._state.postgres.limits import PostgresLimitStore

__all__ = ["HANDOVERS", "SharedLimits"]

logger = logging.getLogger("videogate.engine")

#: Longest wait for a release notification before looking again (expired leases).
_RECHECK = 0.25
#: Slots a process hands straight to its own waiters before giving one back to the pool.
HANDOVERS = 8
#: After giving a slot back for fairness, this process tries for one only after this long,
#: so a waiting process (woken by the release) takes it first.
_YIELD = 0.02


class _SharedSlots:
    def __init__(self, store: PostgresLimitStore, account: str, capacity: int | None) -> None:
        self.store = store
        self.account = account
        self.capacity = capacity
        self.held: list[int] = []
        self.waiters: collections.deque[asyncio.Future[None]] = collections.deque()
        self.pump: asyncio.Task[None] | None = None
        self.handovers = 0
        self.yield_until = 0.0

    async def acquire(self, owner: SharedLimits) -> None:
        if self.capacity is None:
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.waiters.append(waiter)
        if self.pump is None or self.pump.done():
            self.pump = asyncio.get_running_loop().create_task(self._pump(owner))
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                owner.release_slot(self.account)
            raise
        finally:
            with contextlib.suppress(ValueError):
                self.waiters.remove(waiter)

    def hand_over(self) -> bool:
        """Give a held slot to the next local waiter, unless there is none or this process
        already did so :data:`HANDOVERS` times in a row; ``True`` when handed over."""
        waiter = self._next_waiter()
        if waiter is None or self.handovers >= HANDOVERS:
            if waiter is not None:
                self.yield_until = asyncio.get_running_loop().time() + _YIELD
            self.handovers = 0
            return False
        self.handovers += 1
        self.waiters.popleft()
        waiter.set_result(None)
        return True

    def _next_waiter(self) -> asyncio.Future[None] | None:
        while self.waiters:
            if not self.waiters[0].done():
                return self.waiters[0]
            self.waiters.popleft()
        return None

    async def _pump(self, owner: SharedLimits) -> None:
        assert self.capacity is not None
        loop = asyncio.get_running_loop()
        while self._next_waiter() is not None:
            if self.yield_until > loop.time():
                await asyncio.sleep(self.yield_until - loop.time())
                continue
            try:
                slot = await asyncio.to_thread(self.store.try_acquire, self.account, self.capacity)
            except StorageError as exc:
                logger.warning("shared slots of %s: %s; retrying", self.account, exc)
                await asyncio.sleep(_RECHECK)
                continue
            if slot is None:
                with contextlib.suppress(StorageError):
                    await asyncio.to_thread(self.store.wait_release, _RECHECK)
                continue
            if self.yield_until > loop.time():
                # Taken just as this process gave one back for fairness: the others go first.
                owner.give_back(self.account, slot)
                continue
            waiter = self._next_waiter()
            self.held.append(slot)
            owner.ensure_heartbeat()
            if waiter is None:
                owner.release_slot(self.account)
                return
            self.waiters.popleft()
            waiter.set_result(None)


class _SharedPacer:
    def __init__(
        self, store: PostgresLimitStore, account: str, kind: str, rate: float | None
    ) -> None:
        self.store = store
        self.account = account
        self.kind = kind
        self.interval = 0.0 if not rate else 1.0 / (rate * RATE_MARGIN)
        self.pending: list[asyncio.Future[float]] = []
        self.pump: asyncio.Task[None] | None = None

    async def wait(self) -> None:
        if self.interval <= 0:
            return
        loop = asyncio.get_running_loop()
        turn: asyncio.Future[float] = loop.create_future()
        self.pending.append(turn)
        if self.pump is None or self.pump.done():
            self.pump = loop.create_task(self._pump())
        at = await turn
        delay = at - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)

    async def _pump(self) -> None:
        loop = asyncio.get_running_loop()
        while self.pending:
            batch, self.pending = self.pending, []
            try:
                first = await asyncio.to_thread(
                    self.store.reserve, self.account, self.kind, self.interval, len(batch)
                )
            except StorageError as exc:
                logger.warning("shared pacing of %s: %s; retrying", self.account, exc)
                self.pending[:0] = batch
                await asyncio.sleep(_RECHECK)
                continue
            base = loop.time() + first
            for index, turn in enumerate(batch):
                if not turn.done():
                    turn.set_result(base + index * self.interval)


class SharedLimits:
    """:class:`~videogate._engine.limits.Limits` kept in a :class:`PostgresLimitStore`.

    :param store: the shared store (its ``owner`` identifies this process).
    :param limits_for: the declared limits of a provider name.
    """

    def __init__(
        self, store: PostgresLimitStore, limits_for: Callable[[str], ServiceLimits]
    ) -> None:
        self.store = store
        self._limits_for = limits_for
        self._slots: dict[str, _SharedSlots] = {}
        self._pacers: dict[tuple[str, str], _SharedPacer] = {}
        self._background: set[asyncio.Task[Any]] = set()
        self._heartbeat: asyncio.Task[None] | None = None

    def _slots_of(self, provider: str) -> _SharedSlots:
        found = self._slots.get(provider)
        if found is None:
            capacity = self._limits_for(provider).max_concurrent_tasks
            found = self._slots[provider] = _SharedSlots(self.store, provider, capacity)
        return found

    def _pacer(self, provider: str, kind: str) -> _SharedPacer:
        found = self._pacers.get((provider, kind))
        if found is None:
            limits = self._limits_for(provider)
            rate = limits.submits_per_second if kind == "submit" else limits.queries_per_second
            found = self._pacers[(provider, kind)] = _SharedPacer(self.store, provider, kind, rate)
        return found

    def _spawn(self, fn: Callable[..., Any], *args: Any) -> None:
        task = asyncio.get_running_loop().create_task(asyncio.to_thread(fn, *args))
        self._background.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._background.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger.warning("shared limits: %s (the lease will free it)", task.exception())

    def give_back(self, account: str, slot: int) -> None:
        """Return slot ``slot`` of ``account`` to the shared pool (in the background)."""
        self._spawn(self.store.release, account, slot)

    def ensure_heartbeat(self) -> None:
        """Renew this process's slot leases while it holds any."""
        if self._heartbeat is None or self._heartbeat.done():
            self._heartbeat = asyncio.get_running_loop().create_task(self._renew())

    async def _renew(self) -> None:
        while any(s.held for s in self._slots.values()):
            await asyncio.sleep(self.store.lease / 3)
            try:
                await asyncio.to_thread(self.store.renew)
            except StorageError as exc:
                logger.warning("shared limits: lease renewal failed: %s", exc)

    async def acquire_slot(self, provider: str) -> None:
        await self._slots_of(provider).acquire(self)

    def release_slot(self, provider: str) -> None:
        slots = self._slots_of(provider)
        if slots.capacity is None or not slots.held or slots.hand_over():
            return
        self.give_back(slots.account, slots.held.pop())

    def waiting(self, provider: str) -> int:
        return len(self._slots_of(provider).waiters)

    def declared(self, provider: str) -> ServiceLimits:
        return self._limits_for(provider)

    async def submit_turn(self, provider: str) -> None:
        await self._pacer(provider, "submit").wait()

    async def query_turn(self, provider: str) -> None:
        await self._pacer(provider, "query").wait()

    def back_off(self, provider: str, seconds: float) -> None:
        self._spawn(self.store.push_back, provider, seconds)

    async def drain(self) -> None:
        """Wait for pending releases (at shutdown)."""
        if self._background:
            await asyncio.gather(*self._background, return_exceptions=True)
