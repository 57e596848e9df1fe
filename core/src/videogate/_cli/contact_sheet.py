"""``videogate contact-sheet VIDEO``: a PNG of frames sampled across any video."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from videogate._cli._common import add_config_argument

EXAMPLES = """
  videogate contact-sheet clip.mp4
  videogate contact-sheet file:///home/me/output/kenburns/videos/01m8.../4482f2.mp4
  videogate contact-sheet 01m89kh7e6qw2nsd          # a job id from videogate jobs
  videogate contact-sheet clip.mp4 -o sheet.png --frames 6 --columns 3
"""


def configure(parser: argparse.ArgumentParser) -> None:
    """Add this command's arguments."""
    parser.add_argument("video", metavar="VIDEO", help="a video file, a file:// URL or a job id")
    parser.add_argument(
        "-o", "--output", metavar="PNG", help="where to write (default: VIDEO's <stem>.contact.png)"
    )
    parser.add_argument("--frames", type=int, default=12, help="frames to show (default 12)")
    parser.add_argument("--columns", type=int, default=4, help="frames per row (default 4)")
    parser.add_argument(
        "--width", type=int, default=320, help="width of each frame in pixels (default 320)"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    add_config_argument(parser)


def resolve_video(value: str, config_path: str | None = None) -> Path:
    """The local file meant by ``value``: a path, a ``file://`` URL, or a journaled job id
    (whose stored video must be local).

    :raises InvalidRequest: none of these, with what was tried.
    """
    from urllib.parse import unquote, urlparse

    from videogate._contract.errors import InvalidRequest

    if value.startswith("file://"):
        return Path(unquote(urlparse(value).path))
    if Path(value).exists():
        return Path(value)
    if "://" in value:
        raise InvalidRequest(
            f"{value}: only local videos can be read here (download it first)", field="video"
        )
    url = _job_video_url(value, config_path)
    if url is None:
        raise InvalidRequest(
            f"{value}: no such file and no job with that id (see videogate jobs)", field="video"
        )
    return resolve_video(url, config_path)


def _job_video_url(job_id: str, config_path: str | None) -> str | None:
    from videogate._plugins.config import load_config
    from videogate._state.backend import open_state

    config = load_config(config_path)
    state = open_state(config)
    if not state.exists():
        return None
    try:
        record: Any = state.journal().get(job_id)
    finally:
        state.close()
    if record is None:
        return None
    url = (record.result or {}).get("video_url")
    return url if isinstance(url, str) else None


def run(args: argparse.Namespace) -> int:
    """Write the sheet and print its path."""
    from videogate._artifacts.contact_sheet import contact_sheet

    video = resolve_video(args.video, args.config)
    path = contact_sheet(
        str(video), args.output, frames=args.frames, columns=args.columns, width=args.width
    )
    if args.json:
        print(json.dumps({"contact_sheet": str(path), "video": str(video)}))
    else:
        print(path)
    return 0
