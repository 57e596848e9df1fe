"""What a run needs to talk to its provider, and the one way to call the provider adapter."""

from __future__ import annotations

import asyncio
import functools
import inspect
from concurrent.futures import Executor
from typing import Any

import attrs

from videogate._contract.errors import VideogateError
from videogate._contract.normalize import Mode, Normalized
from videogate._contract.provider import Provider

__all__ = ["RunContext"]


@attrs.frozen
class RunContext:
    """The provider of a run, its request and the pool its blocking adapter calls run on.

    ``model`` is the model the task was (or will be) submitted to: the journaled one for a
    resumed job, even if the configuration has changed since.
    """

    name: str
    plugin: str
    provider: Provider
    normalized: Normalized
    mode: Mode
    model: str
    workers: Executor = attrs.field(eq=False, repr=False)

    @property
    def stats_key(self) -> str:
        """The class under which task times of runs like this one are learned: provider,
        model, resolution and duration (``wan/wan2.6-i2v-flash/1280x720/5s``)."""
        request = self.normalized.request
        shape = f"{request.size.width}x{request.size.height}"
        return f"{self.name}/{self.model}/{shape}/{round(request.duration, 1):g}s"

    async def call(self, method: str, *args: Any) -> Any:
        """One adapter call: its async variant if defined, else on the worker pool. Anything
        that is not a VideogateError goes through ``map_error``."""
        provider = self.provider
        try:
            variant = getattr(provider, "a" + method, None)
            if variant is not None and inspect.iscoroutinefunction(variant):
                return await variant(*args)
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(
                self.workers, functools.partial(getattr(provider, method), *args)
            )
        except VideogateError as err:
            if err.provider is None:
                err.provider = self.name
            raise
        except Exception as exc:
            raise self._map_error(exc) from exc

    def _map_error(self, exc: BaseException) -> VideogateError:
        try:
            err = self.provider.map_error(exc)
        except Exception:
            err = None
        if not isinstance(err, VideogateError):
            err = VideogateError(
                f"{self.name}: unexpected {type(exc).__name__}: {exc}", provider=self.name
            )
        if err.provider is None:
            err.provider = self.name
        return err
