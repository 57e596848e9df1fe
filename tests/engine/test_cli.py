"""The ``videogate generate / jobs / resume`` commands over the fake provider."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from enginekit import FAST_POLLS, make_config
from fakeservice import FakeProvider, FakeService

from videogate._cli import main
from videogate._engine.engine import Engine
from videogate._plugins.registry import load_registry

VIDEOGATE = str(Path(sys.executable).with_name("videogate"))
ARGS = ["generate", "--prompt", "a lake", "--duration", "1", "--fps", "8", "--size", "64x48"]


@pytest.fixture
def cli(monkeypatch, tmp_path, service):
    def make(args):
        return Engine(
            make_config(tmp_path),
            registry=load_registry(entrypoints=False),
            providers={"fake": FakeProvider(service)},
            poll_policy=FAST_POLLS,
        )

    from videogate._cli import generate, resume

    monkeypatch.setattr(generate, "make_engine", make)
    monkeypatch.setattr(resume, "make_engine", make)
    return service


def test_generate_json_prints_exactly_one_object(cli, capsys):
    assert main([*ARGS, "--json", "--seed", "5"]) == 0
    out, err = capsys.readouterr()
    data = json.loads(out)
    assert data["seed"] == 5 and data["size"] == "64*48" and data["duration"] == 1.0
    assert out.count("\n") == 1
    assert "videogate: [" in err and "done" in err


def test_generate_summary_and_options(cli, capsys):
    code = main([*ARGS, "--fps", "12", "--mode", "adjust", "--option", 'style="warm"'])
    assert code == 0
    out, _ = capsys.readouterr()
    assert "video:" in out and "seed:" in out and "warning:  fps" in out


def test_generate_errors_map_to_exit_codes(cli, capsys):
    assert main([*ARGS, "--fps", "12"]) == 2  # strict: unsupported
    assert main([*ARGS, "--option", "nope=1"]) == 2
    assert main([*ARGS, "--option", "novalue"]) == 2
    assert cli.counts["submit_calls"] == 0


def test_refusals_and_transient_failures_have_their_exit_codes(cli, capsys):
    from fakeservice import HttpAnswer

    import videogate

    cli.submit_faults.append(HttpAnswer(401, "bad key"))
    assert main([*ARGS, "--json"]) == 3
    out, err = capsys.readouterr()
    assert json.loads(out)["error"] == "AuthenticationError"
    assert "AuthenticationError" in err

    cli.fail_tasks_with = videogate.ContentRejected("unsafe output")
    assert main(ARGS) == 3
    cli.fail_tasks_with = None

    cli.submit_faults.extend(HttpAnswer(503, "down") for _ in range(10))
    assert main([*ARGS, "--json"]) == 4
    out, _ = capsys.readouterr()
    data = json.loads(out)
    assert data["error"] == "ProviderUnavailable" and data["retryable"] is True


def test_jobs_and_resume(cli, capsys, tmp_path):
    assert main([*ARGS, "--json"]) == 0
    job = json.loads(capsys.readouterr().out)
    assert main(["jobs", "--json"]) == 0
    listed = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert listed[0]["task"]["task_id"] == job["task_id"]
    assert listed[0]["state"] == "succeeded"
    artifact = listed[0]["artifact"]
    assert artifact["sha256"] == job["sha256"] and artifact["url"] == job["video_url"]
    assert artifact["probe"]["codec"] == "h264" and artifact["probe"]["frames"] == 8
    assert (artifact["probe"]["width"], artifact["probe"]["height"]) == (64, 48)
    assert main(["jobs"]) == 0
    listing = capsys.readouterr().out
    assert job["video_url"] in listing and "h264 64x48 8 fps 1 s 8 frames" in listing
    assert main(["resume", listed[0]["job_id"], "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["task_id"] == job["task_id"]
    assert main(["resume"]) == 0
    assert cli.counts["submit_calls"] == 1


CHILD = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, {here!r})
    from pathlib import Path
    from enginekit import FAST_POLLS, make_config
    from fakeservice import FakeProvider, FakeService
    from videogate._cli import generate, main
    from videogate._engine.engine import Engine
    from videogate._plugins.registry import load_registry

    service = FakeService(Path({root!r}) / "svc", path=Path({state!r}))
    service.hold = True
    service.cancel_mode = {mode!r}
    generate.make_engine = lambda args: Engine(
        make_config(Path({root!r})), registry=load_registry(entrypoints=False),
        providers={{"fake": FakeProvider(service)}}, poll_policy=FAST_POLLS)
    sys.exit(main({args!r}))
    """
)


@pytest.mark.parametrize(
    ("mode", "said"),
    [("cancel", "the provider stopped the task"), ("pending_only", "too late")],
)
def test_ctrl_c_cancels_cleanly_and_exits_130(tmp_path, mode, said):
    here = str(Path(__file__).parent)
    state = tmp_path / "svc.json"
    code = CHILD.format(here=here, root=str(tmp_path), state=str(state), mode=mode, args=ARGS)
    child = subprocess.Popen(
        [sys.executable, "-c", code],
        stderr=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": here},
    )
    try:
        deadline = time.monotonic() + 30
        while not (state.exists() and FakeService(tmp_path / "svc", path=state).counts["polls"]):
            assert time.monotonic() < deadline and child.poll() is None
            time.sleep(0.02)
        child.send_signal(signal.SIGINT)
        _out, err = child.communicate(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.communicate()
    assert child.returncode == 130, err
    assert said in err
    assert FakeService(tmp_path / "svc", path=state).counts["accepted"] == 1


def test_contract_test_runs_the_suite_on_an_installed_provider(tmp_path):
    """``videogate contract-test kenburns`` runs the suite in a child pytest and passes."""
    out = subprocess.run(
        [VIDEOGATE, "contract-test", "kenburns", "--", "-q", "-k", "cache_key"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert re.search(r"\d+ passed", out.stdout), out.stdout


def test_contract_test_of_an_unknown_provider_fails(tmp_path):
    out = subprocess.run(
        [VIDEOGATE, "contract-test", "no-such-provider"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
    )
    assert out.returncode != 0
    assert "no-such-provider" in out.stdout + out.stderr


def test_verbose_logs_each_retry_with_its_wait_and_masks_secrets(cli, capsys):
    from fakeservice import HttpAnswer

    cli.poll_faults.append(HttpAnswer(503, "busy"))
    assert main([*ARGS, "-v"]) == 0
    _, err = capsys.readouterr()
    assert re.search(r"INFO job \S+: poll failed \(.*\); retrying in \d+\.\d+ s", err), err
    assert "submitted to fake" in err


def test_quiet_hides_progress_and_debug_shows_polls(cli, capsys):
    assert main([*ARGS, "-q", "--seed", "1"]) == 0
    out, err = capsys.readouterr()
    assert "video:" in out and "job:" in out and err == ""
    assert main(["-vv", *ARGS, "--seed", "2"]) == 0
    _, err = capsys.readouterr()
    assert re.search(r"DEBUG job \S+: poll \d+ of task \S+: \w+ \(\d+\.\d+ s\)", err), err


def test_json_result_has_the_job_id_of_the_journal(cli, capsys, tmp_path):
    assert main([*ARGS, "--json", "--seed", "9"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["job_id"]
    assert main(["jobs", "--json", "--config", str(_config_file(tmp_path))]) == 0
    jobs = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert data["job_id"] in [j["job_id"] for j in jobs]
    assert all("T" in j["created_at"] for j in jobs)  # ISO 8601, not epoch seconds


def _config_file(tmp_path):
    path = tmp_path / "jobs.toml"
    path.write_text(f'state_dir = "{tmp_path / "output"}"\n', encoding="utf-8")
    return path


def test_output_flag_copies_to_a_file_or_into_a_folder(cli, capsys, tmp_path):
    assert main([*ARGS, "--seed", "3", "-o", str(tmp_path / "a" / "clip.mp4")]) == 0
    assert (tmp_path / "a" / "clip.mp4").stat().st_size > 0
    (tmp_path / "folder").mkdir()
    assert main([*ARGS, "--seed", "4", "--json", "-o", str(tmp_path / "folder")]) == 0
    data = json.loads(capsys.readouterr().out.splitlines()[-1])
    saved = Path(data["saved_to"])
    assert (
        saved.parent == tmp_path / "folder"
        and saved.read_bytes() == Path(data["video_url"].removeprefix("file://")).read_bytes()
    )


def test_timings_total_covers_every_phase(cli, capsys):
    assert main([*ARGS, "--json", "--seed", "11"]) == 0
    timings = json.loads(capsys.readouterr().out)["timings"]
    phases = ("queued", "running", "downloading", "storing")
    assert timings["total"] + 1e-6 >= max(timings[p] for p in phases)
