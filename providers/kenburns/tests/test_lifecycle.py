"""submit / poll / cancel / close: progress, cancelling for real, bad images refused before
any work, renders resumed by another process, and reference images fetched over HTTP."""

from __future__ import annotations

import http.server
import threading
import time
import zlib
from pathlib import Path

import numpy as np
import pytest
from kb_helpers import decode, local_path, wait

from videogate import (
    CancelOutcome,
    InvalidRequest,
    ProviderUnavailable,
    TaskFailed,
    TaskRef,
    TaskStatus,
    VideoRequest,
)
from videogate_kenburns import KenBurnsProvider


def _long_request(picture) -> VideoRequest:
    return VideoRequest(
        prompt="p",
        duration=60,
        fps=30,
        size="640*360",
        reference_image=picture((640, 360), name="long.png"),
    )


def _files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_cancel_stops_the_render_and_leaves_no_file(picture, provider, work_dir):
    task = provider.submit(provider.prepare(_long_request(picture)))
    deadline = time.monotonic() + 30
    while not any(n.endswith(".part") for n in _files(work_dir)) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert any(name.endswith(".part") for name in _files(work_dir)), "it is writing"
    state = provider.poll(task)
    assert state.status is TaskStatus.RUNNING
    assert 0 < state.progress < 1
    assert provider.cancel(task) is CancelOutcome.CANCELLED
    assert _files(work_dir) == [], "no partial file is left"
    state = provider.poll(task)
    assert state.status is TaskStatus.CANCELLED
    frozen = provider._tasks[task.task_id]._done
    assert 0 < frozen < 1800, "it stopped part-way"
    time.sleep(0.3)
    assert provider._tasks[task.task_id]._done == frozen, "and stays stopped"


def test_cancel_of_a_queued_render_means_it_never_runs(picture, tmp_path):
    provider = KenBurnsProvider(workers=1, work_dir=str(tmp_path / "w"))
    try:
        first = provider.submit(provider.prepare(_long_request(picture)))
        queued = provider.submit(provider.prepare(_long_request(picture)))
        assert provider.poll(queued).status is TaskStatus.QUEUED
        assert provider.poll(queued).remote_queued
        assert provider.cancel(queued) is CancelOutcome.CANCELLED
        assert provider.poll(queued).status is TaskStatus.CANCELLED
        assert provider.cancel(first) is CancelOutcome.CANCELLED
        assert _files(tmp_path / "w") == []
    finally:
        provider.close()


def test_start_delay_keeps_the_render_queued_then_renders(picture, tmp_path, work_dir):
    provider = KenBurnsProvider(work_dir=str(work_dir), start_delay=0.4)
    try:
        request = VideoRequest(
            prompt="p", duration=1, fps=4, size="64*48", reference_image=picture()
        )
        began = time.monotonic()
        task = provider.submit(provider.prepare(request))
        first = provider.poll(task)
        assert first.status is TaskStatus.QUEUED and first.remote_queued
        state, _ = wait(provider, task)
        assert state.status is TaskStatus.SUCCEEDED
        assert time.monotonic() - began >= 0.4, "it waited in the queue first"
        assert local_path(state.output.url).is_file()
    finally:
        provider.close()


def test_cancel_and_close_end_the_start_delay_at_once(picture, work_dir):
    provider = KenBurnsProvider(work_dir=str(work_dir), start_delay=3600)
    request = VideoRequest(prompt="p", duration=1, fps=4, size="64*48", reference_image=picture())
    try:
        first = provider.submit(provider.prepare(request))
        second = provider.submit(provider.prepare(request))
        time.sleep(0.1)
        assert provider.poll(first).status is TaskStatus.QUEUED
        began = time.monotonic()
        assert provider.cancel(first) is CancelOutcome.CANCELLED
        assert provider.poll(first).status is TaskStatus.CANCELLED
        assert time.monotonic() - began < 5
    finally:
        began = time.monotonic()
        provider.close()
    assert time.monotonic() - began < 5, "close does not wait out the delay"
    assert provider._tasks[second.task_id].status() is TaskStatus.CANCELLED
    assert _files(work_dir) == []


def test_cancel_after_success_is_too_late(picture, provider):
    request = VideoRequest(prompt="p", duration=1, fps=4, size="64*48", reference_image=picture())
    task = provider.submit(provider.prepare(request))
    state, _ = wait(provider, task)
    assert provider.cancel(task) is CancelOutcome.TOO_LATE
    assert provider.poll(task).status is TaskStatus.SUCCEEDED
    assert local_path(state.output.url).is_file()


def test_close_stops_renders_and_removes_files(picture, provider, work_dir):
    small = VideoRequest(prompt="p", duration=1, fps=4, size="64*48", reference_image=picture())
    done = provider.submit(provider.prepare(small))
    wait(provider, done)
    provider.submit(provider.prepare(_long_request(picture)))
    provider.close()
    assert _files(work_dir) == []
    with pytest.raises(TaskFailed, match="closed"):
        provider.submit(provider.prepare(small))


# -- bad images -----------------------------------------------------------------------------


def _png_header(width: int, height: int) -> bytes:
    """A PNG whose header claims ``width`` x ``height`` (the pixel data is a stub)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return len(data).to_bytes(4, "big") + body + zlib.crc32(body).to_bytes(4, "big")

    ihdr = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([8, 2, 0, 0, 0])
    idat = zlib.compress(b"\x00" * 64)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def _truncated(tmp_path: Path, picture) -> Path:
    whole = picture((320, 180)).read_bytes()
    path = tmp_path / "truncated.png"
    path.write_bytes(whole[: len(whole) // 2])
    return path


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda tmp, pic: tmp / "empty.png", "empty (0 bytes)"),
        (lambda tmp, pic: tmp / "notes.png", "not an image"),
        (_truncated, "truncated or corrupt"),
        (lambda tmp, pic: tmp / "wide.png", "at most 16384 px per side"),
        (lambda tmp, pic: tmp / "many.png", "64 megapixels"),
        (lambda tmp, pic: tmp / "bomb.png", "too many pixels"),
    ],
    ids=["zero-bytes", "not-an-image", "truncated", "huge-side", "too-many-pixels", "bomb"],
)
def test_bad_images_are_refused_before_any_work(tmp_path, picture, provider, work_dir, make, words):
    (tmp_path / "empty.png").write_bytes(b"")
    (tmp_path / "notes.png").write_text("this is not a picture\n" * 20)
    (tmp_path / "wide.png").write_bytes(_png_header(20000, 100))
    (tmp_path / "many.png").write_bytes(_png_header(9000, 8000))
    (tmp_path / "bomb.png").write_bytes(_png_header(16000, 12000))
    request = VideoRequest(
        prompt="p", duration=1, fps=4, size="64*48", reference_image=make(tmp_path, picture)
    )
    native = provider.prepare(request)
    with pytest.raises(InvalidRequest) as info:
        provider.submit(native)
    assert words in str(info.value)
    assert info.value.field == "reference_image"
    assert info.value.provider == "kenburns"
    assert _files(work_dir) == [], "nothing was rendered"


def test_bad_inline_bytes_are_refused(provider):
    request = VideoRequest(
        prompt="p", duration=1, fps=4, size="64*48", reference_image=b"GIF89a garbage"
    )
    with pytest.raises(InvalidRequest, match=r"cannot be read as an image|not an image|corrupt"):
        provider.submit(provider.prepare(request))


def test_an_image_changed_after_the_request_is_refused(picture, provider):
    path = picture()
    request = VideoRequest(prompt="p", duration=1, fps=4, size="64*48", reference_image=path)
    native = provider.prepare(request)
    picture(seed=3)  # same file name, other content
    with pytest.raises(InvalidRequest, match="changed after the request was made"):
        provider.submit(native)


def test_native_parameters_not_from_prepare_are_refused(provider):
    with pytest.raises(InvalidRequest, match="not a render spec"):
        provider.submit({"width": 64})


# -- another process ----------------------------------------------------------------------


def test_another_process_renders_an_unknown_task_again_identically(picture, tmp_path):
    """A job resumed elsewhere: the TaskRef's data suffices to render the same frames."""
    request = VideoRequest(
        prompt="p", duration=1, fps=12, size="160*90", seed=11, reference_image=picture()
    )
    first = KenBurnsProvider(work_dir=str(tmp_path / "a"))
    task = first.submit(first.prepare(request))
    state, _ = wait(first, task)
    original = decode(local_path(state.output.url))
    first.close()  # its file is gone with it
    ref = TaskRef(task_id=task.task_id, provider=task.provider, data=task.data)
    second = KenBurnsProvider(work_dir=str(tmp_path / "b"))
    try:
        again, progress = wait(second, ref)
        assert again.status is TaskStatus.SUCCEEDED
        assert progress[-1] == 1.0
        frames = decode(local_path(again.output.url))
        assert all(np.array_equal(a, b) for a, b in zip(original, frames, strict=True))
    finally:
        second.close()


def test_a_finished_file_is_reused_by_another_process(picture, tmp_path):
    request = VideoRequest(prompt="p", duration=1, fps=4, size="64*48", reference_image=picture())
    first = KenBurnsProvider(work_dir=str(tmp_path / "a"))
    task = first.submit(first.prepare(request))
    wait(first, task)
    second = KenBurnsProvider(work_dir=str(tmp_path / "b"))
    state = second.poll(task)
    assert state.status is TaskStatus.SUCCEEDED
    assert state.output.url == Path(task.data["output"]).as_uri()
    first.close()
    second.close()


def test_a_task_cancelled_here_stays_cancelled(provider):
    ref = TaskRef(task_id="kb-" + "0" * 32, provider="kenburns", data={"spec": {}, "output": ""})
    assert provider.cancel(ref) is CancelOutcome.CANCELLED
    assert provider.poll(ref).status is TaskStatus.CANCELLED


def test_an_unknown_task_without_a_spec_fails_clearly(provider):
    state = provider.poll(TaskRef(task_id="kb-x", provider="kenburns", data={}))
    assert state.status is TaskStatus.FAILED
    assert isinstance(state.error, TaskFailed)
    assert "cannot be rendered again" in state.error.message


# -- reference images over HTTP ---------------------------------------------------------------


@pytest.fixture
def http_images(picture):
    """A loopback HTTP server: ``/picture.png`` exists, anything else is 404."""
    body = picture().read_bytes()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path == "/picture.png":
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            else:
                self.send_error(404)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_url_images_are_fetched_by_submit(http_images, render):
    path, _ = render(
        {
            "prompt": "p",
            "duration": 1,
            "fps": 4,
            "size": "64*48",
            "reference_image": f"{http_images}/picture.png",
        }
    )
    assert len(decode(path)) == 4


def test_url_errors_are_typed(http_images, provider):
    missing = VideoRequest(
        prompt="p", duration=1, fps=4, size="64*48", reference_image=f"{http_images}/nope.png"
    )
    with pytest.raises(InvalidRequest, match="HTTP 404"):
        provider.submit(provider.prepare(missing))
    closed = VideoRequest(
        prompt="p", duration=1, fps=4, size="64*48", reference_image="http://127.0.0.1:9/x.png"
    )
    with pytest.raises(ProviderUnavailable) as info:
        provider.submit(provider.prepare(closed))
    assert info.value.retryable
