"""``videogate mcp``: serve the contract as Model Context Protocol tools (stdio by default,
streamable HTTP with ``--transport http``). Needs the ``mcp`` extra: ``videogate[mcp]``."""

from __future__ import annotations

import argparse
import logging
import sys

from videogate._cli._common import add_config_argument

__all__ = ["EXAMPLES", "configure", "run"]

EXAMPLES = """
  videogate mcp                                   # stdio, for a desktop MCP client
  videogate mcp --transport http --port 8765      # streamable HTTP on loopback
  videogate mcp -c ~/pipelines/videogate.toml     # with a given configuration
"""


def configure(parser: argparse.ArgumentParser) -> None:
    """Add this command's arguments."""
    parser.add_argument(
        "--transport", choices=("stdio", "http"), default="stdio", help="default stdio"
    )
    parser.add_argument("--host", default="127.0.0.1", help="http: address (default loopback)")
    parser.add_argument("--port", type=int, default=8765, help="http: port (default 8765)")
    parser.add_argument("--path", default="/mcp", help="http: endpoint path (default /mcp)")
    add_config_argument(parser)


def _log_to_stderr() -> None:
    """Logs go to stderr (stdout is the protocol), with secrets masked."""
    from videogate._logging import RedactingFilter

    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RedactingFilter())
    handler.setFormatter(logging.Formatter("videogate mcp: %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.WARNING)


def run(args: argparse.Namespace) -> int:
    """Serve until the client disconnects (stdio) or the process is interrupted (http)."""
    try:
        import anyio

        from videogate._mcp.server import serve_http, serve_stdio
    except ImportError as exc:
        print(
            f"videogate mcp: the MCP SDK is not installed ({exc}); "
            "install it with: pip install 'videogate[mcp]'",
            file=sys.stderr,
        )
        return 2
    from videogate._engine.engine import Engine
    from videogate._plugins.config import load_config

    _log_to_stderr()
    engine = Engine(load_config(args.config))
    try:
        if args.transport == "http":
            print(
                f"videogate mcp: serving http://{args.host}:{args.port}{args.path}",
                file=sys.stderr,
                flush=True,
            )
            anyio.run(serve_http, engine, args.host, args.port, args.path)
        else:
            anyio.run(serve_stdio, engine)
    finally:
        engine.close()
    return 0
