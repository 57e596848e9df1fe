"""The first hour of a pipeline author, from a shell: config found from a subfolder, one
journal, messages that suggest the right name, providers, completion, docs and examples."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
VIDEOGATE = str(Path(sys.executable).with_name("videogate"))
IMAGE = ROOT / "docs" / "examples" / "lakeside.png"
SMALL = ["-d", "1", "--fps", "8", "-s", "64x48", "-i", str(IMAGE), "--seed", "1"]


def vg(*args, cwd=None, env=None, stdin=None):
    return subprocess.run(
        [VIDEOGATE, *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, **(env or {})},
        input=stdin,
        timeout=120,
    )


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.delenv("OUTPUT_DIR")
    root = tmp_path / "proj"
    (root / "sub" / "deeper").mkdir(parents=True)
    (root / "videogate.toml").write_text(
        'default_provider = "k"\n[providers.k]\nplugin = "kenburns"\nworkers = 1\n',
        encoding="utf-8",
    )
    return root


def test_a_subfolder_uses_the_project_config_outputs_and_journal(project):
    made = vg(
        "generate", "-p", "-", *SMALL, "--json", cwd=project / "sub" / "deeper", stdin="a lake\n"
    )
    assert made.returncode == 0, made.stderr
    result = json.loads(made.stdout)
    assert result["provider"] == "k"
    assert result["video_url"].startswith(f"file://{project / 'output' / 'kenburns'}")
    assert not (project / "sub" / "deeper" / "output").exists()
    listed = vg("jobs", "--json", cwd=project)
    assert result["job_id"] in [json.loads(line)["job_id"] for line in listed.stdout.splitlines()]
    here, there = (
        json.loads(vg("config", "path", "--json", cwd=c).stdout) for c in (project, project / "sub")
    )
    assert here == there and here["project_config"] == str(project / "videogate.toml")
    shown = vg("config", "show", cwd=project / "sub").stdout
    assert re.search(r"default_provider\s+k\s+# .*videogate.toml", shown)
    sheet = vg("contact-sheet", result["video_url"], cwd=project / "sub")
    assert sheet.returncode == 0, sheet.stderr
    by_job = vg("contact-sheet", result["job_id"], "-o", "s.png", cwd=project / "sub")
    assert by_job.returncode == 0 and (project / "sub" / "s.png").is_file(), by_job.stderr


def test_a_read_creates_no_database(tmp_path):
    assert vg("jobs").stdout.strip() == "no jobs"
    stats = vg("cache", "stats", "--json")
    assert stats.returncode == 0, stats.stderr
    assert json.loads(stats.stdout)["entries"] == 0
    assert vg("cache", "get", "0" * 64).returncode == 1
    assert vg("cache", "clear").stdout.strip() == "cleared 0 cached result(s)"
    assert not list(tmp_path.rglob("*.sqlite3"))


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["generate", "-P", "kenbrns", "-p", "x", *SMALL], "did you mean 'kenburns'?"),
        (["generate", "-P", "kk", "-p", "x", *SMALL], "did you mean 'k'?"),
        (["generate", "--promt", "x", *SMALL], "did you mean '--prompt'"),
        (["generate", "-p", "x", *SMALL, "--mode", "adjst"], "did you mean 'adjust'?"),
        (["genrate"], "did you mean 'generate'?"),
        (["generate", "-p", "x", *SMALL, "--option", "fti=crop"], "did you mean 'fit'?"),
    ],
)
def test_mistakes_get_a_suggestion(project, args, expected):
    done = vg(*args, cwd=project)
    assert done.returncode == 2 and expected in done.stderr, done.stderr


def test_config_key_and_provider_option_errors_name_the_users_table_and_file(project):
    toml = project / "videogate.toml"
    toml.write_text('[providers.k]\nplugin = "kenburns"\nworkers = 0\n', encoding="utf-8")
    done = vg("generate", "-P", "k", "-p", "x", *SMALL, cwd=project / "sub")
    assert done.returncode == 2
    assert f"[providers.k] (plugin kenburns) in {toml}: workers: must be" in done.stderr
    toml.write_text('[providers.k]\nplugin = "kenburns"\nworker = 2\n', encoding="utf-8")
    done = vg("generate", "-P", "k", "-p", "x", *SMALL, cwd=project)
    assert "[providers.k]" in done.stderr and "did you mean 'workers'" in done.stderr
    toml.write_text("[cache]\nenable = false\n", encoding="utf-8")
    done = vg("providers", cwd=project)
    assert f"cache.enable in {toml}" in done.stderr and "'enabled'" in done.stderr


def test_request_keys_get_a_suggestion():
    import videogate

    with pytest.raises(videogate.InvalidRequest, match="did you mean 'reference_image'"):
        videogate.structure(
            {"prompt": "x", "duration": 1, "fps": 8, "size": "64x48", "image": "a.png"},
            videogate.VideoRequest,
        )


def test_without_kenburns_no_error_names_it(tmp_path):
    only_wan = vg("generate", "-p", "x", *SMALL, env={"VIDEOGATE_LOAD_PLUGINS": "wan"})
    assert only_wan.returncode != 0 and "kenburns" not in only_wan.stderr
    none = vg("generate", "-p", "x", *SMALL, env={"VIDEOGATE_LOAD_PLUGINS": ""})
    assert none.returncode == 2 and "kenburns" not in none.stderr
    assert "pass --provider NAME" in none.stderr


def test_providers_shows_entries_default_and_key_status_never_the_key(project, tmp_path):
    other = tmp_path / "other.toml"
    other.write_text('default_provider = "w"\n[providers.w]\nplugin = "wan"\n', encoding="utf-8")
    key = "sk-providers-test-0123456789"
    text = vg("providers", "-c", str(other), env={"DASHSCOPE_API_KEY": key}).stdout
    assert "default: w" in text and str(other) in text
    assert re.search(r"\* w -> wan\s+key: env \$DASHSCOPE_API_KEY", text), text
    assert key not in text
    missing = json.loads(vg("providers", "--json", cwd=project).stdout)
    entries = {e["name"]: e for e in missing["entries"]}
    assert missing["default"] == "k" and entries["k"]["configured"]
    assert entries["wan"]["key"].startswith("missing")
    assert entries["kenburns"]["key"] == "not needed"


def test_completion_scripts_complete_commands_options_and_values(project):
    bash = vg("completion", "bash", cwd=project).stdout
    probe = bash + "".join(
        f"\nCOMP_WORDS=({words}); COMP_CWORD={words.count(' ')}; _videogate; echo ${{COMPREPLY[@]}}"
        for words in (
            "videogate gen",
            "videogate generate --pro",
            "videogate generate -P ''",
            "videogate batch --provider ke",
            "videogate generate --mode ad",
        )
    )
    lines = subprocess.run(["bash", "-c", probe], capture_output=True, text=True).stdout
    # Providers: the one configured in the project and the ones installed.
    assert lines.splitlines() == [
        "generate",
        "--provider --prompt --prompt-file",
        "k kenburns wan",
        "kenburns",
        "adjust",
    ]
    assert "bashcompinit" in vg("completion", "zsh").stdout
    fish = vg("completion", "fish", cwd=project).stdout
    assert "-a generate" in fish and "-l prompt" in fish
    assert "-l provider -x -a 'k kenburns wan'" in fish
    if shutil.which("fish"):
        assert subprocess.run(["fish", "-n"], input=fish, text=True).returncode == 0


def test_every_help_has_examples():
    from videogate._cli import COMMANDS

    for name in COMMANDS:
        if name == "contract-test":
            continue
        text = vg(name, "--help").stdout
        assert "examples:" in text and f"videogate {name}" in text.split("examples:")[1], name


def test_every_environment_variable_is_documented():
    pattern = re.compile(
        r"\b(?:VIDEOGATE|DASHSCOPE|ALIBABA_CLOUD|ALICLOUD)_[A-Z_]+\b|\bOUTPUT_DIR\b"
    )
    names = set()
    for folder in ("core/src", "providers/wan/src", "providers/kenburns/src", "contracts/src"):
        for path in (ROOT / folder).rglob("*.py"):
            names |= set(pattern.findall(path.read_text(encoding="utf-8")))
    documented = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    assert names and not {n for n in names if f"`{n}`" not in documented}


def test_shell_examples_quote_sizes():
    files = [
        ROOT / "README.md",
        *(ROOT / "docs").rglob("*.md"),
        *ROOT.glob("providers/*/README.md"),
    ]
    for path in files:
        for line in path.read_text(encoding="utf-8").splitlines():
            assert not re.search(r"(--size|-s) \d+\*\d+", line), f"{path}: {line}"


@pytest.mark.slow
@pytest.mark.parametrize("script", ["pipeline.py", "batch_async.py"])
def test_examples_run(tmp_path, script):
    done = subprocess.run(
        [sys.executable, str(ROOT / "docs" / "examples" / script), str(IMAGE), "clips"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert re.search(r"(job|seed) \S+", done.stdout)


@pytest.mark.slow
def test_docs_build_with_warnings_as_errors(tmp_path):
    mkdocs = Path(sys.executable).with_name("mkdocs")
    done = subprocess.run(
        [str(mkdocs), "build", "--strict", "--quiet", "--site-dir", str(tmp_path / "site")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    api = (tmp_path / "site" / "reference" / "api" / "index.html").read_text(encoding="utf-8")
    assert "local_path" in api and "load_config" in api
