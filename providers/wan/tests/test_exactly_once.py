"""Never paid twice, across processes and crashes: real ``videogate`` subprocesses against
the DashScope emulator (the real SDK over loopback HTTP), sharing one state folder.

- N processes with the same request at once: one submission, one video for all;
- ``kill -9`` at every point of a job, then the same ``generate`` (or ``resume``): still one
  submission, the video delivered; an in-flight submit with two candidate tasks is reported
  with the command that adopts one;
- each lost submit answer (reset after send, read timeout, unreadable answer): exit 4, a
  ``task_unknown`` row, and ``resume`` adopting the task through the task list.

The tests marked ``backends`` run twice: on the embedded SQLite state and on a real
PostgreSQL server (``[state] url``), where the claims live in the server's journal.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlparse

import pytest

from videogate_wan.emulator.testing import running_emulator

pytestmark = pytest.mark.slow

VIDEOGATE = str(Path(sys.executable).with_name("videogate"))
PROMPT = "a red square slowly turning"


@pytest.fixture
def emu():
    # Tasks take ~1 s (0.3 s pending + 0.7 s running) so that jobs overlap.
    with running_emulator(pending_seconds=0.3, running_seconds=0.7) as emulator:
        yield emulator


BACKENDS = pytest.mark.parametrize("backend", ["sqlite", "postgresql"], indirect=True)


@pytest.fixture
def backend(request):
    """The state backend of the test: ``sqlite`` unless parametrized (see ``BACKENDS``)."""
    return getattr(request, "param", "sqlite")


@pytest.fixture
def world(tmp_path, photo, emu, backend, request):
    """Environment, config and helpers shared by the processes of one test."""
    url = request.getfixturevalue("postgres_url") if backend == "postgresql" else None
    return World(tmp_path, photo, emu, url)


class World:
    def __init__(self, root: Path, photo: Path, emu, state_url: str | None = None) -> None:
        self.root = root
        self.photo = photo
        self.emu = emu
        self.state_url = state_url
        self.config = root / "videogate.toml"
        self.write_config()
        self.env = {
            **os.environ,
            "DASHSCOPE_API_KEY": "sk-emulated-key-for-tests",
            "OUTPUT_DIR": str(root / "output"),
            "VIDEOGATE_CONFIG": str(self.config),
        }

    def write_config(self, extra: str = "") -> None:
        self.config.write_text(
            'default_provider = "wan"\n'
            f'state_dir = "{self.root / "state"}"\n'
            "poll_interval_min = 0.05\npoll_interval_max = 0.2\n"
            "[providers.wan]\n"
            'plugin = "wan"\n'
            f'base_url = "{self.emu.base_url}"\n'
            + extra
            + (f'[state]\nurl = "{self.state_url}"\n' if self.state_url else ""),
            encoding="utf-8",
        )

    def generate_args(self, *extra: str) -> list[str]:
        return [
            VIDEOGATE,
            "generate",
            "--image",
            str(self.photo),
            "--prompt",
            PROMPT,
            "--duration",
            "2",
            "--fps",
            "30",
            "--size",
            "1280*720",
            "--seed",
            "11",
            "--json",
            *extra,
        ]

    def start(self, args: list[str]) -> subprocess.Popen[str]:
        return subprocess.Popen(
            args,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=self.env,
            cwd=self.root,
        )

    def run(self, args: list[str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            args, capture_output=True, text=True, env=self.env, cwd=self.root, timeout=timeout
        )

    def rows(self) -> list[dict]:
        if self.state_url:
            import psycopg

            with psycopg.connect(self.state_url) as conn:
                found = conn.execute("SELECT to_regclass('videogate_jobs')").fetchone()
                if found is None or found[0] is None:
                    return []
                return [json.loads(r[0]) for r in conn.execute("SELECT data FROM videogate_jobs")]
        path = self.root / "state" / "videogate.sqlite3"
        if not path.exists():
            return []
        db = sqlite3.connect(path, timeout=30)
        try:
            return [json.loads(r[0]) for r in db.execute("SELECT data FROM videogate_jobs")]
        except sqlite3.OperationalError:  # not created yet
            return []
        finally:
            db.close()

    def submissions(self) -> int:
        self.emu.settle()
        return int(self.emu.stats()["submissions"])


def _video(result: dict) -> Path:
    path = Path(urlparse(result["video_url"]).path)
    assert path.is_file() and path.stat().st_size > 0
    return path


def _wait(condition: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.01)


# -- many processes, one payment --------------------------------------------------------------


@pytest.mark.parametrize(
    ("n", "backend"),
    [(2, "sqlite"), (4, "sqlite"), (8, "sqlite"), (4, "postgresql")],
    indirect=["backend"],
)
def test_n_processes_with_the_same_request_pay_once(world, n):
    processes = [world.start(world.generate_args()) for _ in range(n)]
    outputs = [p.communicate(timeout=180) for p in processes]
    for process, (_out, err) in zip(processes, outputs, strict=True):
        assert process.returncode == 0, err
        assert "database is locked" not in err
    results = [json.loads(out) for out, _ in outputs]
    assert world.submissions() == 1
    assert len({r["video_url"] for r in results}) == 1
    assert len({r["task_id"] for r in results}) == 1
    _video(results[0])


@BACKENDS
def test_no_cache_still_follows_the_job_in_flight(world):
    first = world.start(world.generate_args())
    _wait(lambda: world.emu.stats()["submissions"] == 1)
    second = world.run(world.generate_args("--no-cache"))
    out, err = first.communicate(timeout=120)
    assert first.returncode == 0, err
    assert second.returncode == 0, second.stderr
    assert json.loads(second.stdout)["video_url"] == json.loads(out)["video_url"]
    assert world.submissions() == 1
    # Once nothing is in flight, --no-cache pays for a new video.
    third = world.run(world.generate_args("--no-cache"))
    assert third.returncode == 0, third.stderr
    assert world.submissions() == 2


# -- kill -9 at every point ---------------------------------------------------------------------

POINTS = [
    "submit_in_flight",
    "submitted_before_first_poll",
    "running",
    "downloading",
    "storing",
    "after_done",
]


def _kill_at(world: World, point: str) -> None:
    """Start a generate and SIGKILL it at ``point``."""
    emu = world.emu
    if point == "submit_in_flight":
        emu.inject("latency", endpoint="submit", after=True, seconds=2)
    elif point == "submitted_before_first_poll":
        emu.inject("latency", endpoint="query", seconds=5)
    elif point == "running":
        emu.configure(running_seconds=2.5)
    elif point == "downloading":
        emu.inject("latency", endpoint="video", seconds=5)
    process = world.start(world.generate_args())
    stats = emu.stats
    if point == "submit_in_flight":
        _wait(lambda: stats()["submissions"] == 1)  # created, its answer not sent yet
    elif point == "submitted_before_first_poll":
        _wait(lambda: stats()["queries"] >= 1)
        assert any(r["state"] == "submitted" for r in world.rows())
    elif point == "running":
        _wait(lambda: stats()["queries"] >= 2 and _task_status(emu) == "RUNNING")
    elif point == "downloading":
        _wait(lambda: stats()["faults_fired"] >= 1)
    elif point == "storing":
        assert process.stderr is not None
        for line in process.stderr:
            if "storing" in line:
                break
    elif point == "after_done":
        _wait(lambda: any(r["state"] == "succeeded" for r in world.rows()))
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=30)
    emu.clear_faults()
    emu.configure(running_seconds=0.7)


def _task_status(emu) -> str | None:
    from videogate_wan.emulator._state import now

    tasks = emu.store.all()
    return tasks[0].status(now()) if tasks else None


@pytest.mark.parametrize("again", ["generate", "resume"])
@pytest.mark.parametrize(
    ("point", "backend"),
    [
        *((p, "sqlite") for p in POINTS),
        ("submit_in_flight", "postgresql"),
        ("running", "postgresql"),
    ],
    indirect=["backend"],
)
def test_a_killed_generate_is_finished_without_paying_twice(world, point, again):
    _kill_at(world, point)
    if again == "generate":
        done = world.run(world.generate_args())
        assert done.returncode == 0, done.stderr
        _video(json.loads(done.stdout))
    else:
        done = world.run([VIDEOGATE, "resume", "--json"])
        assert done.returncode == 0, done.stderr
        (row,) = world.rows()
        assert row["state"] == "succeeded"
        _video(row["result"])
    assert world.submissions() == 1
    leftovers = list((world.root / "output").rglob("*.part"))
    assert leftovers == []


def test_an_in_flight_submit_with_two_candidates_is_reported_then_adopted(world, provider):
    _kill_at(world, "submit_in_flight")
    (row,) = world.rows()
    assert row["state"] == "submitting"
    (ours,) = [t.task_id for t in world.emu.store.all()]
    # Another task of the same model appears in the window (another client of the account).
    from videogate import VideoRequest

    other_request = VideoRequest(
        prompt="another job", duration=2, fps=30, size="1280*720", reference_image=world.photo
    )
    other = provider.submit(provider.prepare(other_request)).task_id
    for command in ([VIDEOGATE, "resume"], world.generate_args()):
        done = world.run(command)
        assert done.returncode == 4, done.stderr
        assert ours in done.stderr and other in done.stderr
        assert f"videogate resume {row['job_id']} --task {ours}" in done.stderr
        (kept,) = [r for r in world.rows() if r["job_id"] == row["job_id"]]
        assert kept["state"] == "task_unknown"
    adopted = world.run([VIDEOGATE, "resume", row["job_id"], "--task", ours, "--json"])
    assert adopted.returncode == 0, adopted.stderr
    result = json.loads(adopted.stdout)
    assert result["task_id"] == ours
    _video(result)
    assert world.submissions() == 2  # ours and the other client's: nothing paid twice
    again = world.run(world.generate_args())
    assert again.returncode == 0 and json.loads(again.stdout)["cached"] is True


# -- lost submit answers ------------------------------------------------------------------------

LOST = {
    "reset_after_send": {"kind": "reset", "endpoint": "submit", "after": True},
    "read_timeout": {"kind": "latency", "endpoint": "submit", "after": True, "seconds": 4},
    "unreadable_answer": {"kind": "malformed", "endpoint": "submit", "after": True},
}


@BACKENDS
@pytest.mark.parametrize("fault", sorted(LOST))
def test_a_lost_submit_answer_exits_4_and_resume_adopts_the_task(world, fault):
    if fault == "read_timeout":
        world.write_config("request_timeout = 1\n")
    spec = dict(LOST[fault])
    world.emu.inject(spec.pop("kind"), **spec)
    done = world.run(world.generate_args())
    assert done.returncode == 4, done.stderr
    assert "TaskMayExist" in done.stderr
    (row,) = world.rows()
    assert row["state"] == "task_unknown"
    assert f"videogate resume {row['job_id']}" in done.stderr
    assert world.submissions() == 1
    lists = world.emu.stats()["lists"]
    resumed = world.run([VIDEOGATE, "resume", row["job_id"], "--json"])
    assert resumed.returncode == 0, resumed.stderr
    result = json.loads(resumed.stdout)
    assert result["task_id"] == world.emu.store.all()[0].task_id
    _video(result)
    assert world.emu.stats()["lists"] > lists
    assert world.submissions() == 1


def test_a_refused_connection_is_not_a_lost_answer(world, tmp_path):
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    world.config.write_text(
        f'default_provider = "wan"\nstate_dir = "{world.root / "state"}"\n'
        '[providers.wan]\nplugin = "wan"\n'
        f'base_url = "http://127.0.0.1:{port}/api/v1"\n[retry]\nattempts = 1\n',
        encoding="utf-8",
    )
    # A local image is uploaded before the job takes a slot: refused there, no job row.
    done = world.run(world.generate_args())
    assert done.returncode == 4, done.stderr  # transient, retryable
    assert "TaskMayExist" not in done.stderr and "nothing billed" in done.stderr
    assert world.rows() == []
    # An image URL needs no upload: the submit itself is refused, the row ends failed.
    args = world.generate_args()
    args[args.index("--image") + 1] = "https://images.example/photo.png"
    done = world.run(args)
    assert done.returncode == 4, done.stderr
    assert "TaskMayExist" not in done.stderr
    (row,) = world.rows()
    assert row["state"] == "failed"  # nothing was sent: nothing to reconcile


# -- fail before paying -------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["gs://bucket/videos", "s3://bucket/videos"])
def test_storage_that_cannot_work_fails_before_any_submit(world, tmp_path, url):
    world.write_config(f'[storage]\nurl = "{url}"\n')
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE", "AWS_SESSION_TOKEN"):
        world.env.pop(var, None)
    world.env.update(
        AWS_EC2_METADATA_DISABLED="true",
        AWS_CONFIG_FILE=str(tmp_path / "none"),
        AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "none"),
    )
    done = world.run(world.generate_args())
    assert done.returncode == 2, done.stderr
    assert "storage.url" in done.stderr
    stats = world.emu.stats()
    assert stats["submissions"] == 0 and stats["submit_requests"] == 0
