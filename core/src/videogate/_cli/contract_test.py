"""``videogate contract-test NAME``: run the contract suite on an installed provider.

Runs pytest in a child process (core never imports it) with ``--videogate-provider NAME``
(needs videogate-contracts); extra arguments after ``--`` go to pytest (``-- -k cache -x``).
"""

from __future__ import annotations

import argparse
import sys

EXAMPLES = """
  videogate contract-test kenburns
  videogate contract-test wan -- -k cache -x
"""


def configure(parser: argparse.ArgumentParser) -> None:
    """Add this command's arguments."""
    parser.add_argument("name", help="the provider's entry-point name (see videogate providers)")
    parser.add_argument(
        "--profile",
        choices=("videogate-ci", "videogate-dev"),
        default=None,
        help="hypothesis profile of the contract properties (default videogate-ci)",
    )
    parser.add_argument("pytest_args", nargs=argparse.REMAINDER, help="arguments for pytest")


def run(args: argparse.Namespace) -> int:
    """Run the suite; the exit code is pytest's (0 passed, 1 failures, 2+ usage errors)."""
    import importlib.util

    if importlib.util.find_spec("videogate_contracts") is None:
        print(
            "videogate contract-test: install videogate-contracts (pip install "
            "videogate-contracts) to run the contract suite",
            file=sys.stderr,
        )
        return 2
    import subprocess

    extra = [a for a in args.pytest_args if a != "--"]
    argv = ["--videogate-provider", args.name, "-p", "no:cacheprovider", "-rs", *extra]
    if args.profile:
        argv += ["--videogate-profile", args.profile]
    return subprocess.call([sys.executable, "-m", "pytest", *argv])
