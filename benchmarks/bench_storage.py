"""Peak memory while storing a 500 MB video: put_stream and put_file, to a local folder and to
an S3-compatible server (moto, in its own process on loopback so its memory is not counted).

Each measurement runs in a fresh process: baseline RSS after imports and setup, then the
process's peak RSS (``VmHWM`` of /proc/self/status, Linux) after the store. Target: under 60 MB above the baseline.
The 500 MB file is generated in a temporary folder and deleted afterwards.

    .venv/bin/python benchmarks/bench_storage.py [SIZE_MB]
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

CHILD = r"""
import os, sys, time
import psutil
from videogate._artifacts.fsspec_storage import FsspecStorage

mode, url, source, endpoint = sys.argv[1:5]
options = {"endpoint_url": endpoint, "key": "bench", "secret": "bench"} if endpoint else {}
storage = FsspecStorage(url, options=options)
storage.exists("warm/up.mp4")  # open connections, load lazy modules
baseline = psutil.Process().memory_info().rss
block = os.urandom(1 << 20)
size = os.path.getsize(source)

def chunks():
    for _ in range(size >> 20):
        yield block

start = time.perf_counter()
if mode == "put_file":
    stored = storage.put_file(source, "bench/video.mp4")
else:
    stored = storage.put_stream(chunks(), "bench/video.mp4")
elapsed = time.perf_counter() - start
# VmHWM: this process image's peak RSS (ru_maxrss would include the parent's at fork).
with open("/proc/self/status") as fh:
    peak = next(int(line.split()[1]) * 1024 for line in fh if line.startswith("VmHWM:"))
assert stored.size_bytes == size, stored
print(f"{(peak - baseline) / 2**20:.1f} {baseline / 2**20:.1f} {elapsed:.2f}")
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_moto() -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    server = os.path.join(os.path.dirname(sys.executable), "moto_server")
    proc = subprocess.Popen(
        [server, "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(endpoint, timeout=0.5).close()
            break
        except OSError:
            time.sleep(0.1)
    return proc, endpoint


def make_file(path: str, size_mb: int) -> None:
    block = os.urandom(1 << 20)
    with open(path, "wb") as fh:
        for _ in range(size_mb):
            fh.write(block)


def main() -> None:
    size_mb = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_DEFAULT_REGION": "us-east-1",
        "NO_PROXY": "127.0.0.1,localhost",
    }
    os.environ.update(env)
    workdir = tempfile.mkdtemp(prefix="videogate-bench-")
    moto, endpoint = start_moto()
    try:
        import s3fs

        s3fs.S3FileSystem(endpoint_url=endpoint, key="bench", secret="bench").mkdir("bench")
        source = os.path.join(workdir, "source.bin")
        make_file(source, size_mb)
        print(f"storing a {size_mb} MB file; target: peak RSS < 60 MB above baseline")
        targets = {"local": (os.path.join(workdir, "store"), ""), "s3": ("s3://bench/v", endpoint)}
        for target, (url, ep) in targets.items():
            for mode in ("put_stream", "put_file"):
                out = subprocess.run(
                    [sys.executable, "-c", CHILD, mode, url, source, ep],
                    capture_output=True,
                    text=True,
                    env=env,
                    check=False,
                )
                if out.returncode != 0:
                    print(f"{target:<6} {mode:<10} FAILED\n{out.stderr[-2000:]}")
                    continue
                above, baseline, elapsed = out.stdout.split()
                rate = size_mb / float(elapsed)
                print(
                    f"{target:<6} {mode:<10} peak +{float(above):6.1f} MB above baseline "
                    f"({float(baseline):.0f} MB)   {float(elapsed):6.2f} s  {rate:6.0f} MB/s"
                )
                shutil.rmtree(os.path.join(workdir, "store"), ignore_errors=True)
    finally:
        moto.terminate()
        moto.wait(timeout=30)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
