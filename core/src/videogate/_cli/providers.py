"""``videogate providers``: installed providers, their capabilities, and broken plugins."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from videogate._cli._common import add_config_argument

EXAMPLES = """
  videogate providers                  # installed and configured providers, the default, keys
  videogate providers --json
  videogate providers -c other/videogate.toml
"""


def configure(parser: argparse.ArgumentParser) -> None:
    """Add this command's arguments."""
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    add_config_argument(parser)


def _entries(config: Any, registry: Any) -> list[dict[str, Any]]:
    """Every usable name: configured entries, then installed plugins not configured."""
    from videogate._plugins.config import ProviderEntry

    entries = dict(config.providers)
    for name in registry.providers:
        entries.setdefault(name, ProviderEntry(name=name, plugin=name))
    rows = []
    for name, entry in sorted(entries.items()):
        spec = registry.providers.get(entry.plugin)
        rows.append(
            {
                "name": name,
                "plugin": entry.plugin,
                "configured": name in config.providers,
                "source": entry.source,
                "options": sorted(entry.options),
                "installed": spec is not None,
                "key": spec.describe_key(entry.options) if spec is not None else None,
            }
        )
    return rows


def _default(config: Any, registry: Any) -> tuple[str | None, str]:
    from videogate._contract.errors import UnknownProvider
    from videogate._plugins.choice import default_provider_name

    try:
        name = default_provider_name(config, registry)
    except UnknownProvider as exc:
        return None, str(exc)
    origin = config.sources.get("default_provider", "the only one available")
    if name == config.default_provider and "default_provider" not in config.sources:
        origin = "built-in default"
    return name, origin


def _capabilities(spec: Any) -> dict[str, Any]:
    caps = spec.capabilities
    return {
        "sizes": caps.sizes.describe(),
        "durations": caps.durations.describe(),
        "fps": caps.fps.describe(),
        "requires_reference_image": caps.requires_reference_image,
        "negative_prompt": caps.supports_negative_prompt,
        "seed": caps.supports_seed,
        "motion_strength": caps.supports_motion_strength,
        "prompt_max_chars": caps.prompt_max_chars,
        "options": list(caps.options),
        "can_cancel": caps.can_cancel,
        "limits": {
            "max_concurrent_tasks": caps.limits.max_concurrent_tasks,
            "submits_per_second": caps.limits.submits_per_second,
            "queries_per_second": caps.limits.queries_per_second,
        },
    }


def _pricing(spec: Any) -> dict[str, Any] | None:
    pricing = spec.pricing
    if pricing is None:
        return None
    return {
        "currency": pricing.currency,
        "confirmed": pricing.confirmed,
        "source": pricing.source,
        "as_of": pricing.as_of,
        "rates": [
            {"per_second": r.per_second, "resolution": r.resolution, "audio": r.audio}
            for r in pricing.rates
        ],
    }


def _price_line(spec: Any) -> str:
    pricing = spec.pricing
    if pricing is None:
        return "not declared"
    rates = ", ".join(
        f"{r.per_second:g}/s"
        + (f" {r.resolution}" if r.resolution else "")
        + ("" if r.audio is None else (" audio" if r.audio else " silent"))
        for r in pricing.rates
    )
    status = "" if pricing.confirmed else ", UNCONFIRMED"
    return f"{pricing.currency} {rates} (as of {pricing.as_of}{status})"


def run(args: argparse.Namespace) -> int:
    """List providers; exit 0 even when some plugin is broken (it is shown, with why)."""
    from videogate._plugins.config import load_config
    from videogate._plugins.registry import load_registry

    config = load_config(args.config)
    registry = load_registry()
    entries = _entries(config, registry)
    default, why = _default(config, registry)
    if args.json:
        payload = {
            "default": default,
            "default_from": why,
            "config": config.source,
            "entries": entries,
            "providers": [
                {
                    "name": spec.name,
                    "model": spec.model,
                    "description": spec.description,
                    "namespace": spec.namespace,
                    "needs_key": spec.needs_key,
                    "capabilities": _capabilities(spec),
                    "pricing": _pricing(spec),
                }
                for spec in sorted(registry.providers.values(), key=lambda s: s.name)
            ],
            "broken": [{"name": b.name, "reason": b.reason} for b in registry.broken],
        }
        print(json.dumps(payload, indent=2))
        return 0
    if not registry.providers:
        print("no providers installed", file=sys.stderr)
    print(f"default: {default or '(none)'}   ({why})")
    print(f"config:  {config.source or '(no project file; see videogate config path)'}")
    print()
    labels = {
        e["name"]: e["name"] + ("" if e["plugin"] == e["name"] else f" -> {e['plugin']}")
        for e in entries
    }
    width = max((len(v) for v in labels.values()), default=4)
    for e in entries:
        mark = "*" if e["name"] == default else " "
        where = f"[providers.{e['name']}] in {e['source']}" if e["configured"] else "installed"
        state = f"key: {e['key']}" if e["installed"] else "NOT INSTALLED"
        print(f"{mark} {labels[e['name']]:<{width}}  {state}  ({where})")
    print()
    for spec in sorted(registry.providers.values(), key=lambda s: s.name):
        caps = _capabilities(spec)
        print(f"{spec.name}  ({spec.model or 'no fixed model'})  {spec.description}")
        print(f"    sizes: {caps['sizes']}")
        print(f"    duration: {caps['durations']} s   fps: {caps['fps']}")
        print(f"    price: {_price_line(spec)}")
        optional = [k for k in ("negative_prompt", "seed", "motion_strength") if caps[k]]
        print(
            "    reference image: "
            + ("required" if caps["requires_reference_image"] else "optional")
            + f"   supports: {', '.join(optional) or 'none'}"
        )
        if caps["options"]:
            print(f"    options: {', '.join(caps['options'])}")
        limits = {k: v for k, v in caps["limits"].items() if v is not None}
        if limits:
            print("    limits: " + ", ".join(f"{k}={v:g}" for k, v in limits.items()))
    for broken in registry.broken:
        print(f"{broken.name}  BROKEN: {broken.reason}")
    return 0
