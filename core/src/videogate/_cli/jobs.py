"""``videogate jobs``: the journaled jobs, newest first."""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

from videogate._cli._common import add_config_argument

__all__ = ["configure", "run"]


def configure(parser: argparse.ArgumentParser) -> None:
    """Add this command's arguments."""
    parser.add_argument("--unfinished", action="store_true", help="only jobs not yet ended")
    parser.add_argument(
        "--limit",
        type=int,
        default=None,
        help="at most this many (default: 50 as text, all with --json)",
    )
    parser.add_argument(
        "--json", action="store_true", help="JSON Lines: one job object per line, streamed"
    )
    add_config_argument(parser)


def run(args: argparse.Namespace) -> int:
    """List jobs (``--json``: JSON Lines, one job per line, streamed page by page)."""
    from videogate._plugins.config import load_config
    from videogate._state.backend import open_state
    from videogate._state.history import iter_jobs

    config = load_config(args.config)
    state = open_state(config)
    try:
        limit = args.limit if args.limit is not None else (None if args.json else 50)
        records = iter_jobs(state.journal(), unfinished=args.unfinished, limit=limit)
        if args.json:
            out = sys.stdout
            for record in records:
                out.write(json.dumps(record.to_dict(), sort_keys=True) + "\n")
            out.flush()
            return 0
        return _print_text(list(records))
    finally:
        state.close()


def _print_text(records: list[Any]) -> int:
    if not records:
        print("no jobs")
        return 0
    for r in records:
        when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(r.created_at))
        note = "  resumable" if r.resumable else ""
        if r.cancel_outcome:
            note += f"  cancel: {r.cancel_outcome}"
        url = (r.result or {}).get("video_url", "")
        print(f"{r.job_id}  {when}  {r.provider:<10} {r.state:<10} {r.task_id or '-'}{note}")
        if url:
            print(f"    {url}")
            probe = (r.artifact or {}).get("probe")
            if probe:
                size_mb = (r.artifact or {}).get("size_bytes", 0) / 1e6
                print(
                    f"    {probe['codec']} {probe['width']}x{probe['height']} "
                    f"{probe['fps']:g} fps {probe['duration']:g} s {probe['frames']} frames"
                    f"{' +audio' if probe['has_audio'] else ''}, {size_mb:.1f} MB, "
                    f"sha256 {(r.artifact or {}).get('sha256', '')[:16]}"
                )
        elif r.error:
            print(f"    {r.error.get('error')}: {r.error.get('message')}")
    return 0
