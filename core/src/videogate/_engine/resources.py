"""What an engine opens lazily from its config: registry, journal, cache, storages, providers."""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Mapping
from typing import Any

from videogate._contract.capabilities import ServiceLimits
from videogate._contract.errors import ConfigError, VideogateError
from videogate._contract.provider import Provider
from videogate._engine.observers import Observers
from videogate._plugins.choice import default_provider_name, option_error, unknown_provider
from videogate._plugins.config import Config
from videogate._plugins.registry import Registry, load_registry
from videogate._state.backend import StateBackend, open_state
from videogate._state.journal import Journal
from videogate._state.latency import LatencyStore, MemoryLatencyStore

__all__ = ["DEFAULT", "Resources"]


class _Default:
    """Marks "open the configured default" for constructor arguments."""


DEFAULT: Any = _Default()

logger = logging.getLogger("videogate.engine")


class Resources:
    """Everything injected into an engine, or opened from ``config`` on first use (thread-safe).

    See :class:`~videogate.Engine` for the meaning of each argument.
    """

    def __init__(
        self,
        config: Config,
        *,
        registry: Registry | None,
        journal: Journal | None,
        cache: Any,
        storage: Any,
        providers: Mapping[str, Provider] | None,
        latency: Any = DEFAULT,
    ) -> None:
        self.config = config
        self._latency = latency
        self._registry = registry
        self._journal = journal
        self._cache = cache
        self._storage = storage
        self._storages: dict[str, Any] = {}
        self._providers: dict[str, Provider] = dict(providers or {})
        self._owned_providers: set[str] = set()
        self._state: StateBackend | None = None
        self._lock = threading.RLock()

    @property
    def state(self) -> StateBackend:
        """The state backend ``[state] url`` names (opened on first use)."""
        with self._lock:
            if self._state is None:
                self._state = open_state(self.config)
            return self._state

    @property
    def registry(self) -> Registry:
        """The provider registry (loaded on first use)."""
        with self._lock:
            if self._registry is None:
                self._registry = load_registry()
            return self._registry

    @property
    def journal(self) -> Journal:
        """The job journal (opened on first use)."""
        with self._lock:
            if self._journal is None:
                self._journal = self.state.journal()
            return self._journal

    @property
    def latency(self) -> LatencyStore | None:
        """The store of learned task times (opened on first use: a table of the state
        database; in memory only when that cannot be opened); ``None`` when disabled."""
        with self._lock:
            if isinstance(self._latency, _Default):
                try:
                    self._latency = self.state.latency()
                except VideogateError as exc:
                    logger.warning("task times are kept in memory only: %s", exc)
                    self._latency = MemoryLatencyStore()
            store: LatencyStore | None = self._latency
            return store

    @property
    def cache(self) -> Any:
        """The result cache, or ``None`` when disabled."""
        with self._lock:
            if isinstance(self._cache, _Default):
                if not self.config.cache.enabled:
                    self._cache = None
                else:
                    self._cache = self.state.cache(self.registry.manager)
            return self._cache

    def storage(self, namespace: str) -> Any:
        """The storage of a namespace (opened on first use)."""
        with self._lock:
            if namespace not in self._storages:
                if self._storage is None:
                    from videogate._artifacts.backends import open_storage

                    self._storages[namespace] = open_storage(
                        self.config, namespace, manager=self.registry.manager
                    )
                elif callable(self._storage) and not hasattr(self._storage, "put_file"):
                    self._storages[namespace] = self._storage(namespace)
                else:
                    self._storages[namespace] = self._storage
            return self._storages[namespace]

    def provider(self, name: str | None = None) -> Provider:
        """The provider configured as ``name`` (default provider if ``None``), created once.

        :raises UnknownProvider: no such provider is installed.
        :raises ConfigError: its options are wrong (the message names them).
        """
        with self._lock:
            name = name or self.default_name()
            found = self._providers.get(name)
            if found is not None:
                return found
            entry = self.config.provider_entry(name)
            registry = self.registry
            if entry.plugin not in registry.providers and all(
                b.name != entry.plugin for b in registry.broken
            ):
                raise unknown_provider(name, self.config, registry)
            spec = registry.get(entry.plugin)
            factory = spec.load_factory()
            try:
                created = factory(**entry.options)
            except ConfigError as exc:
                raise option_error(entry, factory, exc) from None
            except VideogateError:
                raise
            except Exception as exc:
                raise option_error(entry, factory, exc) from None
            if not isinstance(created, Provider):
                raise ConfigError(
                    f"plugin {entry.plugin!r} produced {type(created).__name__}, not a Provider"
                )
            self._providers[name] = created
            self._owned_providers.add(name)
            return created

    def default_name(self) -> str:
        """The provider used when none is named (see :func:`default_provider_name`)."""
        if self.config.default_provider in self._providers:
            return self.config.default_provider
        return default_provider_name(self.config, self.registry)

    def limits_of(self, name: str) -> ServiceLimits:
        """The account limits the provider ``name`` declares."""
        return self.provider(name).capabilities.limits

    def plugin_of(self, name: str, provider: Provider) -> str:
        """The plugin behind the configured provider ``name``."""
        plugin = getattr(type(provider), "name", None)
        return plugin if isinstance(plugin, str) else self.config.provider_entry(name).plugin

    @property
    def observers(self) -> Observers:
        """The plugin hooks observing jobs."""
        registry = self._registry
        if registry is None:
            try:
                registry = self.registry
            except Exception:  # pragma: no cover - a broken environment must not break jobs
                return Observers(None)
        return Observers(registry.manager)

    def close(self) -> None:
        """Close the providers created here, the journal and the cache (errors ignored)."""
        for name in self._owned_providers:
            with contextlib.suppress(Exception):
                self._providers[name].close()
        if self._journal is not None:
            with contextlib.suppress(Exception):
                self._journal.close()
        latency = self._latency
        if latency is not None and not isinstance(latency, _Default):
            with contextlib.suppress(Exception):
                latency.close()
        cache = self._cache
        if cache is not None and not isinstance(cache, _Default):
            closer = getattr(cache, "close", None)
            if callable(closer):
                with contextlib.suppress(Exception):
                    closer()
        if self._state is not None:
            with contextlib.suppress(Exception):
                self._state.close()
