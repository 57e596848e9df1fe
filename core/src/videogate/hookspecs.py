"""Hook specifications of videogate (pluggy project name ``videogate``).

Plugins implement them with ``@videogate.hookimpl`` and are found through the entry-point
group ``videogate``. Implementations may accept fewer arguments than specified; new
arguments may be added to a hook without breaking them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from videogate._contract.events import ProgressEvent
    from videogate._contract.provider import ProviderSpec
    from videogate._contract.result import VideoResult

__all__ = ["hookimpl", "hookspec"]

PROJECT = "videogate"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


# ---------------------------------------------------------------------------------------------
# Registration hooks: called once, when the plugin manager is built.
# ---------------------------------------------------------------------------------------------


@hookspec
def register_providers(register: Callable[[ProviderSpec], None]) -> None:
    """Register the providers this plugin offers.

    Called once per process, when videogate first needs its providers (not at import).

    :param register: call it once per provider with a :class:`~videogate.ProviderSpec`.
        Give the factory as a ``"module:Class"`` string so that listing providers does not
        import the provider's SDK.
    """


@hookspec
def register_storage(register: Callable[[str, Callable[..., Any]], None]) -> None:
    """Register storage backends for URL schemes fsspec does not cover, or to replace one.

    Called once, when the storage of a job is first opened.

    :param register: ``register(scheme, factory)``; ``factory(url, **options)`` returns an
        object implementing :class:`~videogate.Storage`.
    """


@hookspec
def register_cache(register: Callable[[str, Callable[..., Any]], None]) -> None:
    """Register cache backends selectable with ``[cache] backend = "NAME"``.

    Called once, when the cache is first opened.

    :param register: ``register(name, factory)``; ``factory(**options)`` returns an object
        implementing :class:`~videogate.Cache`.
    """


# ---------------------------------------------------------------------------------------------
# Observer hooks: called by the engine as jobs progress. Must be quick; exceptions are logged
# and ignored so an observer can never break a job.
# ---------------------------------------------------------------------------------------------


@hookspec
def job_progress(event: ProgressEvent) -> None:
    """Called on every phase change and progress update of every job.

    :param event: the :class:`~videogate.ProgressEvent`.
    """


@hookspec
def job_finished(
    job_id: str, provider: str, result: VideoResult | None, error: BaseException | None
) -> None:
    """Called once when a job ends, successfully or not.

    :param job_id: videogate's job id.
    :param provider: the configured provider name.
    :param result: the :class:`~videogate.VideoResult` on success, else ``None``.
    :param error: the :class:`~videogate.VideogateError` on failure or cancel, else ``None``.
    """
