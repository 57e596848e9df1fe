"""Where a result's bytes land: inside a local store (stored by a rename), else staged and
uploaded; a local render is copied in the pass that hashes it and left in place."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from videogate import MalformedResponse, TaskOutput
from videogate._artifacts.fsspec_storage import FsspecStorage
from videogate._artifacts.landing import landing
from videogate._plugins.config import StorageConfig


def files_under(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def test_local_store_moves_the_landed_file(tmp_path):
    storage = FsspecStorage(str(tmp_path / "store"))
    data = b"\x00\x00\x00\x18ftypisom" + os.urandom(4096)
    sha = hashlib.sha256(data).hexdigest()
    with landing(storage, "job-1") as land:
        assert land.in_store
        assert Path(land.path).parent == tmp_path / "store" / "job-1"
        Path(land.path).write_bytes(data)
        inode = os.stat(land.path).st_ino
        land.store(storage, land.path, "job-1/video.mp4", sha, len(data))
        assert not os.path.exists(land.path)
    final = tmp_path / "store" / "job-1" / "video.mp4"
    assert final.read_bytes() == data
    assert final.stat().st_ino == inode  # renamed, not copied
    assert files_under(tmp_path / "store") == ["job-1/video.mp4"]


def test_remote_store_lands_outside_and_uploads(tmp_path):
    storage = FsspecStorage("memory://landing-test/videos")
    data = b"\x00\x00\x00\x18ftypisom" + os.urandom(4096)
    with landing(storage, "job-1", staging_dir=str(tmp_path)) as land:
        assert not land.in_store and Path(land.path).parent.parent == tmp_path
        Path(land.path).write_bytes(data)
        land.store(
            storage, land.path, "job-1/video.mp4", hashlib.sha256(data).hexdigest(), len(data)
        )
    with storage.open("job-1/video.mp4") as fh:
        assert fh.read() == data
    assert list(tmp_path.iterdir()) == []


def test_failure_leaves_nothing_in_a_local_store(tmp_path):
    storage = FsspecStorage(str(tmp_path / "store"))
    with pytest.raises(RuntimeError), landing(storage, "job-1") as land:
        Path(land.path).write_bytes(b"partial")
        raise RuntimeError("download failed")
    assert list((tmp_path / "store").iterdir()) == []


def test_http_result_is_moved_into_a_local_store(tmp_path, http_server, make_video, fast_retry):
    from videogate._artifacts.finalize import finalize

    data = make_video(fps=24, frames=12).read_bytes()
    url, _ = http_server.add("/result.mp4", data)
    storage = FsspecStorage(str(tmp_path / "store"))
    artifact = finalize(
        TaskOutput(url=url),
        storage=storage,
        job_id="job-1",
        config=StorageConfig(),
        retry=fast_retry,
        staging_dir=str(tmp_path / "staging-unused"),
    )
    assert artifact.sha256 == hashlib.sha256(data).hexdigest()
    assert files_under(tmp_path / "store") == [artifact.key]
    assert (tmp_path / "store" / artifact.key).read_bytes() == data
    assert not (tmp_path / "staging-unused").exists()


def test_local_render_is_copied_and_kept(tmp_path, make_video):
    from videogate._artifacts.finalize import finalize

    render = make_video(fps=24, frames=12)
    data = render.read_bytes()
    storage = FsspecStorage(str(tmp_path / "store"))
    artifact = finalize(
        TaskOutput(url=render.as_uri()), storage=storage, job_id="job-1", config=StorageConfig()
    )
    assert render.read_bytes() == data  # the provider's own file is not taken
    assert (tmp_path / "store" / artifact.key).read_bytes() == data
    assert artifact.sha256 == hashlib.sha256(data).hexdigest()
    assert files_under(tmp_path / "store") == [artifact.key]


def test_local_render_that_is_not_a_video_leaves_nothing(tmp_path):
    from videogate._artifacts.finalize import finalize

    page = tmp_path / "page.mp4"
    page.write_bytes(b"<!DOCTYPE html><html></html>")
    storage = FsspecStorage(str(tmp_path / "store"))
    with pytest.raises(MalformedResponse):
        finalize(TaskOutput(url=page.as_uri()), storage=storage, job_id="j", config=StorageConfig())
    assert list((tmp_path / "store").iterdir()) == []
