"""The README's install recipe, run in a fresh virtual environment, then the CLI used from a
subfolder of a project: the same configuration and the same journal as from its root."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _uv() -> str:
    found = shutil.which("uv") or str(ROOT / ".tools" / "venv" / "bin" / "uv")
    if not Path(found).exists():
        pytest.skip("uv is not available")
    return found


def readme_pip_arguments() -> list[str]:
    """The package arguments of the README's ``pip install`` line (from a clone)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(r"^pip install (\"\./core\[[^\n]*)$", text, re.MULTILINE)
    assert match, 'the README has no `pip install "./core[...]" ...` line'
    return shlex.split(match.group(1))


@pytest.mark.slow
def test_readme_install_recipe_in_a_fresh_venv(tmp_path, monkeypatch):
    monkeypatch.delenv("OUTPUT_DIR")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    constraints = tmp_path / "constraints.txt"
    uv = _uv()
    subprocess.run(
        [
            uv,
            "export",
            "--locked",
            "--no-dev",
            "--all-packages",
            "--no-hashes",
            "--no-emit-workspace",
            "--quiet",
            "-o",
            str(constraints),
        ],
        check=True,
        cwd=ROOT,
    )
    # pip's arguments, installed by uv (pinned to uv.lock, offline when the cache allows).
    install = [
        uv,
        "pip",
        "install",
        "--python",
        str(python),
        "-c",
        str(constraints),
        *readme_pip_arguments(),
    ]
    done = subprocess.run([*install, "--offline"], cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        done = subprocess.run(install, cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr

    videogate = str(venv / "bin" / "videogate")
    project = tmp_path / "project"
    (project / "shots" / "day1").mkdir(parents=True)
    (project / "videogate.toml").write_text(
        'default_provider = "k"\n[providers.k]\nplugin = "kenburns"\n', encoding="utf-8"
    )
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}

    def run(*args, cwd):
        out = subprocess.run(
            [videogate, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=180
        )
        assert out.returncode == 0, out.stderr
        return out.stdout

    installed = json.loads(run("providers", "--json", cwd=project))
    assert {"kenburns", "wan"} <= {e["name"] for e in installed["entries"]}
    made = json.loads(
        run(
            "generate",
            "-p",
            "a lake",
            "-i",
            str(ROOT / "docs" / "examples" / "lakeside.png"),
            "-d",
            "1",
            "--fps",
            "8",
            "-s",
            "64x48",
            "--json",
            cwd=project / "shots" / "day1",
        )
    )
    assert made["provider"] == "k" and made["job_id"]
    jobs = [json.loads(line) for line in run("jobs", "--json", cwd=project).splitlines()]
    assert [j["job_id"] for j in jobs] == [made["job_id"]]
    from_root = json.loads(run("config", "path", "--json", cwd=project))
    from_sub = json.loads(run("config", "path", "--json", cwd=project / "shots" / "day1"))
    assert from_root == from_sub
    assert from_root["project_config"] == str(project / "videogate.toml")
    assert made["video_url"].startswith(f"file://{project / 'output'}")
