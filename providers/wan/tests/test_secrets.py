"""The API key never shows: not in errors, reprs, logs (ours and the SDK's), the emulator's
view of the world, nor any file a run writes."""

from __future__ import annotations

import json
import logging

import attrs

from videogate import Engine, TaskRef, VideogateError, load_config

CANARY_KEY = "sk-canary-7f3a9c1e5b2d48e6"  # the key make_provider uses (conftest)


def test_the_canary_key_leaks_nowhere(
    emu, make_provider, request_for, tmp_path, caplog, monkeypatch
):
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="dashscope")
    caplog.set_level(logging.DEBUG, logger="videogate")
    texts: list[str] = []
    provider = make_provider()
    texts += [repr(provider), repr(provider.settings), str(attrs.asdict(provider.settings))]

    task = provider.submit(provider.prepare(request_for()))
    texts += [repr(task), json.dumps(task.data)]
    state = provider.poll(task)
    texts.append(repr(state))

    errors: list[VideogateError] = []
    for fault in (
        {
            "kind": "error",
            "endpoint": "submit",
            "status": 401,
            "code": "InvalidApiKey",
            "message": f"Invalid API-key provided: {CANARY_KEY}",
        },
        {"kind": "throttle", "endpoint": "submit"},
        {"kind": "reset", "endpoint": "submit"},
        {"kind": "malformed", "endpoint": "query"},
        {"kind": "error", "endpoint": "policy", "status": 500},
    ):
        emu.inject(**fault)
        try:
            if fault["endpoint"] == "query":
                provider.poll(task)
            else:
                provider.submit(provider.prepare(request_for()))
        except VideogateError as exc:
            errors.append(exc)
    emu.inject("fail", message=f"bad key {CANARY_KEY}")
    failed = provider.poll(provider.submit(provider.prepare(request_for())))
    errors.append(failed.error)
    errors.append(provider.map_error(RuntimeError(f"boom {CANARY_KEY}")))
    provider.cancel(TaskRef(task_id="missing", provider="wan"))
    assert len(errors) == 7
    for err in errors:
        texts += [str(err), repr(err), json.dumps(err.to_dict()), str(err.args)]

    monkeypatch.setenv("DASHSCOPE_HTTP_BASE_URL", emu.base_url)
    monkeypatch.setenv("DASHSCOPE_API_KEY", CANARY_KEY)
    with Engine(load_config()) as engine:
        result = engine.generate(request_for(seed=None), provider="wan")
    texts.append(repr(result))

    texts.append(json.dumps(emu.stats()))
    texts.append(json.dumps(emu.submitted))
    texts += [record.getMessage() for record in caplog.records]
    texts += [caplog.text]
    assert any(r.name.startswith("dashscope") for r in caplog.records)
    for text in texts:
        assert CANARY_KEY not in text
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert any(p.suffix == ".sqlite3" for p in written)
    for path in written:
        assert CANARY_KEY.encode() not in path.read_bytes(), path
