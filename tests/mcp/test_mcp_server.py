"""``videogate mcp`` through the official MCP SDK's own client over stdio, against a real
child process: kenburns offline, and wan against its DashScope emulator."""

from __future__ import annotations

import json
from pathlib import Path

import anyio
import pytest
from mcp_types import ImageContent
from mcpkit import kenburns_request, mcp_session, server_env, wan_request

from videogate_wan.emulator.testing import running_emulator

pytestmark = pytest.mark.slow

SECRET = "sk-mcp-test-secret-4f1d9a"


def test_kenburns_tools_over_stdio(tmp_path):
    """One server: list tools, generate with progress, a cache hit, invalid requests,
    submit/status/result, providers (no secret) and estimate."""
    config = tmp_path / "videogate.toml"
    config.write_text(
        'default_provider = "kenburns"\n'
        f'[providers.wan-paid]\nplugin = "wan"\napi_key = "{SECRET}"\n'
    )
    progress: list[tuple[float, str | None]] = []

    async def on_progress(value, total, message):
        progress.append((value, message))

    async def main():
        out = {}
        env = server_env(tmp_path, VIDEOGATE_CONFIG=str(config))
        async with mcp_session(env) as session:
            out["tools"] = (await session.list_tools()).tools
            out["first"] = await session.call_tool(
                "generate",
                {"request": kenburns_request(), "provider": "kenburns"},
                progress_callback=on_progress,
            )
            out["again"] = await session.call_tool("generate", {"request": kenburns_request()})
            for name, provider, request in (
                ("bad", "kenburns", kenburns_request(duration=-1)),
                ("unknown", "nope", kenburns_request()),
                ("unsupported", "wan-paid", wan_request(fps=24)),
            ):
                out[name] = await session.call_tool(
                    "generate", {"request": request, "provider": provider}
                )
            out["missing"] = await session.call_tool("status", {"job_id": "no-such-job"})
            out["submitted"] = await session.call_tool(
                "submit", {"request": kenburns_request(seed=9)}
            )
            job_id = out["submitted"].structured_content["job_id"]
            out["status"] = await session.call_tool("status", {"job_id": job_id})
            out["result"] = await session.call_tool("result", {"job_id": job_id, "wait": True})
            out["providers"] = await session.call_tool("providers", {})
            out["estimate"] = await session.call_tool(
                "estimate",
                {"request": wan_request(options={"wan": {"audio": True}}), "provider": "wan-paid"},
            )
        return out

    out = anyio.run(main)
    _check_tools(out["tools"])
    _check_generate(out["first"], out["again"], progress)
    _check_errors(out["bad"], out["unknown"], out["unsupported"], out["missing"])

    submitted = out["submitted"]
    assert not submitted.is_error and submitted.structured_content["estimate"]["amount"] == 0.0
    job_id = submitted.structured_content["job_id"]
    assert out["status"].structured_content["job_id"] == job_id
    assert out["status"].structured_content["status"] in (
        "queued", "running", "downloading", "storing", "done"
    )  # fmt: skip
    assert out["result"].structured_content["result"]["seed"] == 9
    listing = {p["name"]: p for p in out["providers"].structured_content["providers"]}
    assert listing["wan-paid"]["options"]["api_key"] == "***"
    assert listing["wan-paid"]["pricing"]["currency"] == "CNY"
    assert listing["kenburns"]["default"] is True
    estimate = out["estimate"].structured_content
    assert estimate["amount"] == pytest.approx(0.6)  # 2 s x 0.30 CNY (720P with audio)
    assert "UNCONFIRMED" in estimate["basis"]
    dump = json.dumps([v.model_dump() for k, v in out.items() if k != "tools"])
    assert SECRET not in dump


def _check_tools(tools):
    import videogate

    tools = {t.name: t for t in tools}
    assert set(tools) == {
        "generate", "submit", "status", "result", "cancel", "providers", "estimate"
    }  # fmt: skip
    schema = tools["generate"].input_schema
    # One source of truth: the VideoRequest definition is the one `videogate schema` prints.
    assert schema["$defs"]["VideoRequest"] == videogate.json_schema()["$defs"]["VideoRequest"]
    assert schema["properties"]["request"] == {"$ref": "#/$defs/VideoRequest"}
    assert {"kenburns", "wan", "wan-paid"} <= set(schema["properties"]["provider"]["enum"])
    per_provider = {c["if"]["properties"]["provider"]["const"]: c["then"] for c in schema["allOf"]}
    wan = per_provider["wan-paid"]["properties"]["request"]
    assert wan["properties"]["duration"] == {"minimum": 2, "maximum": 15, "multipleOf": 1}
    assert wan["properties"]["fps"] == {"const": 30}
    assert wan["required"] == ["reference_image"]
    options = wan["properties"]["options"]["properties"]["wan"]["propertyNames"]["enum"]
    assert {"audio", "resolution"} <= set(options)
    assert tools["status"].input_schema["required"] == ["job_id"]


def _check_generate(first, again, progress):
    assert not first.is_error, first.content
    data = first.structured_content
    assert data["video_url"] == data["result"]["video_url"]
    stored = Path(data["video_url"].removeprefix("file://"))
    assert stored.is_file() and stored.stat().st_size > 0
    assert data["result"]["duration"] == pytest.approx(1.0, abs=0.1)
    assert data["result"]["size"] == "320*240"
    assert data["estimate"]["amount"] == 0.0
    assert any(isinstance(block, ImageContent) for block in first.content)
    values = [v for v, _ in progress]
    assert values == sorted(values) and len(set(values)) == len(values)
    assert values[-1] == 1.0
    phases = [m.split(":")[0] for _, m in progress]
    assert phases[0] == "queued" and "running" in phases and phases[-1] == "done"
    # The same request again is a cache hit.
    assert again.structured_content["result"]["cached"] is True
    assert again.structured_content["video_url"] == data["video_url"]


def _check_errors(bad, unknown, unsupported, missing):
    assert bad.is_error
    assert bad.structured_content["error"] == "InvalidRequest"
    assert bad.structured_content["retryable"] is False
    assert "duration" in bad.structured_content["message"]
    assert bad.content[0].text.startswith("InvalidRequest (retryable: false): duration")
    assert unknown.is_error and unknown.structured_content["error"] == "UnknownProvider"
    assert unsupported.is_error
    assert unsupported.structured_content["error"] == "UnsupportedParameter"
    assert unsupported.structured_content["field"] == "fps"
    assert missing.is_error and missing.structured_content["error"] == "InvalidRequest"


def test_wan_generate_budget_and_cancel_against_the_emulator(tmp_path):
    """One server, one emulator: a budget refusal sends nothing, a generate reports the
    provider's phases, a client cancel mid-job cancels the task at the provider."""
    progress: list[str] = []

    async def on_progress(value, total, message):
        progress.append(message)

    with running_emulator(pending_seconds=0.3, running_seconds=0.3) as emu:
        env = server_env(tmp_path, DASHSCOPE_HTTP_BASE_URL=emu.base_url, DASHSCOPE_API_KEY=SECRET)

        async def main():
            out = {}
            async with mcp_session(env) as session:
                out["refused"] = await session.call_tool(
                    "generate", {"request": wan_request(), "provider": "wan", "max_cost": 0.25}
                )
                out["stats_after_refusal"] = emu.stats()
                out["made"] = await session.call_tool(
                    "generate",
                    {"request": wan_request(), "provider": "wan", "max_cost": 0.30},
                    progress_callback=on_progress,
                )
                emu.inject("stuck", state="PENDING")

                async def call():
                    await session.call_tool(
                        "generate", {"request": wan_request(seed=4), "provider": "wan"}
                    )

                async with anyio.create_task_group() as group:
                    group.start_soon(call)
                    with anyio.fail_after(30):
                        while emu.stats()["submissions"] < 2:
                            await anyio.sleep(0.05)
                    group.cancel_scope.cancel()
                with anyio.fail_after(20):
                    while emu.stats()["cancels"] < 1:
                        await anyio.sleep(0.05)
                # The server keeps serving after the cancel.
                out["after"] = await session.call_tool("providers", {})
            return out

        out = anyio.run(main)
        stats = emu.stats()

    refused, made = out["refused"], out["made"]
    assert refused.is_error
    assert refused.structured_content["error"] == "BudgetExceeded"
    assert refused.structured_content["retryable"] is False
    assert refused.structured_content["estimate"]["amount"] == pytest.approx(0.30)
    assert out["stats_after_refusal"]["submissions"] == 0  # refused before anything was sent
    assert out["stats_after_refusal"]["uploads"] == 0
    assert not made.is_error, made.content
    assert made.structured_content["estimate"]["amount"] == pytest.approx(0.30)
    assert made.structured_content["result"]["task_id"]
    assert progress[-1] == "done" and len(progress) >= 3, progress
    assert not out["after"].is_error
    assert stats["submissions"] == 2
    assert stats["cancels"] == 1
    assert SECRET not in json.dumps([refused.model_dump(), made.model_dump()])


def test_jobs_of_other_processes_come_from_the_journal(tmp_path):
    """``status``/``result``/``cancel`` take any journaled job: one a CLI process finished,
    one another live process still runs (its record only), and an unknown id."""
    import os
    import subprocess

    from mcpkit import BIN

    from videogate import load_config
    from videogate._state.backend import open_state
    from videogate._state.journal import JobRecord, JobState

    env = server_env(tmp_path)
    small = ["-d", "1", "--fps", "8", "-s", "64x48", "--seed", "4"]
    made = subprocess.run(
        [str(BIN / "videogate"), "generate", "--json", "-P", "kenburns", "-p", "a lake", *small],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    finished = json.loads(made.stdout)
    state = open_state(load_config())
    elsewhere = JobRecord(
        job_id="0" * 15 + "e", provider="kenburns", plugin="kenburns", model="kenburns",
        mode="adjust", state=JobState.SUBMITTED, task={"task_id": "t-1", "provider": "kenburns"},
        owner_pid=os.getppid(),
    )  # fmt: skip
    state.journal().add(elsewhere)
    state.close()

    async def main():
        out = {}
        async with mcp_session(env) as session:
            for name, job_id in (("done", finished["job_id"]), ("running", elsewhere.job_id)):
                out[f"{name}-status"] = await session.call_tool("status", {"job_id": job_id})
                out[f"{name}-result"] = await session.call_tool(
                    "result", {"job_id": job_id, "wait": True, "timeout": 1.0}
                )
                out[f"{name}-cancel"] = await session.call_tool("cancel", {"job_id": job_id})
        return out

    out = anyio.run(main)
    done = out["done-status"].structured_content
    assert done["done"] is True and done["status"] == "done", out["done-status"].content
    result = out["done-result"].structured_content
    assert result["video_url"] == finished["video_url"] and result["result"]["seed"] == 4
    assert out["done-cancel"].structured_content["outcome"] == "too_late"
    running = out["running-status"].structured_content
    assert running["status"] == "running" and running["done"] is False
    assert running["task_id"] == "t-1" and f"pid {os.getppid()}" in running["message"]
    # Waiting for it reads the journal until its timeout: still running, nothing adopted.
    assert out["running-result"].structured_content["done"] is False
    refused = out["running-cancel"]
    assert refused.is_error and refused.structured_content["error"] == "InvalidRequest"
    assert f"pid {os.getppid()}" in refused.structured_content["message"]


def test_a_server_forgets_old_finished_jobs_but_still_answers_for_them(tmp_path):
    from videogate import Engine, load_config
    from videogate._mcp.server import Tools

    async def main():
        async with Engine(load_config()) as engine:
            tools = Tools(engine)
            tools.keep_finished = 2
            ids = []
            for seed in range(4):
                submitted = await tools.submit(None, {"request": kenburns_request(seed=seed)})
                ids.append(submitted.structured_content["job_id"])
                await tools.result(None, {"job_id": ids[-1], "wait": True})
            held = list(tools.jobs)
            oldest = await tools.result(None, {"job_id": ids[0]})
            return ids, held, oldest

    ids, held, oldest = anyio.run(main)
    # Pruned when a job is added: two finished ones, and the last one (running then).
    assert held == ids[1:]
    assert oldest.structured_content["result"]["seed"] == 0
