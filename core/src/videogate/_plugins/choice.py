"""Choosing a provider by name: the default when none is named, and errors that say what
exists (installed and configured names) and which name was probably meant."""

from __future__ import annotations

import inspect
import re
from typing import Any

from videogate._contract.errors import ConfigError, UnknownProvider
from videogate._contract.suggest import suggestion
from videogate._plugins.config import Config, ProviderEntry
from videogate._plugins.registry import Registry

__all__ = ["default_provider_name", "option_error", "unknown_provider"]


def default_provider_name(config: Config, registry: Registry) -> str:
    """The provider used when none is named.

    ``default_provider`` when it was set or names something that exists; else the only
    configured entry, or the only installed provider; else :class:`UnknownProvider` asking
    for a name (it never names a built-in default that is not there).
    """
    name = config.default_provider
    if config.default_provider_configured or name in config.providers or name in registry.providers:
        return name
    if len(config.providers) == 1:
        return next(iter(config.providers))
    if not config.providers and len(registry.providers) == 1:
        return next(iter(registry.providers))
    raise UnknownProvider(
        "no provider named: pass --provider NAME or set default_provider in videogate.toml"
        + _available(config, registry)
    )


def _available(config: Config, registry: Registry) -> str:
    installed = ", ".join(sorted(registry.providers)) or "none"
    text = f" (installed: {installed}"
    if config.providers:
        text += f"; configured: {', '.join(sorted(config.providers))}"
    return text + ")"


def unknown_provider(name: str, config: Config, registry: Registry) -> UnknownProvider:
    """The error for ``name``, which is neither configured nor installed."""
    entry = config.providers.get(name)
    if entry is not None:
        where = f" in {entry.source}" if entry.source else ""
        return UnknownProvider(
            f"[providers.{name}]{where} names plugin {entry.plugin!r}, which is not installed"
            + suggestion(entry.plugin, registry.providers)
            + _available(config, registry),
            provider=name,
        )
    known = set(registry.providers) | set(config.providers)
    return UnknownProvider(
        f"no provider named {name!r}" + suggestion(name, known) + _available(config, registry),
        provider=name,
    )


_UNEXPECTED = re.compile(r"unexpected keyword argument '([^']+)'")


def option_error(entry: ProviderEntry, factory: Any, exc: Exception) -> ConfigError:
    """``exc`` (raised creating the provider of ``entry``) as an error naming the user's
    ``[providers.NAME]`` table and file, with a suggestion for a misspelled option."""
    table = f"[providers.{entry.name}]"
    if entry.name != entry.plugin:
        table += f" (plugin {entry.plugin})"
    where = f" in {entry.source}" if entry.source else ""
    if isinstance(exc, ConfigError):
        message = exc.message.removeprefix(f"providers.{entry.plugin}.")
        field = exc.field
    else:
        unexpected = _UNEXPECTED.search(str(exc))
        if unexpected is None:
            message = f"could not be created: {type(exc).__name__}: {exc}"
            field = None
        else:
            field = unexpected.group(1)
            message = f"{field}: unknown option" + suggestion(field, _parameters(factory))
            known = ", ".join(sorted(_parameters(factory)))
            if known:
                message += f" (options: {known})"
    return ConfigError(
        f"{table}{where}: {message}",
        provider=entry.name,
        field=f"providers.{entry.name}.{field}" if field else None,
        path=entry.source,
    )


def _parameters(factory: Any) -> list[str]:
    try:
        params = inspect.signature(factory).parameters.values()
    except (TypeError, ValueError):
        return []
    return [p.name for p in params if p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD)]
