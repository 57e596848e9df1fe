"""``videogate schema``: the JSON Schema of request and result."""

from __future__ import annotations

import argparse
import json

EXAMPLES = """
  videogate schema                   # request and result, for an agent's tool definition
  videogate schema --part request
"""


def configure(parser: argparse.ArgumentParser) -> None:
    """Add this command's arguments."""
    parser.add_argument(
        "--part", choices=("all", "request", "result"), default="all", help="which schema"
    )


def run(args: argparse.Namespace) -> int:
    """Print the schema."""
    from videogate._contract.schema import json_schema, part_schema

    schema = json_schema() if args.part == "all" else part_schema(args.part)
    print(json.dumps(schema, indent=2, sort_keys=False))
    return 0
