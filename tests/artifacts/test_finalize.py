"""finalize(): provider output -> checked, probed, (conformed,) atomically stored video."""

from __future__ import annotations

import hashlib
from concurrent.futures import ThreadPoolExecutor

import pytest

from videogate import JobPhase, MalformedResponse, Size, TaskOutput, probe_video
from videogate._artifacts.finalize import ConformTarget, finalize, object_key
from videogate._plugins.config import StorageConfig

HTML = b"<!DOCTYPE html><html><body>Signature expired</body></html>"


def stored_bytes(storage, key: str) -> bytes:
    with storage.open(key) as fh:
        return fh.read()


def all_objects(storage) -> list[str]:
    try:
        return sorted(storage.fs.find(storage.root, withdirs=False))
    except FileNotFoundError:
        return []


def test_http_result_is_stored_under_job_and_content_hash(
    storage, http_server, make_video, fast_retry
):
    data = make_video(fps=24, frames=12).read_bytes()
    url, _ = http_server.add("/result.mp4", data)
    phases: list[JobPhase] = []
    artifact = finalize(
        TaskOutput(url=url + "?Expires=1&Signature=abc"),
        storage=storage,
        job_id="job-1",
        config=StorageConfig(),
        on_phase=phases.append,
        retry=fast_retry,
    )
    sha = hashlib.sha256(data).hexdigest()
    assert artifact.key == f"job-1/{sha[:16]}.mp4" == object_key("job-1", sha, "mp4")
    assert artifact.sha256 == sha and artifact.size_bytes == len(data)
    assert stored_bytes(storage, artifact.key) == data
    assert artifact.url == storage.url_for(artifact.key)
    assert (artifact.probe.fps, artifact.probe.frames, artifact.probe.size) == (
        24.0,
        12,
        Size(64, 48),
    )
    assert phases == [JobPhase.DOWNLOADING, JobPhase.STORING]
    assert artifact.warnings == () and artifact.original_key is None
    assert {"downloading", "probing", "storing"} <= set(artifact.timings)


def test_html_instead_of_video_stores_nothing(storage, http_server, fast_retry):
    url, _ = http_server.add("/result.mp4", HTML, content_type="video/mp4")
    with pytest.raises(MalformedResponse, match="an HTML page"):
        finalize(
            TaskOutput(url=url),
            storage=storage,
            job_id="job-2",
            config=StorageConfig(),
            retry=fast_retry,
        )
    assert all_objects(storage) == []


def test_undecodable_video_stores_nothing(storage, tmp_path):
    """Right magic number, broken content: the probe refuses it before anything is stored."""
    fake = tmp_path / "fake.mp4"
    fake.write_bytes(b"\x00\x00\x00\x18ftypisom" + b"\x00" * 500)
    with pytest.raises(MalformedResponse, match="not a decodable video"):
        finalize(TaskOutput(url=fake.as_uri()), storage=storage, job_id="j", config=StorageConfig())
    assert all_objects(storage) == []


def test_conform_keeps_the_original(storage, make_video):
    clip = make_video(fps=30, frames=30, width=96, height=32)
    artifact = finalize(
        TaskOutput(url=clip.as_uri()),
        storage=storage,
        job_id="job-3",
        config=StorageConfig(keep_original=True, fit="pad"),
        conform=ConformTarget(duration=0.5, fps=24, size=Size(64, 48), fit="pad"),
    )
    assert (artifact.probe.fps, artifact.probe.size, artifact.probe.frames) == (
        24.0,
        Size(64, 48),
        12,
    )
    assert {w.field for w in artifact.warnings} == {"fps", "size", "duration"}
    original = hashlib.sha256(clip.read_bytes()).hexdigest()
    assert artifact.original_key == f"job-3/{original[:16]}.original.mp4"
    assert stored_bytes(storage, artifact.original_key) == clip.read_bytes()
    assert artifact.original_url == storage.url_for(artifact.original_key)
    conformed = stored_bytes(storage, artifact.key)
    assert hashlib.sha256(conformed).hexdigest() == artifact.sha256
    assert artifact.key == f"job-3/{artifact.sha256[:16]}.mp4"
    assert "conforming" in artifact.timings


def test_conform_can_drop_the_original(storage, make_video, tmp_path):
    clip = make_video(fps=30, frames=15)
    artifact = finalize(
        TaskOutput(url=clip.as_uri()),
        storage=storage,
        job_id="job-4",
        config=StorageConfig(keep_original=False),
        conform=ConformTarget(duration=0.5, fps=24, size=Size(64, 48)),
    )
    assert artifact.original_key is None
    assert any("not kept" in w.message for w in artifact.warnings)
    assert len(all_objects(storage)) == 1
    local = tmp_path / "check.mp4"
    local.write_bytes(stored_bytes(storage, artifact.key))
    assert probe_video(local).frames == 12


def test_conform_is_skipped_when_the_file_already_matches(storage, make_video):
    clip = make_video(fps=24, frames=12)
    artifact = finalize(
        TaskOutput(url=clip.as_uri()),
        storage=storage,
        job_id="job-5",
        config=StorageConfig(),
        conform=ConformTarget(duration=0.5, fps=24, size=Size(64, 48)),
    )
    assert artifact.warnings == ()
    assert artifact.original_key is None
    assert stored_bytes(storage, artifact.key) == clip.read_bytes()


def test_finishing_a_job_twice_writes_one_object(storage, make_video):
    """A resumed job finalizes again: same key, still one object."""
    clip = make_video()
    first = finalize(
        TaskOutput(url=clip.as_uri()), storage=storage, job_id="job-6", config=StorageConfig()
    )
    second = finalize(
        TaskOutput(url=clip.as_uri()), storage=storage, job_id="job-6", config=StorageConfig()
    )
    assert first.key == second.key and first.sha256 == second.sha256
    assert len(all_objects(storage)) == 1


def test_concurrent_finalize(storage, make_video):
    """Several jobs finish at once in worker threads, as the engine runs them."""
    clips = [make_video(f"c{i}.mp4", frames=4 + i) for i in range(4)]
    with ThreadPoolExecutor(4) as pool:
        artifacts = list(
            pool.map(
                lambda pair: finalize(
                    TaskOutput(url=pair[1].as_uri()),
                    storage=storage,
                    job_id=f"job-{pair[0]}",
                    config=StorageConfig(),
                ),
                enumerate(clips),
            )
        )
    assert [a.probe.frames for a in artifacts] == [4, 5, 6, 7]
    assert len(all_objects(storage)) == 4


def test_job_ids_are_made_safe_for_keys(storage, make_video):
    clip = make_video()
    artifact = finalize(
        TaskOutput(url=clip.as_uri()),
        storage=storage,
        job_id="../weird id:1",
        config=StorageConfig(),
    )
    assert artifact.key.startswith("weird_id_1/")
