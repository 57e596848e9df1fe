"""What a `videogate generate` process loads: only what its job needs. A local store needs no
fsspec; a cached result needs no PyAV, Pillow or NumPy either (nothing is rendered or
probed)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

HEAVY = ("av", "fsspec", "PIL", "numpy")

# The CLI run in-process, then which heavy packages it imported (on stderr).
RUN = (
    "import sys\n"
    "from videogate._cli import main\n"
    "rc = main(sys.argv[1:])\n"
    f"loaded = sorted(m for m in {HEAVY!r} if m in sys.modules)\n"
    "print('LOADED ' + ','.join(loaded), file=sys.stderr)\n"
    "sys.exit(rc)\n"
)
ARGS = ["generate", "-P", "kenburns", "-p", "a lake", "-d", "1", "--fps", "8", "-s", "64x48"]


def generate() -> tuple[dict[str, object], set[str]]:
    done = subprocess.run(
        [sys.executable, "-c", RUN, *ARGS, "--json", "-q"],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    line = next(x for x in done.stderr.splitlines() if x.startswith("LOADED "))
    loaded = {name for name in line.removeprefix("LOADED ").split(",") if name}
    return json.loads(done.stdout), loaded


def test_generate_into_a_local_folder_never_imports_fsspec(tmp_path):
    result, loaded = generate()
    assert str(result["video_url"]).startswith((tmp_path / "output").as_uri())
    assert not result["cached"]
    # The video was rendered and probed (PyAV), and stored without fsspec.
    assert "av" in loaded
    assert "fsspec" not in loaded

    again, loaded = generate()
    assert again["cached"] and again["video_url"] == result["video_url"]
    assert loaded == set()
