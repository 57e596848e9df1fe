"""``videogate contact-sheet VIDEO``: a PNG of frames sampled across any video."""

from __future__ import annotations

import argparse
import json


def configure(parser: argparse.ArgumentParser) -> None:
    """Add this command's arguments."""
    parser.add_argument("video", metavar="VIDEO", help="the video file")
    parser.add_argument(
        "-o", "--output", metavar="PNG", help="where to write (default: VIDEO's <stem>.contact.png)"
    )
    parser.add_argument("--frames", type=int, default=12, help="frames to show (default 12)")
    parser.add_argument("--columns", type=int, default=4, help="frames per row (default 4)")
    parser.add_argument(
        "--width", type=int, default=320, help="width of each frame in pixels (default 320)"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def run(args: argparse.Namespace) -> int:
    """Write the sheet and print its path."""
    from videogate._artifacts.contact_sheet import contact_sheet

    path = contact_sheet(
        args.video, args.output, frames=args.frames, columns=args.columns, width=args.width
    )
    if args.json:
        print(json.dumps({"contact_sheet": str(path), "video": args.video}))
    else:
        print(path)
    return 0
