"""``videogate jobs``: the journaled jobs, newest first."""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

from videogate._cli._common import add_config_argument

__all__ = ["EXAMPLES", "configure", "human_size", "iso_time", "run"]

EXAMPLES = """
  videogate jobs                   # newest first
  videogate jobs --unfinished      # what videogate resume would pick up
  videogate jobs --json --limit 5
"""


def human_size(size: float) -> str:
    """``42 KB``, ``3.1 MB``: bytes in the largest unit that keeps a number >= 1."""
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:.0f} {unit}" if unit in ("B", "KB") else f"{size:.1f} {unit}"
        size /= 1000
    return f"{size:.1f} GB"  # pragma: no cover - the loop returns


def iso_time(epoch: float | None) -> str | None:
    """An epoch time as local ISO 8601 with its offset (``2025-05-01T10:00:00+02:00``)."""
    from datetime import datetime

    if epoch is None:
        return None
    return datetime.fromtimestamp(epoch).astimezone().isoformat(timespec="seconds")


def _with_iso_times(data: dict[str, Any]) -> dict[str, Any]:
    return {
        k: iso_time(v) if k.endswith("_at") and isinstance(v, int | float) else v
        for k, v in data.items()
    }


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
    if not state.exists():  # a read never creates the database
        if not args.json:
            print("no jobs")
        return 0
    try:
        limit = args.limit if args.limit is not None else (None if args.json else 50)
        records = iter_jobs(state.journal(), unfinished=args.unfinished, limit=limit)
        if args.json:
            out = sys.stdout
            for record in records:
                out.write(json.dumps(_with_iso_times(record.to_dict()), sort_keys=True) + "\n")
            out.flush()
            return 0
        return _print_text(list(records))
    finally:
        state.close()


def _print_text(records: list[Any]) -> int:
    if not records:
        print("no jobs")
        return 0
    width = max(10, *(len(r.provider) for r in records))
    for r in records:
        when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(r.created_at))
        note = "  resumable" if r.resumable else ""
        if r.cancel_outcome:
            note += f"  cancel: {r.cancel_outcome}"
        url = (r.result or {}).get("video_url", "")
        print(f"{r.job_id}  {when}  {r.provider:<{width}} {r.state:<10} {r.task_id or '-'}{note}")
        if r.estimate:
            amount = r.estimate.get("amount")
            cost = "unknown" if amount is None else f"{amount:g} {r.estimate.get('currency')}"
            print(f"    estimate: {cost}")
        if url:
            print(f"    {url}")
            probe = (r.artifact or {}).get("probe")
            if probe:
                size = human_size((r.artifact or {}).get("size_bytes", 0))
                print(
                    f"    {probe['codec']} {probe['width']}x{probe['height']} "
                    f"{probe['fps']:g} fps {probe['duration']:g} s {probe['frames']} frames"
                    f"{' +audio' if probe['has_audio'] else ''}, {size}, "
                    f"sha256 {(r.artifact or {}).get('sha256', '')[:16]}"
                )
        elif r.error:
            print(f"    {r.error.get('error')}: {r.error.get('message')}")
    return 0
