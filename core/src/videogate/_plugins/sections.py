"""The tables of a configuration (``[providers.NAME]``, ``[cache]``, ``[storage]``,
``[state]``, ``[retry]``, ``[budget]``), each a frozen attrs class with its defaults; read and
merged by :mod:`videogate._plugins.config`."""

from __future__ import annotations

from typing import Any

import attrs

__all__ = [
    "BudgetConfig",
    "CacheConfig",
    "ProviderEntry",
    "RetryConfig",
    "StateConfig",
    "StorageConfig",
]


@attrs.frozen(kw_only=True)
class ProviderEntry:
    """A named provider: which plugin implements it, and the options passed to it."""

    name: str
    plugin: str
    options: dict[str, Any] = attrs.field(factory=dict, hash=False)
    source: str | None = None
    """The file whose ``[providers.NAME]`` table defined this entry, if any."""


@attrs.frozen(kw_only=True)
class CacheConfig:
    """``[cache]``: whether results are reused, and where the cache lives."""

    enabled: bool = True
    backend: str = "sqlite"
    path: str | None = None
    """SQLite file; default the journal's file (``<state_dir>/videogate.sqlite3``)."""
    options: dict[str, Any] = attrs.field(factory=dict, hash=False)
    """Keyword arguments for a backend registered through the ``register_cache`` hook."""


@attrs.frozen(kw_only=True)
class StorageConfig:
    """``[storage]``: where finished videos are stored."""

    url: str | None = None
    """fsspec URL (``s3://bucket/prefix``, ``memory://x``, a path); default
    ``<output_dir>/<namespace>/videos``."""
    public_url: str | None = None
    """Template for the URL returned to users, e.g. ``https://cdn.example/{key}``."""
    keep_original: bool = True
    """In conform mode, keep the provider's original file beside the conformed one."""
    fit: str = "crop"
    """How conform fits a different aspect: ``crop`` (center-crop) or ``pad`` (letterbox)."""
    max_download_bytes: int = 2 * 1024**3
    options: dict[str, Any] = attrs.field(factory=dict, hash=False)
    """Extra fsspec storage options (endpoint_url, key...)."""


@attrs.frozen(kw_only=True)
class StateConfig:
    """``[state]``: where the journal, cache, claims, latencies and account limits live."""

    url: str | None = None
    """``postgresql://...`` for state shared by many processes and machines; default (unset
    or ``sqlite:///PATH``): the embedded SQLite file ``state_path``. ``$VIDEOGATE_STATE_URL``
    overrides it."""
    lease: float = 30.0
    """Seconds a lease lasts unless renewed: of a claim on a request (the engine's default
    ``claim_lease``) and of a shared running-task slot, so one setting says how long a
    worker that died silently holds up both."""


@attrs.frozen(kw_only=True)
class RetryConfig:
    """``[retry]``: retries of safe operations (poll, download, cancel) and provable
    non-submissions."""

    attempts: int = 5
    initial_backoff: float = 1.0
    max_backoff: float = 30.0


@attrs.frozen(kw_only=True)
class BudgetConfig:
    """``[budget]``: caps on estimated spend, checked before a job is submitted."""

    currency: str | None = None
    """Currency of the amounts below; a priced job in another currency is refused."""
    per_run: float | None = None
    """Largest estimate of one job (``--max-cost`` overrides it)."""
    per_day: float | None = None
    """Largest total of the estimates of the last 24 hours, every provider together."""
    per_provider_day: dict[str, float] = attrs.field(factory=dict, hash=False)
    """Largest total of the last 24 hours per configured provider (its account)."""
