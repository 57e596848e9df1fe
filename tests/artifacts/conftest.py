"""Fixtures of the artifact tests: tiny real videos (PyAV), a real S3-compatible server
(moto) and a real HTTP server, both on loopback."""

from __future__ import annotations

import http.server
import socket
import threading
import uuid
from collections.abc import Callable, Iterator
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from videogate._artifacts.fsspec_storage import FsspecStorage

MakeVideo = Callable[..., Path]


def write_video(
    path: Path,
    *,
    width: int = 64,
    height: int = 48,
    fps: float = 24,
    frames: int = 12,
    audio: bool = False,
    codec: str = "libx264",
    pix_fmt: str = "yuv420p",
    gray_step: int = 16,
) -> Path:
    """A real video whose frame *i* is a flat gray of level ``i * gray_step`` (mod 256), so a
    decoded frame tells which source frame it came from."""
    rate = Fraction(fps).limit_denominator(1001)
    with av.open(str(path), "w") as out:
        stream = out.add_stream(codec, rate=rate)
        stream.width, stream.height, stream.pix_fmt = width, height, pix_fmt
        audio_stream = out.add_stream("aac", rate=16000) if audio else None
        for index in range(frames):
            level = (index * gray_step) % 256
            image = np.full((height, width, 3), level, dtype=np.uint8)
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            frame.pts = index
            frame.time_base = 1 / rate
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
        if audio_stream is not None:
            total = int(16000 * frames / float(rate))
            done = 0
            while done < total:
                count = min(1024, total - done)
                samples = np.zeros((1, count), dtype=np.float32)
                chunk = av.AudioFrame.from_ndarray(samples, format="fltp", layout="mono")
                chunk.sample_rate = 16000
                chunk.pts = done
                for packet in audio_stream.encode(chunk):
                    out.mux(packet)
                done += count
            for packet in audio_stream.encode(None):
                out.mux(packet)
    return path


@pytest.fixture
def make_video(tmp_path) -> MakeVideo:
    """``make_video(name="clip.mp4", **write_video_options) -> Path`` in the test's folder."""

    def make(name: str = "clip.mp4", **options: object) -> Path:
        return write_video(tmp_path / name, **options)  # type: ignore[arg-type]

    return make


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """A real S3-compatible server (moto) on a free loopback port, with dummy credentials."""
    from moto.server import ThreadedMotoServer

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("AWS_ACCESS_KEY_ID", "testing")
        mp.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        mp.setenv("AWS_DEFAULT_REGION", "us-east-1")
        port = free_port()
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
        server.start()
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            server.stop()


@pytest.fixture(scope="session")
def s3_credentials(s3_endpoint) -> dict[str, object]:
    """fsspec options reaching the loopback server."""
    return {"endpoint_url": s3_endpoint, "key": "testing", "secret": "testing"}


@pytest.fixture
def s3_bucket(s3_endpoint, s3_credentials) -> str:
    """A fresh, empty bucket."""
    import s3fs

    name = f"videos-{uuid.uuid4().hex[:12]}"
    s3fs.S3FileSystem(**s3_credentials).mkdir(name)
    return name


@pytest.fixture(params=["local", "memory", "s3"])
def storage_url(request, tmp_path) -> tuple[str, dict[str, object]]:
    """A storage URL and its fsspec options, for each kind of backend."""
    if request.param == "local":
        return str(tmp_path / "store"), {}
    if request.param == "memory":
        return f"memory://videogate-{uuid.uuid4().hex[:12]}/videos", {}
    bucket = request.getfixturevalue("s3_bucket")
    return f"s3://{bucket}/prefix", dict(request.getfixturevalue("s3_credentials"))


@pytest.fixture
def storage(storage_url) -> FsspecStorage:
    """An empty storage of each kind (local folder, memory://, S3 on loopback)."""
    url, options = storage_url
    return FsspecStorage(url, options=options)


class Route:
    """What the loopback server answers on one path."""

    def __init__(
        self,
        body: bytes | Callable[[int], bytes],
        *,
        content_type: str | None = "video/mp4",
        status: int | Callable[[int], int] = 200,
        headers: dict[str, str] | None = None,
        declared_length: int | None = None,
    ) -> None:
        self.body = body
        self.content_type = content_type
        self.status = status
        self.headers = headers or {}
        self.declared_length = declared_length
        self.hits = 0


class HttpServer:
    """A real ``http.server`` on loopback; tests add routes and count requests."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        routes = self.routes

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                route = routes.get(self.path.split("?")[0])
                if route is None:
                    self.send_error(404)
                    return
                route.hits += 1
                status = route.status(route.hits) if callable(route.status) else route.status
                body = route.body(route.hits) if callable(route.body) else route.body
                self.send_response(status)
                if route.content_type:
                    self.send_header("Content-Type", route.content_type)
                length = route.declared_length if route.declared_length else len(body)
                self.send_header("Content-Length", str(length))
                for key, value in route.headers.items():
                    self.send_header(key, value)
                self.end_headers()
                try:
                    self.wfile.write(body)
                    self.wfile.flush()
                except OSError:
                    pass
                if route.declared_length:
                    self.close_connection = True

            def log_message(self, format: str, *args: object) -> None:
                pass

        class Server(http.server.ThreadingHTTPServer):
            def handle_error(self, request: object, client_address: object) -> None:
                pass  # a client that hangs up mid-body (a test of truncation) is expected

        self.server = Server(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def add(self, path: str, body: object, **options: object) -> tuple[str, Route]:
        """Serve ``body`` on ``path``; returns the URL and the route (for its hit count)."""
        route = Route(body, **options)  # type: ignore[arg-type]
        self.routes[path] = route
        return self.base + path, route


@pytest.fixture
def http_server() -> Iterator[HttpServer]:
    """A loopback HTTP server (real sockets, real HTTP)."""
    server = HttpServer()
    server.thread.start()
    try:
        yield server
    finally:
        server.server.shutdown()
        server.server.server_close()


@pytest.fixture
def fast_retry():
    """A retry policy with tiny waits, so retry tests stay fast."""
    from videogate._plugins.config import RetryConfig

    return RetryConfig(attempts=3, initial_backoff=0.01, max_backoff=0.02)
