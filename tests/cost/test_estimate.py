"""Estimates: wan's price for each resolution x audio setting (both regions), kenburns free,
the basis and its source, and the journal migration that keeps estimates."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

import videogate
from videogate import BudgetExceeded, Engine
from videogate._plugins.config import config_from_dict

ROOT = Path(__file__).resolve().parents[2]
IMAGE = str(ROOT / "docs" / "examples" / "lakeside.png")

#: (region, size, audio) -> price per second; the table of providers/wan/README.md.
WAN_PRICES = {
    ("beijing", "1280*720", False): (0.15, "CNY"),
    ("beijing", "1920*1080", False): (0.25, "CNY"),
    ("beijing", "1280*720", True): (0.30, "CNY"),
    ("beijing", "1920*1080", True): (0.50, "CNY"),
    ("singapore", "1280*720", False): (0.025, "USD"),
    ("singapore", "1920*1080", False): (0.0375, "USD"),
    ("singapore", "1280*720", True): (0.05, "USD"),
    ("singapore", "1920*1080", True): (0.075, "USD"),
}


def _engine(tmp_path, **table) -> Engine:
    data = {"output_dir": str(tmp_path / "out"), **table}
    return Engine(config_from_dict(data), cache=None)


def _wan_request(size="1280*720", duration=5, audio=None):
    request = {
        "prompt": "a lake",
        "duration": duration,
        "fps": 30,
        "size": size,
        "reference_image": IMAGE,
    }
    if audio is not None:
        request["options"] = {"wan": {"audio": audio}}
    return request


@pytest.mark.parametrize(("region", "size", "audio"), sorted(WAN_PRICES))
@pytest.mark.parametrize("how", ["request option", "configured default"])
def test_wan_estimate_for_each_resolution_and_audio(tmp_path, region, size, audio, how):
    per_second, currency = WAN_PRICES[(region, size, audio)]
    entry = {"plugin": "wan", "region": region}
    if how == "configured default":
        entry["audio"] = audio
        request = _wan_request(size, duration=7)
    else:
        request = _wan_request(size, duration=7, audio=audio)
    with _engine(tmp_path, providers={"w": entry}) as engine:
        estimate = engine.estimate(request, provider="w")
    assert estimate.amount == pytest.approx(7 * per_second)
    assert estimate.currency == currency
    assert estimate.per_second == per_second
    assert estimate.seconds == 7
    assert estimate.resolution == ("720P" if size == "1280*720" else "1080P")
    assert estimate.audio is audio
    assert estimate.confirmed is False
    assert "UNCONFIRMED" in estimate.basis
    assert estimate.as_of and estimate.source in estimate.basis


def test_wan_silent_by_default_but_the_service_default_is_remembered(tmp_path):
    from videogate_wan._pricing import SERVICE_AUDIO_DEFAULT

    with _engine(tmp_path) as engine:
        silent = engine.estimate(_wan_request(), provider="wan")
    assert silent.audio is False and silent.amount == pytest.approx(5 * 0.15)
    assert SERVICE_AUDIO_DEFAULT is True
    assert "audio on" in silent.note and "dearer" in silent.note


def test_adjusted_sizes_and_durations_are_priced_as_sent(tmp_path):
    # 1000x560 is mapped to the 720P tier and 4.4 s to 4 s in adjust mode: priced as sent.
    request = _wan_request("1000*560", duration=4.4)
    with _engine(tmp_path) as engine:
        estimate = engine.estimate(request, provider="wan", mode="adjust")
    assert estimate.resolution == "720P"
    assert estimate.amount == pytest.approx(4 * 0.15)


def test_kenburns_costs_nothing(tmp_path):
    request = {"prompt": "a lake", "duration": 3, "fps": 24, "size": "640*360"}
    with _engine(tmp_path) as engine:
        estimate = engine.estimate(request, provider="kenburns")
    assert estimate.amount == 0.0
    assert estimate.confirmed is True


def test_module_level_estimate_uses_the_default_engine(monkeypatch):
    from videogate._engine import defaults as engine_module

    # A default engine of its own, closed after, so no other test inherits its output folder.
    monkeypatch.setattr(engine_module, "_default", None)
    try:
        estimate = videogate.estimate({"prompt": "x", "duration": 2, "fps": 24, "size": "64*48"})
    finally:
        if engine_module._default is not None:
            engine_module._default.close()
    assert estimate.provider == "kenburns" and estimate.amount == 0.0


def test_budget_refuses_before_any_io(tmp_path):
    # The base URL is a closed port: had anything been sent, the error would be another one.
    table = {
        "budget": {"currency": "CNY", "per_run": 1.0},
        "providers": {"wan": {"plugin": "wan", "base_url": "http://127.0.0.1:9/api/v1"}},
    }
    with _engine(tmp_path, **table) as engine:
        with pytest.raises(BudgetExceeded) as caught:
            engine.generate(_wan_request("1920*1080"), provider="wan")  # 5 s x 0.25 = 1.25
        assert caught.value.limit == 1.0
        assert caught.value.estimate["amount"] == pytest.approx(1.25)
        assert "nothing was sent" in str(caught.value)
        assert engine.jobs() == []
        with pytest.raises(BudgetExceeded, match="charges in CNY, the budget is in USD"):
            Engine(
                config_from_dict({**table, "budget": {"currency": "USD", "per_run": 100}}),
                cache=None,
            ).generate(_wan_request(), provider="wan")


def test_an_unknown_price_says_so():
    from videogate import CostEstimate

    unknown = CostEstimate.unknown("x", "m", 2)
    assert unknown.amount is None and "no price known" in unknown.basis


def test_budget_config_errors_name_the_key():
    with pytest.raises(videogate.ConfigError, match=r"budget\.per_day"):
        config_from_dict({"budget": {"per_day": "lots"}})
    with pytest.raises(videogate.ConfigError, match="unknown key"):
        config_from_dict({"budget": {"monthly": 3}})


def test_old_journal_gets_the_cost_columns(tmp_path):
    path = tmp_path / "old.sqlite3"
    db = sqlite3.connect(path)
    db.executescript(
        "CREATE TABLE videogate_jobs (job_id TEXT PRIMARY KEY, state TEXT NOT NULL, "
        "provider TEXT NOT NULL, created_at REAL NOT NULL, data TEXT NOT NULL);"
    )
    old = videogate.JobRecord(job_id="0001", provider="wan", plugin="wan", model="m", mode="strict")
    import json
    import time

    db.execute(
        "INSERT INTO videogate_jobs VALUES (?, ?, ?, ?, ?)",
        ("0001", "succeeded", "wan", time.time(), json.dumps(old.to_dict())),
    )
    db.commit()
    db.close()
    journal = videogate.SqliteJournal(path)
    try:
        assert journal.get("0001").estimate is None
        priced = videogate.JobRecord(
            job_id="0002",
            provider="wan",
            plugin="wan",
            model="m",
            mode="strict",
            state="submitted",
            estimate={"amount": 0.75, "currency": "CNY"},
        )
        journal.add(priced)
        assert journal.spend(0) == [
            {"provider": "wan", "currency": "CNY", "amount": 0.75, "jobs": 1}
        ]
        journal.update("0002", state="cancelled")
        assert journal.spend(0) == []  # a cancelled task is not spent
    finally:
        journal.close()
    columns = {r[1] for r in sqlite3.connect(path).execute("PRAGMA table_info(videogate_jobs)")}
    assert {"cost", "currency"} <= columns
