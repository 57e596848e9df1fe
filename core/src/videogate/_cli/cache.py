"""``videogate cache stats|clear|get``: look at and empty the result cache."""

from __future__ import annotations

import argparse
import json
from typing import Any

from videogate._cli._common import add_config_argument

EXAMPLES = """
  videogate cache stats
  videogate cache get 4482f2fef38949e9aec7e43b08f8050eafea5ffbd2995d8af900c67b90fed591
  videogate cache clear              # stored videos are kept
"""


def configure(parser: argparse.ArgumentParser) -> None:
    """Add this command's arguments."""
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    for name, help_text in (
        ("stats", "number of entries, per provider, oldest and newest"),
        ("clear", "forget every cached result (stored videos are kept)"),
        ("get", "show the cached result of one cache key"),
    ):
        action = sub.add_parser(name, help=help_text)
        if name == "get":
            action.add_argument("key", metavar="KEY", help="a cache key (hex sha256)")
        action.add_argument("--json", action="store_true", help="print one JSON object")
        add_config_argument(action)


def _print(payload: dict[str, Any], as_json: bool, text: str) -> None:
    print(json.dumps(payload, sort_keys=True) if as_json else text)


def run(args: argparse.Namespace) -> int:
    """Run the action; exit 0, or 1 for ``get`` of an absent key."""
    from videogate._plugins.config import load_config
    from videogate._state.backend import open_state

    config = load_config(args.config)
    state = open_state(config)
    try:
        return _act(args, state.cache())
    finally:
        state.close()


def _act(args: argparse.Namespace, cache: Any) -> int:
    if cache is None:
        _print({"enabled": False}, args.json, "the cache is disabled ([cache] enabled = false)")
        return 0
    if args.action == "stats":
        from videogate._cli.jobs import iso_time

        stats = {"enabled": True, **cache.stats()}
        stats.update({k: iso_time(v) for k, v in stats.items() if k in ("oldest", "newest") and v})
        lines = [f"{k}: {v}" for k, v in stats.items() if k != "providers"]
        lines += [f"  {name}: {n}" for name, n in stats.get("providers", {}).items()]
        _print(stats, args.json, "\n".join(lines))
        return 0
    if args.action == "clear":
        removed = cache.clear()
        _print({"cleared": removed}, args.json, f"cleared {removed} cached result(s)")
        return 0
    from videogate._cli.jobs import iso_time
    from videogate._contract.convert import unstructure

    entry = cache.get(args.key)
    if entry is None:
        _print({"key": args.key, "found": False}, args.json, f"no cached result for {args.key}")
        return 1
    payload = {
        "key": entry.key,
        "found": True,
        "object_key": entry.object_key,
        "created_at": iso_time(entry.created_at),
        "result": unstructure(entry.result),
    }
    _print(payload, args.json, json.dumps(payload, indent=2, sort_keys=True))
    return 0
