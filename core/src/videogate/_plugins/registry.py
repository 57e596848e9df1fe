"""Finding plugins: the pluggy manager, entry-point loading, and the provider registry.

Nothing is loaded at import. :func:`load_registry` builds the manager on request, imports
each entry point of the group ``videogate`` on its own (a plugin that fails to import or
declares an unknown hook is recorded as *broken* with the reason, and the others keep
working), then collects the providers each plugin registers.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from importlib.metadata import entry_points
from typing import Any

import attrs
import pluggy

from videogate import hookspecs
from videogate._contract.errors import UnknownProvider
from videogate._contract.provider import ProviderSpec

__all__ = ["BrokenPlugin", "Registry", "load_registry", "make_plugin_manager"]

ENTRY_POINT_GROUP = "videogate"
LOAD_PLUGINS_ENV = "VIDEOGATE_LOAD_PLUGINS"


@attrs.frozen
class BrokenPlugin:
    """A plugin that could not be used, and why."""

    name: str
    reason: str


@attrs.define
class Registry:
    """The installed providers (by name) and the plugins that failed to load."""

    manager: pluggy.PluginManager
    providers: dict[str, ProviderSpec] = attrs.field(factory=dict)
    broken: list[BrokenPlugin] = attrs.field(factory=list)

    def get(self, name: str) -> ProviderSpec:
        """The provider registered as ``name``.

        :raises UnknownProvider: naming the installed providers (and why a broken one is).
        """
        try:
            return self.providers[name]
        except KeyError:
            pass
        for broken in self.broken:
            if broken.name == name:
                raise UnknownProvider(
                    f"provider {name!r} is installed but broken: {broken.reason}"
                ) from None
        known = ", ".join(sorted(self.providers)) or "none"
        raise UnknownProvider(f"no provider named {name!r} (installed: {known})") from None


def make_plugin_manager() -> pluggy.PluginManager:
    """A fresh plugin manager with videogate's hook specifications and no plugins."""
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    return pm


def _allowed_names() -> set[str] | None:
    raw = os.environ.get(LOAD_PLUGINS_ENV)
    if raw is None:
        return None
    return {name.strip() for name in raw.split(",") if name.strip()}


def _describe(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def load_plugins(pm: pluggy.PluginManager) -> list[BrokenPlugin]:
    """Import and register each entry point of the ``videogate`` group, isolating failures.

    ``VIDEOGATE_LOAD_PLUGINS`` (comma list of entry-point names) restricts which load; an
    empty value loads none.
    """
    allowed = _allowed_names()
    broken: list[BrokenPlugin] = []
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if allowed is not None and ep.name not in allowed:
            continue
        if pm.get_plugin(ep.name) is not None or pm.is_blocked(ep.name):
            continue
        try:
            plugin = ep.load()
        except Exception as exc:
            broken.append(BrokenPlugin(ep.name, f"failed to import {ep.value}: {_describe(exc)}"))
            continue
        broken.extend(register_plugin(pm, plugin, ep.name))
    return broken


def register_plugin(pm: pluggy.PluginManager, plugin: Any, name: str) -> list[BrokenPlugin]:
    """Register one plugin object and validate it against the hook specs.

    A hookimpl that matches no hook spec (a misspelling such as ``register_provider``), unless
    marked ``optionalhook=True``, makes the plugin broken: it is unregistered and reported,
    never silently ignored.
    """
    try:
        pm.register(plugin, name=name)
    except Exception as exc:
        return [BrokenPlugin(name, f"invalid plugin: {_describe(exc)}")]
    # Hooks marked ``optionalhook=True`` belong to specs another package may add later
    # (videogate-contracts' ``contract_service_double``); they are not misspellings.
    unknown = sorted(
        caller.name
        for caller in pm.get_hookcallers(plugin) or []
        if not caller.has_spec()
        and not all(i.optionalhook for i in caller.get_hookimpls() if i.plugin is plugin)
    )
    if unknown:
        pm.unregister(plugin)
        return [
            BrokenPlugin(
                name,
                "implements unknown hook(s) "
                + ", ".join(unknown)
                + " (misspelled? see docs/plugin-hooks.md)",
            )
        ]
    return []


def collect_providers(
    pm: pluggy.PluginManager,
) -> tuple[dict[str, ProviderSpec], list[BrokenPlugin]]:
    """Call ``register_providers`` on each plugin separately, so one failing plugin cannot
    hide the providers of the others."""
    providers: dict[str, ProviderSpec] = {}
    broken: list[BrokenPlugin] = []
    for impl in pm.hook.register_providers.get_hookimpls():
        plugin_name = impl.plugin_name
        found: list[ProviderSpec] = []

        def register(spec: ProviderSpec, _found: list[ProviderSpec] = found) -> None:
            if not isinstance(spec, ProviderSpec):
                raise TypeError(f"register() expects a ProviderSpec, got {type(spec).__name__}")
            _found.append(spec)

        try:
            impl.function(**{k: v for k, v in {"register": register}.items() if k in impl.argnames})
        except Exception as exc:
            broken.append(BrokenPlugin(plugin_name, f"register_providers failed: {_describe(exc)}"))
            continue
        for spec in found:
            if spec.name in providers:
                broken.append(
                    BrokenPlugin(plugin_name, f"provider name {spec.name!r} is already registered")
                )
                continue
            providers[spec.name] = spec
    return providers, broken


def load_registry(plugins: Iterable[tuple[str, Any]] = (), *, entrypoints: bool = True) -> Registry:
    """Build the plugin manager and provider registry.

    :param plugins: extra ``(name, plugin)`` pairs to register (tests, embedding apps).
    :param entrypoints: whether to load installed plugins from entry points.
    """
    pm = make_plugin_manager()
    broken: list[BrokenPlugin] = []
    for name, plugin in plugins:
        broken.extend(register_plugin(pm, plugin, name))
    if entrypoints:
        broken.extend(load_plugins(pm))
    providers, failed = collect_providers(pm)
    return Registry(manager=pm, providers=providers, broken=broken + failed)
