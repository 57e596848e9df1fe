"""Download -> store throughput vs a plain streaming download (+ sha256) of the same file.

A real MP4 padded with a ``free`` box to SIZE_MB is served on loopback by a separate process
(``sendfile``). Alternating rounds time:

- plain: httpx ``stream`` + ``iter_bytes()``, each chunk hashed (sha256) and written to a file
  in the store's folder;
- videogate: ``finalize`` of the same URL into a local ``FsspecStorage`` (download, checks,
  hash, probe, atomic store).

Prints the median of each, the ratio (target >= 0.9x) and the peak RSS of this process (memory
must not grow with the file). The machine may be shared: figures are noisy, read medians.

    .venv/bin/python benchmarks/bench_download.py [SIZE_MB] [ROUNDS]
"""

from __future__ import annotations

import hashlib
import http.server
import multiprocessing
import os
import resource
import shutil
import socket
import statistics
import struct
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

SIZE_MB = int(sys.argv[1]) if len(sys.argv) > 1 else 500
ROUNDS = int(sys.argv[2]) if len(sys.argv) > 2 else 3


def make_video(path: Path, size: int) -> None:
    """A small real MP4 followed by a ``free`` box padding it to ``size`` bytes."""
    import av
    import numpy as np

    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=Fraction(24))
        stream.width, stream.height, stream.pix_fmt = 320, 240, "yuv420p"
        for index in range(48):
            image = np.full((240, 320, 3), index * 5, dtype=np.uint8)
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            frame.pts = index
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    pad = size - path.stat().st_size
    block = os.urandom(1 << 20)
    with path.open("ab") as fh:
        fh.write(struct.pack(">I", pad) + b"free")
        left = pad - 8
        while left > 0:
            fh.write(block[: min(left, len(block))])
            left -= len(block)


def serve(path: str, sock: socket.socket) -> None:
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "video/mp4")
            self.send_header("Content-Length", str(os.path.getsize(path)))
            self.end_headers()
            with open(path, "rb") as fh:
                self.connection.sendfile(fh)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler, bind_and_activate=False)
    server.socket = sock
    server.serve_forever()


def plain(url: str, dest: Path) -> str:
    import httpx

    digest = hashlib.sha256()
    with httpx.Client() as client, client.stream("GET", url) as response, dest.open("wb") as fh:
        for chunk in response.iter_bytes():
            digest.update(chunk)
            fh.write(chunk)
    return digest.hexdigest()


def main() -> None:
    from videogate import TaskOutput
    from videogate._artifacts.finalize import finalize
    from videogate._artifacts.fsspec_storage import FsspecStorage
    from videogate._plugins.config import StorageConfig

    work = Path(tempfile.mkdtemp(prefix="videogate-bench-download-", dir=os.getcwd()))
    try:
        source = work / "video.mp4"
        make_video(source, SIZE_MB * 10**6)
        with source.open("rb") as fh:
            expected = hashlib.file_digest(fh, "sha256").hexdigest()
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        url = f"http://127.0.0.1:{sock.getsockname()[1]}/video.mp4"
        server = multiprocessing.get_context("fork").Process(
            target=serve, args=(str(source), sock), daemon=True
        )
        server.start()
        storage = FsspecStorage(str(work / "store"))
        config = StorageConfig(max_download_bytes=4 * 10**9)
        plain_times, store_times = [], []
        for index in range(ROUNDS):
            dest = work / "store" / f"plain-{index}.mp4"
            dest.parent.mkdir(exist_ok=True)
            started = time.perf_counter()
            assert plain(url, dest) == expected
            plain_times.append(time.perf_counter() - started)
            dest.unlink()
            started = time.perf_counter()
            artifact = finalize(
                TaskOutput(url=url), storage=storage, job_id=f"job-{index}", config=config
            )
            store_times.append(time.perf_counter() - started)
            assert artifact.sha256 == expected
            storage.delete(artifact.key)
        server.kill()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    size_mb = SIZE_MB
    p, s = statistics.median(plain_times), statistics.median(store_times)
    print(f"{size_mb} MB on loopback, {ROUNDS} rounds (median; shared machine, noisy):")
    print(f"  plain streaming download + sha256: {p:.2f} s ({size_mb / p:.0f} MB/s)")
    print(f"  download -> store (finalize):      {s:.2f} s ({size_mb / s:.0f} MB/s)")
    print(f"  ratio {p / s:.2f}x of the plain download's throughput (target >= 0.9x)")
    print(f"  all rounds: plain {[round(t, 2) for t in plain_times]}")
    print(f"              store {[round(t, 2) for t in store_times]}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  peak RSS of this process: {peak:.0f} MiB (the file is {size_mb} MB)")


if __name__ == "__main__":
    main()
