"""The end of ``make demo``: say where the video is and what it is, then write its contact sheet.

``make demo`` first runs ``videogate generate ... --json > output/demo.json`` (progress on
stderr); this script reads that result, probes the stored file, prints a summary, and runs
``videogate contact-sheet`` on the video so the PNG lands beside it. Stored videos never change
(their names carry their content hash), so a sheet newer than its video is up to date and is
not drawn again.

Usage: ``python docs/examples/demo.py output/demo.json``
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from urllib.parse import unquote, urlparse

from videogate import probe_video
from videogate._cli import main as videogate


def local_path(url: str) -> Path:
    """The file behind a ``file://`` URL (the default local storage)."""
    parsed = urlparse(url)
    if parsed.scheme != "file":
        raise SystemExit(f"demo: the video is not a local file: {url}")
    return Path(unquote(parsed.path))


def main(argv: list[str]) -> int:
    """Print the summary and write the contact sheet; returns the exit status."""
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    result = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    video = local_path(result["video_url"])
    probe = probe_video(video)
    cached = " (from the cache: no new render)" if result.get("cached") else ""
    print()
    print(f"video:     {video}{cached}")
    print(f"url:       {result['video_url']}")
    print(
        f"what:      {probe.duration:g} s, {probe.fps:g} fps, {probe.width}x{probe.height}, "
        f"{probe.frames} frames, {probe.codec} {probe.pix_fmt or ''}".rstrip()
    )
    print(f"seed:      {result['seed']}   provider: {result['provider']} ({result['model']})")
    print(f"sha256:    {result['sha256']}")
    print("contact sheet:")
    sheet = video.with_name(f"{video.stem}.contact.png")
    if sheet.is_file() and sheet.stat().st_mtime >= video.stat().st_mtime:
        print(f"{sheet} (up to date)")
        return 0
    return videogate(["contact-sheet", str(video)])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
