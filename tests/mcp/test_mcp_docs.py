"""docs/mcp.md: the desktop client configuration, parsed from the page and launched exactly."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import anyio
import pytest
from mcpkit import ROOT, kenburns_request, mcp_session, server_env

pytestmark = pytest.mark.slow


def _client_config() -> dict:
    text = (ROOT / "docs" / "mcp.md").read_text()
    blocks = re.findall(r"```json\n(.*?)```", text, flags=re.S)
    assert len(blocks) == 1, "docs/mcp.md should hold exactly one JSON configuration"
    return json.loads(blocks[0])


def test_the_documented_desktop_configuration_runs(tmp_path):
    server = _client_config()["mcpServers"]["videogate"]
    env = server_env(tmp_path, **server.get("env", {}))

    async def main():
        async with mcp_session(env, command=server["command"], args=server["args"]) as session:
            names = {t.name for t in (await session.list_tools()).tools}
            answer = await session.call_tool("generate", {"request": kenburns_request()})
            return names, answer

    names, answer = anyio.run(main)
    assert {"generate", "estimate", "providers"} <= names
    assert not answer.is_error, answer.content
    assert answer.structured_content["result"]["provider"] == "kenburns"


def test_help_and_providers_do_not_import_the_mcp_sdk():
    code = (
        "import contextlib, sys; from videogate._cli import main\n"
        "with contextlib.suppress(SystemExit): main(['--help'])\n"
        "main(['providers'])\n"
        "print('MCP', any(m == 'mcp' or m.startswith('mcp.') for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().endswith("MCP False")
