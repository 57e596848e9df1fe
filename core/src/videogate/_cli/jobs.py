"""``videogate jobs``: the journaled jobs, newest first."""

from __future__ import annotations

import argparse
import json
import time

from videogate._cli._common import add_config_argument

__all__ = ["configure", "run"]


def configure(parser: argparse.ArgumentParser) -> None:
    """Add this command's arguments."""
    parser.add_argument("--unfinished", action="store_true", help="only jobs not yet ended")
    parser.add_argument("--limit", type=int, default=50, help="at most this many (default 50)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    add_config_argument(parser)


def run(args: argparse.Namespace) -> int:
    """List jobs."""
    from videogate._plugins.config import load_config
    from videogate._state.journal import SqliteJournal

    config = load_config(args.config)
    journal = SqliteJournal(config.state_path)
    try:
        records = journal.list(unfinished=args.unfinished, limit=args.limit)
    finally:
        journal.close()
    if args.json:
        print(json.dumps({"jobs": [r.to_dict() for r in records]}, sort_keys=True))
        return 0
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
        if r.estimate:
            amount = r.estimate.get("amount")
            cost = "unknown" if amount is None else f"{amount:g} {r.estimate.get('currency')}"
            print(f"    estimate: {cost}")
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
