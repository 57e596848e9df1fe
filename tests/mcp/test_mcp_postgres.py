"""``videogate mcp`` with its state on PostgreSQL, through the official MCP SDK's client:
jobs land in the shared journal (``videogate jobs`` of another process lists them), and
identical requests sent to two server processes are paid once, whether they come one after
the other (the shared cache) or at the same time (the journal's claims)."""

from __future__ import annotations

import json
import subprocess

import anyio
import psycopg
import pytest
from mcpkit import BIN, mcp_session, server_env, wan_request

from videogate_wan.emulator.testing import running_emulator

pytestmark = pytest.mark.slow


def _jobs(env: dict[str, str]) -> list[dict]:
    done = subprocess.run(
        [str(BIN / "videogate"), "jobs", "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


def test_two_mcp_servers_share_the_postgres_journal_and_pay_once(tmp_path, postgres_url):
    with running_emulator(pending_seconds=0.3, running_seconds=1.5) as emu:
        env = server_env(
            tmp_path,
            DASHSCOPE_HTTP_BASE_URL=emu.base_url,
            DASHSCOPE_API_KEY="sk-test",
            VIDEOGATE_STATE_URL=postgres_url,
            VIDEOGATE_POLL_TIME_SCALE="0.02",  # the wan prior's 15 s first poll, scaled down
        )

        async def main():
            out = {}
            async with mcp_session(env) as first, mcp_session(env) as second:
                out["made"] = await first.call_tool(
                    "generate", {"request": wan_request(), "provider": "wan"}
                )
                out["jobs"] = await anyio.to_thread.run_sync(_jobs, env)
                out["again"] = await second.call_tool(
                    "generate", {"request": wan_request(), "provider": "wan"}
                )
                out["after_again"] = emu.stats()["submissions"]
                both = {}

                async def call(name, session):
                    both[name] = await session.call_tool(
                        "generate", {"request": wan_request(seed=8), "provider": "wan"}
                    )

                async with anyio.create_task_group() as group:
                    group.start_soon(call, "a", first)
                    group.start_soon(call, "b", second)
                out["both"] = both
            return out

        out = anyio.run(main)
        stats = emu.stats()

    made, again = out["made"], out["again"]
    assert not made.is_error, made.content
    result = made.structured_content["result"]
    assert result["task_id"] and not result["cached"]
    # The job is in the PostgreSQL journal, seen by another process.
    listed = {job["job_id"]: job for job in out["jobs"]}
    assert made.structured_content["job_id"] in listed, out["jobs"]
    job = listed[made.structured_content["job_id"]]
    assert job["state"] == "succeeded" and job["task"]["task_id"] == result["task_id"]
    with psycopg.connect(postgres_url) as conn:  # there, not in a SQLite file of this machine
        row = conn.execute(
            "SELECT state, task_id FROM videogate_jobs WHERE job_id = %s", (job["job_id"],)
        ).fetchone()
    assert row == ("succeeded", result["task_id"])
    # The same request to the other server: from the shared cache, nothing paid.
    assert not again.is_error, again.content
    assert again.structured_content["result"]["cached"] is True
    assert again.structured_content["result"]["task_id"] == result["task_id"]
    assert again.structured_content["estimate"]["amount"] == 0.0
    assert out["after_again"] == 1
    # The same request to both servers at once: one pays, the other follows it.
    a, b = out["both"]["a"], out["both"]["b"]
    assert not a.is_error and not b.is_error, (a.content, b.content)
    assert a.structured_content["result"]["task_id"] == b.structured_content["result"]["task_id"]
    assert a.structured_content["result"]["task_id"] != result["task_id"]
    paid = sorted(r.structured_content["result"]["cached"] for r in (a, b))
    assert paid == [False, True]  # the follower's video is the owner's, at no cost
    assert stats["submissions"] == 2
    assert stats.get("throttled", 0) == 0
