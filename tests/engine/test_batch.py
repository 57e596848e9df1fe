"""``videogate batch`` and ``Engine.map`` / ``amap`` over the fake provider."""

from __future__ import annotations

import _thread
import asyncio
import json
import threading
import time

import pytest
from enginekit import FAST_POLLS, REQUEST, make_config
from fakeservice import FakeProvider

from videogate import BatchItem, InvalidRequest
from videogate._cli import main
from videogate._engine.engine import Engine
from videogate._plugins.registry import load_registry


@pytest.fixture
def batch_cli(monkeypatch, tmp_path, service):
    def make(args, config):
        return Engine(
            make_config(tmp_path),
            registry=load_registry(entrypoints=False),
            providers={"fake": FakeProvider(service)},
            poll_policy=FAST_POLLS,
            # An interrupted engine of this same process (its pid alive) leaves claims that
            # only their lease ends: keep it well below the jobs' deadline.
            claim_lease=5.0,
        )

    from videogate._cli import batch

    monkeypatch.setattr(batch, "make_engine", make)
    return service


def _lines(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_map_yields_every_outcome_with_typed_errors(engine, service):
    items = [
        {**REQUEST, "prompt": "one", "id": "a"},
        BatchItem(request={**REQUEST, "prompt": "two"}, id="b", index=1),
        {**REQUEST, "duration": -1, "id": "bad"},
        "not a request",
    ]
    outcomes = {o.id or str(o.index): o for o in engine.map(items, window=2)}
    assert outcomes["a"].ok and outcomes["b"].ok
    assert outcomes["a"].result.video_url != outcomes["b"].result.video_url
    assert isinstance(outcomes["bad"].error, InvalidRequest) and outcomes["bad"].exit_code == 2
    assert isinstance(outcomes["3"].error, InvalidRequest)
    assert service.counts["accepted"] == 2


def test_amap_streams_an_async_source(engine, service):
    async def source():
        for i in range(5):
            yield {**REQUEST, "prompt": f"async {i}", "id": i}

    async def run():
        return [o async for o in engine.amap(source(), window=2)]

    outcomes = asyncio.run(run())
    assert sorted(o.id for o in outcomes) == [str(i) for i in range(5)]
    assert all(o.ok for o in outcomes) and service.counts["accepted"] == 5


def test_batch_cli_writes_outcomes_and_exit_code(batch_cli, tmp_path):
    source = tmp_path / "in.jsonl"
    source.write_text(
        json.dumps({**REQUEST, "id": "x"})
        + "\n"
        + "{not json\n\n"
        + json.dumps({**REQUEST, "fps": 99, "id": "y"})
        + "\n"
    )
    out = tmp_path / "out.jsonl"
    assert main(["batch", str(source), "-o", str(out), "--no-progress"]) == 2
    records = {r["index"]: r for r in _lines(out)}
    assert records[1]["ok"] and records[1]["id"] == "x"
    assert records[1]["result"]["video_url"].startswith("file://")
    assert (
        records[2]["error"]["error"] == "InvalidRequest"
        and "line 2" in records[2]["error"]["message"]
    )
    assert records[4]["ok"] is False and records[4]["id"] == "y"
    # A re-run skips the line already done.
    assert main(["batch", str(source), "-o", str(out), "--no-progress"]) == 2
    assert [r["index"] for r in _lines(out)].count(1) == 1
    assert batch_cli.counts["accepted"] == 1


@pytest.mark.slow
def test_interrupted_batch_of_1000_rerun_pays_each_request_once(batch_cli, tmp_path):
    service = batch_cli
    service.task_seconds = 0.05
    source = tmp_path / "big.jsonl"
    with source.open("w") as stream:
        for i in range(1000):
            stream.write(json.dumps({**REQUEST, "prompt": f"job {i}"}) + "\n")
    out = tmp_path / "out.jsonl"

    def interrupt_halfway():
        while not out.exists() or len(out.read_text().splitlines()) < 500:
            time.sleep(0.01)
        _thread.interrupt_main()  # Ctrl-C

    threading.Thread(target=interrupt_halfway, daemon=True).start()
    assert main(["batch", str(source), "-o", str(out), "--no-progress"]) == 130
    first = len(_lines(out))
    assert 500 <= first < 1000
    assert service.counts["accepted"] < 1000
    code = main(["batch", str(source), "-o", str(out), "--no-progress"])
    records = _lines(out)
    assert code == 0, [r for r in records if not r["ok"]][:3]
    assert all(r["ok"] for r in records)
    assert sorted(r["index"] for r in records) == list(range(1, 1001))
    assert service.counts["accepted"] == 1000
