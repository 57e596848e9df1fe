"""``videogate estimate``: what ``videogate generate`` with the same flags would cost."""

from __future__ import annotations

import argparse
import json

from videogate._cli import generate

__all__ = ["EXAMPLES", "configure", "run"]

EXAMPLES = """
  videogate estimate -P wan -i photo.png -p "waves" -d 5 --fps 30 -s 1280x720
  videogate estimate -P wan ... --option audio=false   # the silent rate
  videogate estimate ... --json                      # amount, currency and basis
"""


def configure(parser: argparse.ArgumentParser) -> None:
    """The flags of ``generate`` (those that do not change the price are accepted and unused)."""
    generate.configure(parser)


def run(args: argparse.Namespace) -> int:
    """Print the estimate and its basis (one JSON object with ``--json``)."""
    engine = generate.make_engine(args)
    try:
        provider = engine.provider(args.provider)
        namespace = getattr(type(provider), "name", args.provider)
        estimate = engine.estimate(
            generate.build_request(args, namespace),
            provider=args.provider,
            mode=args.mode,
            use_cache=not args.no_cache,
        )
    finally:
        engine.close()
    if args.json:
        print(json.dumps(estimate.to_dict(), sort_keys=True))
        return 0
    amount = "unknown" if estimate.amount is None else f"{estimate.amount:g} {estimate.currency}"
    print(f"estimate: {amount}   provider: {estimate.provider} ({estimate.model})")
    print(f"basis:    {estimate.basis}")
    if estimate.note:
        print(f"note:     {estimate.note}")
    return 0
