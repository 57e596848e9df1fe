"""Helpers shared by subcommands: error reporting and config flags."""

from __future__ import annotations

import argparse
import json
import sys

__all__ = ["add_config_argument", "check_arguments", "report_error", "seconds"]


def add_config_argument(parser: argparse.ArgumentParser) -> None:
    """The ``--config PATH`` flag every command that reads configuration accepts."""
    parser.add_argument(
        "-c",
        "--config",
        metavar="PATH",
        help="videogate.toml to use (default: the nearest one from here upward, then the "
        "user's; see videogate config path)",
    )


def seconds(text: str) -> float:
    """An argparse type: a finite number of seconds > 0 (``--timeout``)."""
    import math

    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"must be a finite number of seconds > 0, got {text}")
    return value


def check_arguments(args: list[str]) -> None:
    """Refuse command-line arguments that are not valid text (bytes that are not UTF-8 reach
    Python as lone surrogates).

    :raises InvalidRequest: naming the argument's position.
    """
    from videogate._contract.errors import InvalidRequest

    for position, arg in enumerate(args, start=1):
        try:
            arg.encode("utf-8")
        except UnicodeEncodeError:
            shown = arg.encode("utf-8", "backslashreplace").decode("ascii", "replace")
            raise InvalidRequest(
                f"argument {position} ({shown}) is not valid UTF-8 text", field="argv"
            ) from None


def report_error(exc: BaseException, *, json_output: bool = False) -> int:
    """Print ``exc`` to stderr (as one JSON object on stdout with ``--json``) and return the
    exit code for it. Anything that is not a VideogateError is reported as an internal error
    without a traceback; secrets are masked either way."""
    from videogate._contract.errors import VideogateError, exit_code_for
    from videogate._contract.secrets import redact

    if isinstance(exc, VideogateError):
        if json_output:
            print(json.dumps(exc.to_dict(), sort_keys=True))
        print(f"videogate: {type(exc).__name__}: {exc}", file=sys.stderr)
    else:
        text = redact(str(exc))
        if json_output:
            print(json.dumps({"error": "InternalError", "message": text, "retryable": False}))
        print(f"videogate: internal error: {type(exc).__name__}: {text}", file=sys.stderr)
    return exit_code_for(exc)
