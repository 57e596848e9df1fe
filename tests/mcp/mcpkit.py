"""Helpers of the MCP tests: a real ``videogate mcp`` child process and the SDK's own client."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path

from mcp import ClientSession, StdioServerParameters, stdio_client

ROOT = Path(__file__).resolve().parents[2]
IMAGE = str(ROOT / "docs" / "examples" / "lakeside.png")
BIN = Path(sys.executable).parent


def server_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The child's environment: this venv first on PATH, output in ``tmp_path``."""
    env = dict(os.environ)
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env["OUTPUT_DIR"] = str(tmp_path / "output")
    env.pop("VIDEOGATE_CONFIG", None)
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    env.update(extra)
    return env


@contextlib.asynccontextmanager
async def mcp_session(
    env: dict[str, str], command: str | None = None, args: list[str] | None = None
) -> AsyncIterator[ClientSession]:
    """An initialized client session over stdio with ``videogate mcp`` (or ``command``)."""
    params = StdioServerParameters(
        command=command or str(BIN / "videogate"), args=args or ["mcp"], env=env
    )
    async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
        await session.initialize()
        yield session


def kenburns_request(**changes: object) -> dict[str, object]:
    """A small, quick kenburns request."""
    request: dict[str, object] = {
        "prompt": "dusk over a lake",
        "duration": 1,
        "fps": 12,
        "size": "320*240",
        "reference_image": IMAGE,
        "seed": 3,
    }
    request.update(changes)
    return request


def wan_request(**changes: object) -> dict[str, object]:
    """A wan request (720P, 2 s, silent unless asked)."""
    request: dict[str, object] = {
        "prompt": "dusk over a lake",
        "duration": 2,
        "fps": 30,
        "size": "1280*720",
        "reference_image": IMAGE,
        "seed": 3,
    }
    request.update(changes)
    return request
