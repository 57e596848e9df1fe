"""The ``videogate`` command. Subcommands live in their own modules, imported only when
run, so ``videogate --help`` and ``videogate providers`` stay fast."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from videogate._cli._common import report_error

__all__ = ["COMMANDS", "main"]

#: name -> (module, one-line help). Each module has ``configure(parser)`` and ``run(args)``.
COMMANDS: dict[str, tuple[str, str]] = {
    "generate": ("videogate._cli.generate", "generate a video with a provider"),
    "providers": ("videogate._cli.providers", "list installed providers and capabilities"),
    "schema": ("videogate._cli.schema", "print the JSON Schema of request and result"),
    "batch": ("videogate._cli.batch", "run a JSON Lines file of requests, outcomes as JSON Lines"),
    "jobs": ("videogate._cli.jobs", "list journaled jobs"),
    "resume": ("videogate._cli.resume", "resume unfinished jobs without paying twice"),
    "cache": ("videogate._cli.cache", "cache statistics and clearing"),
    "contact-sheet": ("videogate._cli.contact_sheet", "write a PNG of frames of a video"),
    "contract-test": ("videogate._cli.contract_test", "run the contract suite on a provider"),
}

_EPILOG = """exit codes: 0 success, 2 invalid input or unsupported parameter, 3 refused by the
provider (auth, permission, content, task failed), 4 transient failure after retries or
timeout, 130 cancelled"""


def _top_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="videogate",
        description="One normalized video.generate operation, with pluggable providers.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (_, help_text) in COMMANDS.items():
        sub.add_parser(name, help=help_text, add_help=False)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit code (also used as the process status)."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] not in COMMANDS:
        parser = _top_parser()
        ns = parser.parse_args(args)
        if ns.version:
            from importlib.metadata import version

            print(version("videogate"))
            return 0
        parser.print_help()
        return 0 if not args else 2
    name = args[0]
    module_name, help_text = COMMANDS[name]
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        print(f"videogate {name}: not available ({exc})", file=sys.stderr)
        return 2
    parser = argparse.ArgumentParser(prog=f"videogate {name}", description=help_text)
    module.configure(parser)
    ns = parser.parse_args(args[1:])
    try:
        code: int = module.run(ns)
    except KeyboardInterrupt:
        print("videogate: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        return report_error(exc, json_output=getattr(ns, "json", False))
    return code


def entry() -> None:
    """Console-script entry point."""
    sys.exit(main())
