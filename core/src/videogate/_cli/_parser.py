"""The argument parser of every command: examples in ``--help``, ``-v``/``-q`` everywhere,
and "did you mean" for a mistyped option or choice."""

from __future__ import annotations

import argparse
import re
import sys
from typing import Any, NoReturn

from videogate._contract.suggest import suggestion

__all__ = ["Parser", "add_verbosity"]

_UNRECOGNIZED = re.compile(r"unrecognized arguments: (.*)")
_INVALID_CHOICE = re.compile(r"invalid choice: '([^']*)'")


class Parser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose usage errors suggest the closest option or choice."""

    def __init__(self, *args: object, examples: str = "", **kwargs: object) -> None:
        kwargs.setdefault("formatter_class", argparse.RawDescriptionHelpFormatter)
        if examples:
            kwargs["epilog"] = "examples:\n" + examples.strip("\n")
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._argv: list[str] = []

    def parse_args(self, args: Any = None, namespace: Any = None) -> Any:
        self._argv = list(sys.argv[1:] if args is None else args)
        return super().parse_args(args, namespace)

    def error(self, message: str) -> NoReturn:
        unrecognized = _UNRECOGNIZED.search(message)
        known = self._option_strings()
        if unrecognized:
            word = unrecognized.group(1).split()[0].split("=")[0]
            if word.startswith("-"):
                message += suggestion(word, known)
        else:
            for word in (a.split("=")[0] for a in self._argv if a.startswith("--")):
                if word not in known:
                    message += f"; unknown option {word}{suggestion(word, known)}"
                    break
        choice = _INVALID_CHOICE.search(message)
        if choice:
            choices: list[str] = []
            for action in self._actions:
                if action.choices is not None:
                    choices.extend(str(c) for c in action.choices)
            message = message.split(" (choose from")[0] + suggestion(choice.group(1), choices)
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {message}\n")

    def _option_strings(self) -> list[str]:
        return sorted(_long_options(self))


def _long_options(parser: argparse.ArgumentParser) -> set[str]:
    found = {s for a in parser._actions for s in a.option_strings if s.startswith("--")}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                found |= _long_options(sub)
    return found


def add_verbosity(parser: argparse.ArgumentParser) -> None:
    """``-v``/``--verbose`` (repeatable) and ``-q``/``--quiet``."""
    group = parser.add_argument_group("output")
    group.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=0,
        help="log retries, throttling waits and submits on stderr; -vv adds every poll "
        "(or set VIDEOGATE_LOG=info|debug)",
    )
    group.add_argument(
        "-q", "--quiet", action="store_true", help="no progress lines, only the result and errors"
    )
