"""Downloading provider results from a real loopback HTTP server: retries, caps, checks."""

from __future__ import annotations

import hashlib
import socket

import pytest

from videogate import MalformedResponse, ProviderUnavailable, StorageError, TaskExpired
from videogate._artifacts.download import download, looks_like_video

HTML = b"<!DOCTYPE html><html><body>Access denied</body></html>"
JSON = b'{"code": "InvalidParameter", "message": "url expired"}'


@pytest.fixture
def video_bytes(make_video) -> bytes:
    return make_video(frames=6).read_bytes()


def test_streams_a_video_to_disk(http_server, video_bytes, tmp_path, fast_retry):
    url, route = http_server.add("/v.mp4", video_bytes)
    got = download(url, tmp_path / "dest", max_bytes=10**9, retry=fast_retry)
    assert (tmp_path / "dest").read_bytes() == video_bytes
    assert got.sha256 == hashlib.sha256(video_bytes).hexdigest()
    assert got.size_bytes == len(video_bytes)
    assert got.content_type == "video/mp4"
    assert got.copied
    assert route.hits == 1


@pytest.mark.parametrize(
    ("body", "content_type", "what"),
    [
        (HTML, "text/html; charset=utf-8", "served as text/html"),
        (JSON, "application/json", "served as application/json"),
        (HTML, "video/mp4", "an HTML page"),
        (JSON, "application/octet-stream", "a JSON document"),
        (b"GIF89a" + b"\0" * 64, None, "not a known video container"),
        (b"", "video/mp4", "an empty file"),
    ],
)
def test_error_pages_are_malformed_not_stored(
    http_server, tmp_path, fast_retry, body, content_type, what
):
    """An HTML/JSON page (announced as such, or disguised as a video) is rejected and no file
    is left behind."""
    url, route = http_server.add("/result.mp4", body, content_type=content_type)
    with pytest.raises(MalformedResponse, match=what) as info:
        download(url, tmp_path / "dest", max_bytes=10**9, retry=fast_retry)
    assert "nothing was stored" in str(info.value)
    assert not (tmp_path / "dest").exists()
    assert route.hits == 1


def test_transient_failures_are_retried(http_server, video_bytes, tmp_path, fast_retry):
    url, route = http_server.add(
        "/flaky.mp4", video_bytes, status=lambda hit: 503 if hit < 3 else 200
    )
    got = download(url, tmp_path / "dest", max_bytes=10**9, retry=fast_retry)
    assert route.hits == 3
    assert got.size_bytes == len(video_bytes)


def test_rate_limit_honours_retry_after(http_server, video_bytes, tmp_path, fast_retry):
    url, route = http_server.add(
        "/slow.mp4",
        video_bytes,
        status=lambda hit: 429 if hit == 1 else 200,
        headers={"Retry-After": "0"},
    )
    download(url, tmp_path / "dest", max_bytes=10**9, retry=fast_retry)
    assert route.hits == 2


def test_gives_up_after_the_attempts(http_server, tmp_path, fast_retry):
    url, route = http_server.add("/down.mp4", b"busy", status=502, content_type="text/plain")
    with pytest.raises(ProviderUnavailable, match="HTTP 502") as info:
        download(url, tmp_path / "dest", max_bytes=10**9, retry=fast_retry)
    assert info.value.retryable
    assert route.hits == fast_retry.attempts
    assert not (tmp_path / "dest").exists()


def test_truncated_body_is_retried(http_server, video_bytes, tmp_path, fast_retry):
    """A connection closed before Content-Length bytes arrive is retried from scratch."""
    url, route = http_server.add(
        "/cut.mp4",
        lambda hit: video_bytes[: len(video_bytes) // 2] if hit == 1 else video_bytes,
        declared_length=len(video_bytes),
    )
    got = download(url, tmp_path / "dest", max_bytes=10**9, retry=fast_retry)
    assert route.hits == 2
    assert (tmp_path / "dest").read_bytes() == video_bytes
    assert got.sha256 == hashlib.sha256(video_bytes).hexdigest()


@pytest.mark.parametrize("status", [403, 404, 410])
def test_expired_links_are_not_retried(http_server, tmp_path, fast_retry, status):
    url, route = http_server.add("/old.mp4", b"expired", status=status, content_type="text/plain")
    with pytest.raises(TaskExpired, match=f"HTTP {status}"):
        download(url + "?Signature=s3cr3tsig&Expires=1", tmp_path / "d", max_bytes=10**9)
    assert route.hits == 1


def test_signed_query_never_shows_in_errors(http_server, tmp_path, fast_retry):
    url, _ = http_server.add("/page", HTML, content_type="text/html")
    with pytest.raises(MalformedResponse) as info:
        download(url + "?OSSAccessKeyId=AKID&Signature=zzsecret", tmp_path / "d", max_bytes=10**9)
    assert "zzsecret" not in str(info.value) and "AKID" not in repr(info.value)
    assert "/page" in str(info.value)


def test_size_cap(http_server, video_bytes, tmp_path, fast_retry):
    url, _ = http_server.add("/v.mp4", video_bytes)
    with pytest.raises(StorageError, match="max_download_bytes"):
        download(url, tmp_path / "dest", max_bytes=len(video_bytes) - 1, retry=fast_retry)
    assert not (tmp_path / "dest").exists()


def test_local_renders_are_used_in_place(make_video, tmp_path):
    clip = make_video(frames=4)
    got = download(clip.as_uri(), tmp_path / "unused", max_bytes=10**9)
    assert got.path == str(clip)
    assert not got.copied
    assert got.sha256 == hashlib.sha256(clip.read_bytes()).hexdigest()
    assert not (tmp_path / "unused").exists()


def test_local_render_problems(tmp_path, make_video):
    page = tmp_path / "page.mp4"
    page.write_bytes(HTML)
    with pytest.raises(MalformedResponse, match="an HTML page"):
        download(page.as_uri(), tmp_path / "d", max_bytes=10**9)
    with pytest.raises(MalformedResponse, match="does not exist"):
        download((tmp_path / "missing.mp4").as_uri(), tmp_path / "d", max_bytes=10**9)
    clip = make_video(frames=4)
    with pytest.raises(StorageError, match="max_download_bytes"):
        download(clip.as_uri(), tmp_path / "d", max_bytes=10)


@pytest.mark.parametrize("url", ["ftp://host/v.mp4", "s3://bucket/v.mp4", "v.mp4"])
def test_unsupported_schemes(url, tmp_path):
    with pytest.raises(MalformedResponse, match="unsupported result URL scheme"):
        download(url, tmp_path / "d", max_bytes=10**9)


def test_connection_refused_is_provider_unavailable(tmp_path, fast_retry):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(ProviderUnavailable, match="ConnectError") as info:
        download(
            f"http://127.0.0.1:{port}/v.mp4", tmp_path / "d", max_bytes=10**9, retry=fast_retry
        )
    assert info.value.retryable


def test_magic_numbers(make_video):
    assert looks_like_video(make_video(frames=2).read_bytes()[:16])
    assert looks_like_video(make_video("c.mkv", frames=2).read_bytes()[:16])
    assert not looks_like_video(HTML[:16])
    assert not looks_like_video(b"\x89PNG\r\n\x1a\n" + b"\0" * 8)
