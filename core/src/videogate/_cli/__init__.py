"""The ``videogate`` command. Subcommands live in their own modules, imported only when
run, so ``videogate --help`` and ``videogate providers`` stay fast."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from typing import Any

from videogate._cli._common import check_arguments, report_error

__all__ = ["COMMANDS", "command_parser", "main"]

#: name -> (module, one-line help). Each module has ``configure(parser)`` and ``run(args)``,
#: and may have ``EXAMPLES`` (shown by ``--help``).
COMMANDS: dict[str, tuple[str, str]] = {
    "generate": ("videogate._cli.generate", "generate a video with a provider"),
    "providers": ("videogate._cli.providers", "list providers: installed, configured, key status"),
    "config": ("videogate._cli.config", "show the configuration in force and its files"),
    "estimate": ("videogate._cli.estimate", "what a generate would cost, before paying"),
    "spend": ("videogate._cli.spend", "estimated spend by provider over a period"),
    "mcp": ("videogate._cli.mcp", "serve videogate as Model Context Protocol tools"),
    "schema": ("videogate._cli.schema", "print the JSON Schema of request and result"),
    "batch": ("videogate._cli.batch", "run a JSON Lines file of requests, outcomes as JSON Lines"),
    "jobs": ("videogate._cli.jobs", "list journaled jobs"),
    "resume": ("videogate._cli.resume", "resume unfinished jobs without paying twice"),
    "cache": ("videogate._cli.cache", "cache statistics and clearing"),
    "contact-sheet": ("videogate._cli.contact_sheet", "write a PNG of frames of a video"),
    "contract-test": ("videogate._cli.contract_test", "run the contract suite on a provider"),
    "completion": ("videogate._cli.completion", "print a shell completion script"),
}

_EXAMPLES = """examples:
  videogate generate -i photo.png -p "waves at dusk" -d 4 --fps 24 -s 1280x720
  videogate providers                 # what is installed and configured, key status
  videogate config show               # every setting and where it came from
  videogate jobs                      # the journal
  eval "$(videogate completion bash)" # tab completion (also zsh, fish)

exit codes: 0 success, 2 invalid input, local configuration (e.g. no API key) or
unsupported parameter, 3 refused by the provider (auth, permission, content, task failed), 4
transient failure after retries, timeout, or a lost submit answer (the job stays resumable),
130 cancelled"""

_GLOBAL_FLAGS = {"-v": (1, False), "--verbose": (1, False), "-vv": (2, False)}
_GLOBAL_FLAGS.update({"-q": (0, True), "--quiet": (0, True)})


def _top_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="videogate",
        description="One normalized video.generate operation, with pluggable providers.",
        epilog=_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more log lines")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress lines")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (_, help_text) in COMMANDS.items():
        sub.add_parser(name, help=help_text, add_help=False)
    return parser


def command_parser(name: str) -> tuple[Any, argparse.ArgumentParser]:
    """The module of command ``name`` and its full parser (``--help``, ``-v``, ``-q``)."""
    from videogate._cli._parser import Parser, add_verbosity

    module_name, help_text = COMMANDS[name]
    module = importlib.import_module(module_name)
    parser = Parser(
        prog=f"videogate {name}",
        description=help_text,
        examples=getattr(module, "EXAMPLES", ""),
    )
    module.configure(parser)
    add_verbosity(parser)
    return module, parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit code (also used as the process status)."""
    args = list(sys.argv[1:] if argv is None else argv)
    verbose, quiet = 0, False
    while args and args[0] in _GLOBAL_FLAGS:
        more, hush = _GLOBAL_FLAGS[args.pop(0)]
        verbose, quiet = verbose + more, quiet or hush
    try:
        check_arguments(args)
    except Exception as exc:
        return report_error(exc, json_output="--json" in args)
    if not args or args[0] not in COMMANDS:
        if args and not args[0].startswith("-"):
            from videogate._contract.suggest import suggestion

            print(
                f"videogate: unknown command {args[0]!r}{suggestion(args[0], COMMANDS)}; "
                "see videogate --help",
                file=sys.stderr,
            )
            return 2
        parser = _top_parser()
        ns = parser.parse_args(args)
        if ns.version:
            from importlib.metadata import version

            print(version("videogate"))
            return 0
        parser.print_help()
        return 0 if not args else 2
    name = args[0]
    try:
        module, parser = command_parser(name)
    except ImportError as exc:
        print(f"videogate {name}: not available ({exc})", file=sys.stderr)
        return 2
    ns = parser.parse_args(args[1:])
    ns.verbose += verbose
    ns.quiet = ns.quiet or quiet
    from videogate._cli._verbosity import configure_logging

    configure_logging(ns.verbose, ns.quiet)
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
