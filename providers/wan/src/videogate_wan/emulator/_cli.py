"""``videogate-wan-emulator``: run the DashScope emulator until stopped.

The first line of stdout is the API base URL (ending in ``/api/v1``), flushed, so a script
can read it and export ``DASHSCOPE_HTTP_BASE_URL``.
"""

from __future__ import annotations

import argparse
import ipaddress
import sys
from collections.abc import Sequence

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="videogate-wan-emulator",
        description="A loopback DashScope (wan2.6-i2v-flash) emulator: no key, no cost.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="interface (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port (default 0: a free one)")
    parser.add_argument(
        "--pending", type=float, default=1.0, help="seconds a task stays PENDING (default 1)"
    )
    parser.add_argument(
        "--running", type=float, default=2.0, help="seconds a task stays RUNNING (default 2)"
    )
    parser.add_argument(
        "--time-scale", type=float, default=1.0, help="multiplies --pending and --running"
    )
    parser.add_argument(
        "--api-key",
        action="append",
        dest="api_keys",
        metavar="KEY",
        help="accept only this key (repeatable; default: any non-empty key)",
    )
    parser.add_argument(
        "--enforce-limits",
        action="store_true",
        help="answer 429 beyond 5 submits/s and 20 queries/s, like the service",
    )
    parser.add_argument(
        "--allow-remote",
        action="store_true",
        help="allow binding a non-loopback interface (the emulator has no real security)",
    )
    return parser


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def main(argv: Sequence[str] | None = None) -> int:
    """Start the emulator, print its base URL, serve until interrupted."""
    args = _parser().parse_args(argv)
    if not _loopback(args.host) and not args.allow_remote:
        print(
            f"videogate-wan-emulator: refusing to bind {args.host}: not a loopback address "
            "(pass --allow-remote to do it anyway)",
            file=sys.stderr,
        )
        return 2
    from videogate_wan.emulator._server import Emulator

    emulator = Emulator(
        args.host,
        args.port,
        pending_seconds=args.pending,
        running_seconds=args.running,
        time_scale=args.time_scale,
        api_keys=set(args.api_keys) if args.api_keys else None,
        enforce_limits=args.enforce_limits,
    )
    try:
        emulator.start()
    except OSError as exc:
        print(
            f"videogate-wan-emulator: cannot bind {args.host}:{args.port}: {exc}", file=sys.stderr
        )
        return 2
    print(emulator.base_url, flush=True)
    print(
        f"videogate-wan-emulator: serving DashScope on {emulator.base_url}; "
        f"stats at {emulator.origin}/_emulator/stats; Ctrl-C stops",
        file=sys.stderr,
        flush=True,
    )
    try:
        emulator.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        emulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
