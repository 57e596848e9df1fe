"""``videogate generate --max-cost`` / ``[budget]``, ``estimate``, ``jobs`` and ``spend`` as
real subprocesses, wan against its DashScope emulator."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from videogate_wan.emulator.testing import running_emulator

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
IMAGE = str(ROOT / "docs" / "examples" / "lakeside.png")
VIDEOGATE = str(Path(sys.executable).with_name("videogate"))


def _wan(*extra: str, duration: int = 2, size: str = "1280*720") -> list[str]:
    return [
        "--provider", "wan", "--image", IMAGE, "--prompt", "dusk over a lake",
        "--duration", str(duration), "--fps", "30", "--size", size, "--seed", "5", *extra,
    ]  # fmt: skip


def _run(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [VIDEOGATE, *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=120
    )


@pytest.fixture
def emulated(tmp_path):
    with running_emulator() as emu:
        env = dict(os.environ)
        env.update(DASHSCOPE_HTTP_BASE_URL=emu.base_url, DASHSCOPE_API_KEY="test-key")
        yield emu, env


def test_budget_refusal_sends_nothing(tmp_path, emulated):
    emu, env = emulated
    out = _run(["generate", *_wan("--max-cost", "1", size="1920*1080", duration=5)], env, tmp_path)
    assert out.returncode == 2, out.stderr
    assert "BudgetExceeded" in out.stderr and "1.25 CNY" in out.stderr
    assert "nothing was sent" in out.stderr
    stats = emu.stats()
    assert stats["submissions"] == 0 and stats["submit_requests"] == 0
    assert stats["uploads"] == 0 and stats["policies"] == 0
    assert _run(["jobs", "--json"], env, tmp_path).stdout == ""  # JSON Lines: no job, no line

    # A daily cap from the configuration: the first job fits, the second would not.
    (tmp_path / "videogate.toml").write_text('[budget]\ncurrency = "CNY"\nper_day = 0.5\n')
    first = _run(["generate", *_wan()], env, tmp_path)  # 2 s x 0.15 = 0.30
    assert first.returncode == 0, first.stderr
    second = _run(["generate", *_wan("--option", "audio=false", duration=3)], env, tmp_path)
    assert second.returncode == 2, second.stderr
    assert "daily budget of 0.5 CNY" in second.stderr and "0.3 CNY spent" in second.stderr
    assert emu.stats()["submissions"] == 1


def test_spend_totals_after_jobs_and_a_cache_hit(tmp_path, emulated):
    emu, env = emulated
    runs = [
        _wan(),  # 2 s 720P silent: 0.30 CNY
        _wan("--option", "audio=true", duration=3),  # 3 s 720P with audio: 0.90 CNY
        _wan(),  # the first again: a cache hit, costs 0
    ]
    for args in runs:
        out = _run(["generate", "--json", *args], env, tmp_path)
        assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["cached"] is True
    kenburns = [
        "generate", "--provider", "kenburns", "--prompt", "a lake", "--duration", "1",
        "--fps", "8", "--size", "64*48",
    ]  # fmt: skip
    assert _run(kenburns, env, tmp_path).returncode == 0
    assert emu.stats()["submissions"] == 2

    estimate = json.loads(_run(["estimate", "--json", *_wan()], env, tmp_path).stdout)
    assert estimate["amount"] == 0.0 and estimate["cached"] is True
    fresh = _run(["estimate", "--json", "--no-cache", *_wan()], env, tmp_path)
    assert json.loads(fresh.stdout)["amount"] == pytest.approx(0.30)

    spend = json.loads(_run(["spend", "--since", "7d", "--json"], env, tmp_path).stdout)
    totals = {row["provider"]: row for row in spend["totals"]}
    assert totals["wan"] == {"provider": "wan", "currency": "CNY", "amount": 1.2, "jobs": 2}
    assert totals["kenburns"]["amount"] == 0.0 and totals["kenburns"]["jobs"] == 1
    text = _run(["spend", "--since", "7d"], env, tmp_path).stdout
    assert "wan" in text and "1.2 CNY" in text and "(2 jobs)" in text
    nothing = _run(["spend", "--since", "0s"], env, tmp_path)
    assert "no spend" in nothing.stdout
    bad = _run(["spend", "--since", "a week"], env, tmp_path)
    assert bad.returncode == 2 and "7d" in bad.stderr

    listing = _run(["jobs"], env, tmp_path).stdout
    assert "estimate: 0.3 CNY" in listing and "estimate: 0.9 CNY" in listing
