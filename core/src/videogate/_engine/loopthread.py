"""A private event loop on its own thread: the engine's home.

All jobs of an engine live on this loop (one scheduler, one set of limits), whichever thread
or event loop the caller uses: the sync face blocks on a future, the async face awaits it
from its own loop. So ``generate()`` works even inside a running event loop.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import threading
import time
from collections.abc import Coroutine
from typing import Any, TypeVar

__all__ = ["LoopStopped", "LoopThread"]

logger = logging.getLogger("videogate.engine")

T = TypeVar("T")


#: How often a blocked caller checks that the loop thread is still alive (seconds).
_LIVENESS_CHECK = 0.5


class LoopStopped(RuntimeError):
    """The engine's event loop stopped (closed, or its thread died) before answering."""


class LoopThread:
    """An event loop running forever on a daemon thread until :meth:`stop`.

    A caller never waits on a loop that is gone: when the loop stops, for whatever reason,
    every call still pending fails with :class:`LoopStopped`, and so does any later call.
    """

    def __init__(self, name: str = "videogate-engine") -> None:
        self.loop = asyncio.new_event_loop()
        self._started = threading.Event()
        self._lock = threading.Lock()
        self._pending: set[concurrent.futures.Future[Any]] = set()
        self._stopped = False
        self._thread = threading.Thread(target=self._main, name=name, daemon=True)
        self._thread.start()
        self._started.wait()

    def _main(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.call_soon(self._started.set)
        try:
            self.loop.run_forever()
        except BaseException:
            logger.exception("the videogate engine loop died")
        finally:
            self._refuse_new()
            try:
                pending = [t for t in asyncio.all_tasks(self.loop) if not t.done()]
                for task in pending:
                    task.cancel()
                if pending:
                    self.loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
                self.loop.run_until_complete(self.loop.shutdown_asyncgens())
            except BaseException:
                logger.exception("the videogate engine loop failed to wind down")
            finally:
                self._fail_pending()
                self.loop.close()

    def _refuse_new(self) -> None:
        with self._lock:
            self._stopped = True

    def _fail_pending(self) -> None:
        with self._lock:
            pending = list(self._pending)
            self._pending.clear()
        for future in pending:
            if _claim(future):
                future.set_exception(self._stopped_error())

    @staticmethod
    def _stopped_error() -> LoopStopped:
        return LoopStopped("the videogate engine's event loop has stopped")

    @property
    def alive(self) -> bool:
        """Whether the loop still runs."""
        return self._thread.is_alive() and not self._stopped and not self.loop.is_closed()

    def in_loop(self) -> bool:
        """Whether the caller runs on the loop's thread."""
        return threading.get_ident() == self._thread.ident

    def submit(self, coro: Coroutine[Any, Any, T]) -> concurrent.futures.Future[T]:
        """Schedule ``coro`` on the loop; a thread-safe future of its result.

        :raises LoopStopped: the loop has stopped.
        """
        with self._lock:
            if self._stopped or self.loop.is_closed():
                coro.close()
                raise self._stopped_error()
            future: concurrent.futures.Future[T] = concurrent.futures.Future()
            self._pending.add(future)
        future.add_done_callback(self._forget)
        try:
            self.loop.call_soon_threadsafe(self._start, coro, future)
        except RuntimeError:  # closed meanwhile
            coro.close()
            if _claim(future):
                future.set_exception(self._stopped_error())
        return future

    def _forget(self, future: concurrent.futures.Future[Any]) -> None:
        with self._lock:
            self._pending.discard(future)

    def _start(self, coro: Coroutine[Any, Any, T], future: concurrent.futures.Future[T]) -> None:
        if future.cancelled():
            coro.close()
            return
        task = self.loop.create_task(coro)

        def relay(done: asyncio.Task[T]) -> None:
            if done.cancelled():
                future.cancel()
            elif _claim(future):
                exc = done.exception()
                if exc is not None:
                    future.set_exception(exc)
                else:
                    future.set_result(done.result())

        def abandon(cf: concurrent.futures.Future[T]) -> None:
            if cf.cancelled() and not task.done():
                with contextlib.suppress(RuntimeError):  # the loop is closed: nothing runs
                    self.loop.call_soon_threadsafe(task.cancel)

        task.add_done_callback(relay)
        future.add_done_callback(abandon)

    def run(self, coro: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        """Run ``coro`` on the loop and block until it is done.

        :raises LoopStopped: the loop stopped (or its thread died) before answering.
        :raises TimeoutError: ``timeout`` seconds passed (the coroutine is cancelled).
        """
        if self.in_loop():
            coro.close()
            raise RuntimeError("a blocking videogate call was made from the engine's own loop")
        future = self.submit(coro)
        end = None if timeout is None else time.monotonic() + timeout
        while True:
            step = _LIVENESS_CHECK
            if end is not None:
                step = min(step, max(0.0, end - time.monotonic()))
            try:
                return future.result(step)
            except concurrent.futures.CancelledError:
                if not self.alive:
                    raise self._stopped_error() from None
                raise
            except TimeoutError:
                if future.done():
                    continue
                if not self._thread.is_alive():
                    future.cancel()
                    raise self._stopped_error() from None
                if end is not None and time.monotonic() >= end:
                    future.cancel()
                    raise

    async def run_async(self, coro: Coroutine[Any, Any, T]) -> T:
        """Await ``coro`` on the loop from any other event loop (or the loop itself)."""
        if self.in_loop():
            return await coro
        return await asyncio.wrap_future(self.submit(coro))

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the loop (tasks still pending are cancelled) and join the thread."""
        if self.loop.is_closed():
            return
        with contextlib.suppress(RuntimeError):
            self.loop.call_soon_threadsafe(self.loop.stop)
        if not self.in_loop():
            self._thread.join(timeout)


def _claim(future: concurrent.futures.Future[Any]) -> bool:
    """Mark ``future`` running so that only the caller may now set it (``False``: it was
    cancelled or is already settled)."""
    try:
        return future.set_running_or_notify_cancel()
    except RuntimeError:  # already running or finished
        return False
