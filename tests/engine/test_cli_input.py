"""Bad input on the command line stays typed: exit 2 with a sentence, never a traceback."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from videogate import Engine, InvalidRequest

VIDEOGATE = str(Path(sys.executable).with_name("videogate"))
BASE = [
    "generate",
    "--provider",
    "kenburns",
    "--duration",
    "1",
    "--fps",
    "8",
    "--size",
    "160*90",
]


def _run(args: list[str | bytes]) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([VIDEOGATE, *args], capture_output=True, timeout=120)


@pytest.mark.parametrize("where", ["--prompt", "--negative-prompt", "--option"])
def test_undecodable_bytes_in_an_argument_are_invalid_input(where):
    value: bytes = b"wan.x=\xff\xfe" if where == "--option" else b"a lake \xff at dawn"
    args: list[str | bytes] = [*BASE, where, value]
    if where != "--prompt":
        args += ["--prompt", "a lake"]
    done = _run(args)
    assert done.returncode == 2, done.stderr
    assert b"not valid UTF-8" in done.stderr
    assert b"Traceback" not in done.stderr


@pytest.mark.parametrize("value", ["0", "-1", "nan", "inf", "soon"])
def test_timeout_must_be_finite_and_positive(value):
    done = _run([*BASE, "--prompt", "a lake", "--timeout", value])
    assert done.returncode == 2
    assert b"--timeout" in done.stderr


@pytest.mark.parametrize("value", [0, -1.0, math.nan, math.inf])
def test_engine_refuses_a_bad_timeout_before_any_io(tmp_path, value):
    with Engine(cache=None) as engine, pytest.raises(InvalidRequest, match="timeout"):
        engine.generate(
            {"prompt": "x", "duration": 1, "fps": 8, "size": "160*90"},
            provider="kenburns",
            timeout=value,
        )
    assert engine.jobs() == []


def test_prompt_file(tmp_path):
    shot = tmp_path / "shot.txt"
    shot.write_text("  a lake at dawn, mist rising\n", encoding="utf-8")
    done = _run([*BASE, "--prompt-file", str(shot), "--json"])
    assert done.returncode == 0, done.stderr
    (job,) = [json.loads(line) for line in _run(["jobs", "--json"]).stdout.splitlines()]
    assert job["request"]["prompt"] == "a lake at dawn, mist rising"
    for bad, reason in (
        (tmp_path / "missing.txt", b"No such file or directory"),
        (tmp_path, b"Is a directory"),
    ):
        refused = _run([*BASE, "--prompt-file", str(bad)])
        assert refused.returncode == 2, refused.stderr
        assert b"--prompt-file: cannot read" in refused.stderr and reason in refused.stderr
    latin = tmp_path / "latin.txt"
    latin.write_bytes(b"caf\xe9")
    refused = _run([*BASE, "--prompt-file", str(latin)])
    assert refused.returncode == 2 and b"--prompt-file: cannot read" in refused.stderr
    both = _run([*BASE, "--prompt-file", str(shot), "--prompt", "x"])
    assert both.returncode == 2 and b"not allowed with" in both.stderr
