"""Storage: streamed, atomic writes on a local folder, memory:// and S3 (moto, loopback)."""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path

import pytest

import videogate
from videogate import ConfigError, StorageError
from videogate._artifacts.backends import open_storage
from videogate._artifacts.fsspec_storage import FsspecStorage
from videogate._artifacts.storage import Storage
from videogate._plugins.config import config_from_dict
from videogate._plugins.registry import make_plugin_manager


class Boom(Exception):
    """Raised by a chunk iterator halfway through."""


def chunks_then_crash(count: int, size: int):
    for index in range(count):
        if index == count // 2:
            raise Boom("crashed mid-upload")
        yield bytes([index % 256]) * size


def leftovers(storage: FsspecStorage) -> list[str]:
    """Every object under the storage root, temporary ones included."""
    try:
        return sorted(storage.fs.find(storage.root, withdirs=False))
    except FileNotFoundError:
        return []


def pending_uploads(storage: FsspecStorage) -> list[object]:
    if "s3" not in storage._protocols:
        return []
    bucket = storage.root.split("/")[0]
    return storage.fs.call_s3("list_multipart_uploads", Bucket=bucket).get("Uploads", [])


def test_put_stream_round_trip(storage):
    """What is written is what is read back; size and sha256 are computed on the way."""
    data = [os.urandom(1000), b"", os.urandom(70_000), b"tail"]
    stored = storage.put_stream(iter(data), "job1/abc.mp4")
    whole = b"".join(data)
    assert stored.key == "job1/abc.mp4"
    assert stored.size_bytes == len(whole)
    assert stored.sha256 == hashlib.sha256(whole).hexdigest()
    assert storage.exists("job1/abc.mp4")
    with storage.open("job1/abc.mp4") as fh:
        assert fh.read() == whole
    assert isinstance(storage, Storage)


def test_put_file_round_trip_multi_part(storage, tmp_path):
    """A file larger than one upload part (8 MiB) arrives whole on every backend."""
    source = tmp_path / "big.bin"
    source.write_bytes(os.urandom(9 << 20))
    stored = storage.put_file(str(source), "j/big.mp4")
    assert stored.size_bytes == source.stat().st_size
    with storage.open("j/big.mp4") as fh:
        assert hashlib.sha256(fh.read()).hexdigest() == stored.sha256
    assert stored.sha256 == hashlib.sha256(source.read_bytes()).hexdigest()


@pytest.mark.parametrize("chunk_size", [1000, 3 << 20])
def test_crash_mid_upload_leaves_nothing(storage, chunk_size):
    """An iterator that raises halfway leaves no object under the final key, no temporary
    object, and (on S3) no pending multipart upload."""
    with pytest.raises(Boom):
        storage.put_stream(chunks_then_crash(6, chunk_size), "job/video.mp4")
    assert not storage.exists("job/video.mp4")
    assert leftovers(storage) == []
    assert pending_uploads(storage) == []


def test_crash_while_replacing_keeps_the_old_object(storage):
    """A failed overwrite leaves the previous complete object in place."""
    storage.put_stream([b"old content"], "k/v.mp4")
    with pytest.raises(Boom):
        storage.put_stream(chunks_then_crash(4, 1 << 20), "k/v.mp4")
    with storage.open("k/v.mp4") as fh:
        assert fh.read() == b"old content"
    assert len(leftovers(storage)) == 1


def test_delete_and_missing_objects(storage):
    storage.put_stream([b"x"], "a/b.mp4")
    storage.delete("a/b.mp4")
    assert not storage.exists("a/b.mp4")
    storage.delete("a/b.mp4")  # absent: not an error
    with pytest.raises(StorageError, match=r"no object a/b\.mp4"):
        storage.open("a/b.mp4")


@pytest.mark.parametrize("key", ["", "/abs.mp4", "../up.mp4", "a/../b", ".hidden", "a//b", "a b"])
def test_unsafe_keys_are_refused(storage, key):
    with pytest.raises(StorageError, match="invalid storage key"):
        storage.put_stream([b"x"], key)


def test_concurrent_writers(storage):
    """Many threads writing different keys at once all succeed."""
    errors: list[BaseException] = []

    def write(index: int) -> None:
        try:
            storage.put_stream([str(index).encode() * 5000], f"c/{index}.mp4")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert all(storage.exists(f"c/{i}.mp4") for i in range(8))


def test_urls_and_local_paths(storage_url):
    url, options = storage_url
    plain = FsspecStorage(url, options=options)
    if url.startswith("s3://"):
        assert plain.url_for("j/x.mp4") == f"{url}/j/x.mp4"
        assert plain.local_path("j/x.mp4") is None
    elif url.startswith("memory://"):
        assert plain.url_for("j/x.mp4").startswith("memory://")
        assert plain.local_path("j/x.mp4") is None
    else:
        stored = plain.put_stream([b"v"], "j/x.mp4")
        assert stored.url == Path(url, "j", "x.mp4").resolve().as_uri()
        assert Path(plain.local_path("j/x.mp4")).read_bytes() == b"v"
    public = FsspecStorage(url, options=options, public_url="https://cdn.example/v/{key}")
    assert public.url_for("j/x.mp4") == "https://cdn.example/v/j/x.mp4"
    wrapped = FsspecStorage(url, options=options, public_url="https://proxy/?u={url}")
    assert wrapped.url_for("j/x.mp4") == "https://proxy/?u=" + plain.url_for("j/x.mp4")


def test_public_url_unknown_placeholder():
    with pytest.raises(ConfigError, match=r"storage.public_url: unknown placeholder \{bucket\}"):
        FsspecStorage("memory://x", public_url="https://{bucket}/{key}")


def test_default_storage_is_output_namespace_videos(tmp_path):
    config = config_from_dict({})
    storage = open_storage(config, "ai-video-wan-video")
    expected = (tmp_path / "output" / "ai-video-wan-video" / "videos").resolve()
    assert storage.base_url == expected.as_uri()
    storage.put_stream([b"x"], "j/a.mp4")
    assert (expected / "j" / "a.mp4").read_bytes() == b"x"


def test_namespace_placeholder_and_file_url(tmp_path):
    config = config_from_dict(
        {
            "storage": {
                "url": f"file://{tmp_path}/media/{{namespace}}",
                "public_url": "https://cdn.example/{namespace}/{key}",
            }
        }
    )
    storage = open_storage(config, "kenburns")
    stored = storage.put_stream([b"x"], "j/a.mp4")
    assert (tmp_path / "media" / "kenburns" / "j" / "a.mp4").is_file()
    assert stored.url == "https://cdn.example/kenburns/j/a.mp4"


def test_s3_from_configuration(s3_bucket, s3_credentials):
    """``[storage] url`` and ``options`` reach a real S3-compatible server."""
    config = config_from_dict(
        {"storage": {"url": f"s3://{s3_bucket}/{{namespace}}/videos", "options": s3_credentials}}
    )
    storage = open_storage(config, "kenburns")
    stored = storage.put_stream([b"abc"], "j/a.mp4")
    assert stored.url == f"s3://{s3_bucket}/kenburns/videos/j/a.mp4"
    import s3fs

    fs = s3fs.S3FileSystem(**s3_credentials)
    assert fs.cat_file(f"{s3_bucket}/kenburns/videos/j/a.mp4") == b"abc"


def test_unknown_or_uninstalled_protocols():
    with pytest.raises(ConfigError, match=r"storage\.url"):
        open_storage(config_from_dict({"storage": {"url": "nosuchproto://x/y"}}), "n")
    with pytest.raises(ConfigError, match=r"oss:// protocol needs a package"):
        open_storage(config_from_dict({"storage": {"url": "oss://bucket/x"}}), "n")


def test_register_storage_hook_adds_a_scheme(tmp_path):
    """A plugin's ``register_storage`` backend serves its scheme, with public_url and options."""
    seen: dict[str, object] = {}

    class Plugin:
        @videogate.hookimpl
        def register_storage(self, register):
            def factory(url, public_url=None, **options):
                seen.update(url=url, public_url=public_url, options=options)
                return FsspecStorage(str(tmp_path / "custom"), public_url=public_url)

            register("vault", factory)

    manager = make_plugin_manager()
    manager.register(Plugin(), name="vault-plugin")
    config = config_from_dict(
        {
            "storage": {
                "url": "vault://shelf/{namespace}",
                "public_url": "https://v/{key}",
                "options": {"token_file": "t"},
            }
        }
    )
    storage = open_storage(config, "kenburns", manager=manager)
    assert seen == {
        "url": "vault://shelf/kenburns",
        "public_url": "https://v/{key}",
        "options": {"token_file": "t"},
    }
    assert storage.put_stream([b"x"], "j/a.mp4").url == "https://v/j/a.mp4"


def test_register_storage_hook_must_return_a_storage():
    class Plugin:
        @videogate.hookimpl
        def register_storage(self, register):
            register("broken", lambda url, **kw: object())

    manager = make_plugin_manager()
    manager.register(Plugin(), name="broken-plugin")
    config = config_from_dict({"storage": {"url": "broken://x"}})
    with pytest.raises(ConfigError, match="does not implement Storage"):
        open_storage(config, "n", manager=manager)


def test_unwritable_local_folder_is_a_storage_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_bytes(b"")
    storage = FsspecStorage(str(blocker / "sub"))
    with pytest.raises(StorageError, match="cannot store"):
        storage.put_stream([b"x"], "j/a.mp4")
