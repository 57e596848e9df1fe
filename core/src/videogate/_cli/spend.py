"""``videogate spend``: the estimated spend of journaled jobs over a period, by provider."""

from __future__ import annotations

import argparse
import json
import re
import time
from typing import Any

from videogate._cli._common import add_config_argument

__all__ = ["EXAMPLES", "configure", "parse_since", "run"]

EXAMPLES = """
  videogate spend                     # the last 7 days, by provider
  videogate spend --since 24h --provider wan
  videogate spend --since 30d --json
"""

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_since(text: str) -> float:
    """Seconds in a period such as ``7d``, ``12h``, ``30m``, ``2w`` or ``90s``.

    :raises InvalidRequest: any other text.
    """
    from videogate._contract.errors import InvalidRequest

    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*", text)
    if not match:
        raise InvalidRequest(
            f"--since: expected a period such as 7d, 12h, 30m or 2w, got {text!r}", field="since"
        )
    return float(match.group(1)) * _UNITS[match.group(2)]


def configure(parser: argparse.ArgumentParser) -> None:
    """Add this command's arguments."""
    parser.add_argument("--since", default="7d", help="period to total (default 7d)")
    parser.add_argument("--provider", help="only this configured provider")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    add_config_argument(parser)


def run(args: argparse.Namespace) -> int:
    """Print the totals: jobs whose task was (or may have been) created; cache hits cost 0."""
    from videogate._plugins.config import load_config
    from videogate._state.backend import open_state

    period = parse_since(args.since)
    config = load_config(args.config)
    state = open_state(config)
    try:
        journal: Any = state.journal()
        rows = journal.spend(time.time() - period, provider=args.provider)
    finally:
        state.close()
    if args.json:
        print(json.dumps({"since": args.since, "totals": rows}, sort_keys=True))
        return 0
    if not rows:
        print(f"no spend in the last {args.since}")
        return 0
    print(f"estimated spend, last {args.since}:")
    for row in rows:
        print(
            f"  {row['provider']:<12} {row['amount']:>12g} {row['currency']}  ({row['jobs']} jobs)"
        )
    return 0
