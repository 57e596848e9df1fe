"""``videogate config path|show``: which files and folders are used, and every setting in
force with where it came from."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from videogate._cli._common import add_config_argument

__all__ = ["EXAMPLES", "configure", "run"]

EXAMPLES = """
  videogate config path             # the files and folders videogate uses here
  videogate config show             # every setting, with the file or variable it came from
  videogate config show --json
"""


def configure(parser: argparse.ArgumentParser) -> None:
    """Add this command's arguments."""
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    for name, help_text in (
        ("path", "the configuration files, state folder, journal and output folder in use"),
        ("show", "every setting in force and where it came from"),
    ):
        action = sub.add_parser(name, help=help_text)
        action.add_argument("--json", action="store_true", help="print one JSON object")
        add_config_argument(action)


def locations(config: Any) -> dict[str, Any]:
    """Where things are, for ``config path``."""
    from videogate._plugins.config import user_config_file

    user = user_config_file()
    return {
        "project_config": config.source,
        "user_config": str(user),
        "user_config_exists": user.is_file(),
        "state_dir": str(config.state_path.parent),
        "journal": str(config.state_path),
        "cache": str(Path(config.cache.path) if config.cache.path else config.state_path),
        "output_dir": str(config.output_path.absolute()),
    }


def settings(config: Any) -> list[tuple[str, Any, str]]:
    """``(key, value, origin)`` for every setting; origin ``default`` when unset."""
    import attrs

    from videogate._contract.convert import unstructure

    rows: list[tuple[str, Any, str]] = []
    skip = {"providers", "source", "files", "sources"}
    for field in attrs.fields(type(config)):
        if field.name in skip:
            continue
        value = getattr(config, field.name)
        if attrs.has(type(value)):
            for inner in attrs.fields(type(value)):
                key = f"{field.name}.{inner.name}"
                rows.append((key, getattr(value, inner.name), config.sources.get(key, "default")))
            continue
        rows.append((field.name, value, config.sources.get(field.name, "default")))
    if "state_dir" not in config.sources and not config.state_dir:
        rows = [
            (k, str(config.state_path.parent), "user state folder") if k == "state_dir" else r
            for r in rows
            for k in [r[0]]
        ]
    for name, entry in sorted(config.providers.items()):
        body = {"plugin": entry.plugin, **entry.options}
        rows.append((f"providers.{name}", body, entry.source or "override"))
    return [
        (k, v if isinstance(v, str | int | float | bool | None) else _plain(v, unstructure), o)
        for k, v, o in rows
    ]


def _plain(value: Any, unstructure: Any) -> Any:
    from videogate._contract.secrets import redact

    data = unstructure(value) if not isinstance(value, dict) else value
    if isinstance(data, dict):
        return {
            k: "***"
            if "key" in k.lower() or "secret" in k.lower()
            else redact(str(v))
            if isinstance(v, str)
            else v
            for k, v in data.items()
        }
    return data


def run(args: argparse.Namespace) -> int:
    """Print the locations or the settings."""
    from videogate._plugins.config import load_config

    config = load_config(args.config)
    if args.action == "path":
        where = locations(config)
        if args.json:
            print(json.dumps(where, sort_keys=True))
            return 0
        user_note = "" if where["user_config_exists"] else "  (not present)"
        print(f"project config: {where['project_config'] or '(none found from here upward)'}")
        print(f"user config:    {where['user_config']}{user_note}")
        print(f"state folder:   {where['state_dir']}")
        print(f"journal:        {where['journal']}")
        print(f"cache:          {where['cache']}")
        print(f"output folder:  {where['output_dir']}")
        return 0
    rows = settings(config)
    if args.json:
        payload = {k: {"value": v, "from": o} for k, v, o in rows}
        print(json.dumps({"files": list(config.files), "settings": payload}, sort_keys=True))
        return 0
    print("files read: " + (", ".join(config.files) or "none (all defaults)"))
    width = max(len(k) for k, _, _ in rows)
    for key, value, origin in rows:
        text = json.dumps(value) if not isinstance(value, str) else value
        print(f"{key:<{width}}  {text}    # {origin}")
    return 0
