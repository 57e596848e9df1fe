"""Submit, poll and cancel through the real SDK against the emulator: every task status."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import av
import pytest
import requests
from PIL import Image

from videogate import (
    CancelOutcome,
    ContentRejected,
    InvalidRequest,
    TaskExpired,
    TaskFailed,
    TaskRef,
    TaskStatus,
)


def _probe(url):
    data = requests.get(url, timeout=30).content
    with av.open(io.BytesIO(data)) as container:
        video = container.streams.video[0]
        return {
            "codec": video.codec_context.name,
            "fps": float(video.average_rate),
            "frames": video.frames,
            "duration": float(container.duration / 1e6),
            "size": (video.width, video.height),
            "audio": bool(container.streams.audio),
        }


def test_stage_uploads_once_and_submit_sends_the_staged_url(emu, provider, request_for, photo):
    native = provider.prepare(request_for(reference_image=str(photo)))
    staged = provider.stage(native)
    assert staged["image"]["kind"] == "url"
    assert staged["image"]["value"].startswith("oss://dashscope-instant/")
    assert native["image"]["kind"] == "path"  # the prepared parameters are not changed
    assert emu.stats()["uploads"] == 1 and emu.stats()["submissions"] == 0
    provider.submit(staged)
    assert emu.submitted[-1]["input"]["img_url"] == staged["image"]["value"]
    assert emu.stats()["uploads"] == 1 and emu.stats()["submissions"] == 1


def test_stage_of_a_vanished_file_is_an_invalid_request(emu, provider, request_for, photo):
    native = provider.prepare(request_for(reference_image=str(photo)))
    photo.unlink()
    with pytest.raises(InvalidRequest, match="file not found"):
        provider.stage(native)
    assert emu.stats()["policies"] == 0


@pytest.mark.parametrize("kind", ["url", "path", "bytes"])
def test_each_kind_of_reference_image_reaches_the_service(emu, provider, request_for, photo, kind):
    image = {
        "url": "https://example.com/photo.png",
        "path": str(photo),
        "bytes": photo.read_bytes(),
    }[kind]
    task = provider.submit(provider.prepare(request_for(reference_image=image)))
    sent = emu.submitted[-1]
    img_url = sent["input"]["img_url"]
    if kind == "url":
        assert img_url == "https://example.com/photo.png"
        assert emu.stats()["uploads"] == 0
    elif kind == "path":
        assert img_url.startswith("oss://dashscope-instant/") and img_url.endswith("/photo.png")
        assert sent["oss_resolve"] is True
        assert emu.stats()["uploads"] == 1
        assert emu.stats()["policies"] == 1
    else:
        assert img_url.startswith("data:image/png;base64,")
        assert emu.stats()["uploads"] == 0
    assert sent["parameters"]["resolution"] == "720P"
    assert sent["parameters"]["audio"] is False
    state = provider.poll(task)
    assert state.status is TaskStatus.SUCCEEDED
    assert emu.stats()["submissions"] == 1
    assert emu.stats()["ignored_parameters"] == []


def test_succeeded_output_and_the_video_it_points_to(emu, provider, request_for, tmp_path):
    portrait = tmp_path / "portrait.jpg"
    Image.new("RGB", (750, 1000), (20, 120, 200)).save(portrait)
    request = request_for(reference_image=str(portrait), size="832*1104", duration=3)
    task = provider.submit(provider.prepare(request))
    state = provider.poll(task)
    assert state.status is TaskStatus.SUCCEEDED
    output = state.output
    assert output.url.startswith(emu.origin)
    assert output.fps == 30.0
    assert output.duration == 3.0
    assert output.seed is None  # the service does not echo it
    assert output.usage["SR"] == 720
    assert output.usage["audio"] is False
    now = datetime.now(UTC)
    assert now + timedelta(hours=23) < output.expires_at < now + timedelta(hours=25)
    probe = _probe(output.url)
    assert probe["codec"] == "h264"
    assert probe["fps"] == 30.0
    assert probe["frames"] == 90
    assert probe["duration"] == pytest.approx(3.0, abs=0.05)
    assert probe["size"] == (832, 1104)
    assert probe["audio"] is False


def test_audio_option_yields_an_audio_track(emu, provider, request_for):
    request = request_for(duration=2, options={"wan": {"audio": True}})
    state = provider.poll(provider.submit(provider.prepare(request)))
    assert state.output.usage["audio"] is True
    assert _probe(state.output.url)["audio"] is True


def test_pending_then_running_then_succeeded(emu, provider, request_for):
    emu.configure(pending_seconds=0.4, running_seconds=0.4)
    task = provider.submit(provider.prepare(request_for(duration=2)))
    first = provider.poll(task)
    assert first.status is TaskStatus.QUEUED and first.remote_queued
    emu.task(task.task_id).created -= 0.4
    assert provider.poll(task).status is TaskStatus.RUNNING
    emu.task(task.task_id).created -= 0.4
    assert provider.poll(task).status is TaskStatus.SUCCEEDED


@pytest.mark.parametrize(
    ("code", "message", "error_class", "retryable"),
    [
        ("InternalError", "An internal error has occured.", TaskFailed, True),
        ("InvalidParameter", "The size is not match xxxxxx", TaskFailed, False),
        (
            "DataInspectionFailed",
            "Output data may contain inappropriate content.",
            ContentRejected,
            False,
        ),
        (
            "IPInfringementSuspect",
            "Input data is suspected of infringement.",
            ContentRejected,
            False,
        ),
    ],
)
def test_failed_tasks_carry_the_right_error(
    emu, provider, request_for, code, message, error_class, retryable
):
    emu.inject("fail", code=code, message=message)
    task = provider.submit(provider.prepare(request_for()))
    state = provider.poll(task)
    assert state.status is TaskStatus.FAILED
    assert type(state.error) is error_class
    assert state.error.retryable is retryable
    assert state.error.code == code
    assert state.error.task_id == task.task_id
    assert message in str(state.error)


def test_output_moderation_rejects(emu, provider, request_for):
    emu.inject("reject_output")
    state = provider.poll(provider.submit(provider.prepare(request_for())))
    assert isinstance(state.error, ContentRejected)


def test_unknown_and_expired_tasks(emu, provider, request_for):
    state = provider.poll(TaskRef(task_id="no-such-task", provider="wan"))
    assert state.status is TaskStatus.FAILED
    assert isinstance(state.error, TaskExpired)
    emu.inject("unknown")
    task = provider.submit(provider.prepare(request_for()))
    assert isinstance(provider.poll(task).error, TaskExpired)
    emu.configure(task_ttl=0.0)
    task = provider.submit(provider.prepare(request_for()))
    assert isinstance(provider.poll(task).error, TaskExpired)


def test_cancel_while_pending(emu, provider, request_for):
    emu.inject("stuck", state="PENDING")
    task = provider.submit(provider.prepare(request_for()))
    assert provider.cancel(task) is CancelOutcome.CANCELLED
    assert provider.poll(task).status is TaskStatus.CANCELLED
    assert emu.stats()["cancelled"] == 1


def test_cancel_too_late_while_running(emu, provider, request_for):
    emu.inject("stuck", state="RUNNING")
    task = provider.submit(provider.prepare(request_for()))
    assert provider.poll(task).status is TaskStatus.RUNNING
    assert provider.cancel(task) is CancelOutcome.TOO_LATE
    assert provider.poll(task).status is TaskStatus.RUNNING


def test_cancel_failures_are_unknown(emu, provider, request_for, make_provider):
    emu.inject("stuck", state="PENDING")
    task = provider.submit(provider.prepare(request_for()))
    emu.inject("error", endpoint="cancel", status=500)
    assert provider.cancel(task) is CancelOutcome.UNKNOWN
    emu.inject("reset", endpoint="cancel")
    assert provider.cancel(task) is CancelOutcome.UNKNOWN
    emu.api_keys = {"another-key-0000"}
    assert provider.cancel(task) is CancelOutcome.UNKNOWN
    emu.api_keys = None
    assert provider.poll(task).status is TaskStatus.QUEUED
    assert provider.cancel(task) is CancelOutcome.CANCELLED
