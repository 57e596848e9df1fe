"""Which backend serves a storage URL: one a plugin registered for its scheme (the
``register_storage`` hook), else fsspec."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING
from urllib.parse import urlparse

from videogate._artifacts.fsspec_storage import FsspecStorage
from videogate._artifacts.storage import Storage, format_template, is_local, safe_key_part
from videogate._contract.errors import ConfigError

if TYPE_CHECKING:
    import pluggy

    from videogate._plugins.config import Config

__all__ = ["StorageFactory", "open_storage", "storage_factories"]

StorageFactory = Callable[..., Storage]


def _fsspec_knows(scheme: str) -> bool:
    from fsspec.registry import known_implementations, registry

    return scheme in registry or scheme in known_implementations


def storage_factories(manager: pluggy.PluginManager | None) -> dict[str, StorageFactory]:
    """Storage backends registered through the ``register_storage`` hook, by URL scheme."""
    if manager is None:
        return {}
    found: dict[str, StorageFactory] = {}

    def register(scheme: str, factory: StorageFactory) -> None:
        found[scheme.lower()] = factory

    manager.hook.register_storage(register=register)
    return found


def open_storage(
    config: Config, namespace: str, *, manager: pluggy.PluginManager | None = None
) -> Storage:
    """The storage for a provider's ``namespace``.

    The URL is ``[storage] url`` (where ``{namespace}`` is replaced), by default the local
    folder ``<output_dir>/<namespace>/videos``. A scheme registered through the
    ``register_storage`` hook of ``manager``'s plugins wins over fsspec's.

    :raises ConfigError: unknown protocol, missing package, bad template.
    """
    settings = config.storage
    namespace = safe_key_part(namespace)
    values = {"namespace": namespace}
    if settings.url:
        url = format_template(settings.url, values, setting="storage.url")
    else:
        url = str(config.output_path / namespace / "videos")
    public_url = settings.public_url
    if public_url is not None:
        public_url = format_template(
            public_url, {**values, "key": "{key}", "url": "{url}"}, setting="storage.public_url"
        )
    scheme = "" if is_local(url) else urlparse(url).scheme.lower()
    if scheme and manager is None and not _fsspec_knows(scheme):
        from videogate._plugins.registry import load_registry

        manager = load_registry().manager
    factory = storage_factories(manager).get(scheme) if scheme else None
    if factory is not None:
        storage = factory(url, public_url=public_url, **settings.options)
        if not isinstance(storage, Storage):
            raise ConfigError(
                f"storage.url: the backend registered for {scheme}:// returned "
                f"{type(storage).__name__}, which does not implement Storage",
                field="storage.url",
            )
        return storage
    return FsspecStorage(url, public_url=public_url, options=settings.options)
