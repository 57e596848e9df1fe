"""``videogate resume [JOB_ID]``: finish journaled jobs by polling their task ids, never by
submitting again."""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

from videogate._cli._common import add_config_argument, seconds

__all__ = ["configure", "run"]

EXAMPLES = """
  videogate resume                   # every unfinished job whose process is gone
  videogate resume 01m89kh7e6qw2nsd  # one job, with progress; Ctrl-C cancels it
"""


def configure(parser: argparse.ArgumentParser) -> None:
    """Add this command's arguments."""
    parser.add_argument("job_id", nargs="?", help="the job to resume (default: all unfinished)")
    parser.add_argument(
        "--task",
        metavar="TASK_ID",
        help="for a job whose submit answer was lost: adopt this provider task as its task "
        "(one of the candidates resume listed)",
    )
    parser.add_argument("--timeout", type=seconds, help="deadline per job in seconds (> 0)")
    parser.add_argument("--json", action="store_true", help="print results as JSON")
    add_config_argument(parser)


def _alive(pid: int | None) -> bool:
    if not pid or pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def make_engine(args: argparse.Namespace) -> Any:
    """The engine for this invocation (a seam for tests)."""
    from videogate._engine.engine import Engine
    from videogate._plugins.config import load_config

    return Engine(load_config(args.config))


def run(args: argparse.Namespace) -> int:
    """Resume one job (its error decides the exit status) or every unfinished one whose
    process is gone (exit 0 only if all succeed)."""
    from videogate._cli.generate import close_quietly, follow, print_result
    from videogate._contract.errors import VideogateError, exit_code_for

    engine = make_engine(args)
    try:
        if args.job_id:
            job = engine.resume_job(args.job_id, timeout=args.timeout, task_id=args.task)
            return follow(job, args)
        if args.task:
            print("videogate: --task needs the JOB_ID it belongs to", file=sys.stderr)
            return 2
        pending = [r for r in engine.jobs(unfinished=True) if not _alive(r.owner_pid)]
        if not pending:
            print("videogate: nothing to resume", file=sys.stderr)
            return 0
        status = 0
        results = []
        for record in pending:
            if not (record.resumable or record.task_may_exist):
                print(
                    f"videogate: {record.job_id}: not resumable ({record.state})",
                    file=sys.stderr,
                )
                continue
            try:
                result = engine.resume(record.job_id, timeout=args.timeout)
            except VideogateError as exc:
                print(f"videogate: {record.job_id}: {type(exc).__name__}: {exc}", file=sys.stderr)
                status = status or exit_code_for(exc)
                continue
            results.append(result)
            if not args.json:
                print_result(result, False)
        if args.json:
            from videogate._contract.convert import unstructure

            print(json.dumps({"results": [unstructure(r) for r in results]}, sort_keys=True))
        return status
    finally:
        close_quietly(engine)
