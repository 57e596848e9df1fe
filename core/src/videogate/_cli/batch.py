"""``videogate batch FILE``: JSON Lines of requests in, JSON Lines of outcomes out.

Each input line is one request object, optionally with ``id`` (the caller's), ``provider``
and ``mode``. Each output line is ``{"index": LINE, "id": ..., "ok": true, "result": {...}}``
or ``{..., "ok": false, "error": {...}}`` (a typed error), written as jobs finish. The file is
streamed, so memory stays bounded for any size. Re-running with the same ``-o FILE`` skips
the lines already done there; the others hit the cache or adopt their journaled task, so
nothing is paid twice.

Exit code: 0 when every request succeeded, else the worst of the failed ones
(2 invalid input < 3 refused by the provider < 4 transient failure or timeout); 130 when
interrupted (run it again to finish).
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from videogate._cli._common import add_config_argument

__all__ = ["EXAMPLES", "configure", "run"]

EXAMPLES = """
  videogate batch shots.jsonl -o results.jsonl        # run it again to finish an interrupted batch
  videogate batch shots.jsonl --provider wan --window 32
  VIDEOGATE_STATE_URL=postgresql://vg@db/vg videogate batch shots.jsonl -o worker1.jsonl
  videogate batch shots.jsonl --ray auto -o results.jsonl
"""


def configure(parser: argparse.ArgumentParser) -> None:
    """Add this command's arguments."""
    parser.add_argument("file", metavar="FILE", help="JSON Lines of requests ('-' for stdin)")
    parser.add_argument("-o", "--output", metavar="FILE", help="append outcomes here")
    parser.add_argument("--provider", help="provider for lines that name none")
    parser.add_argument("--mode", help="normalization mode for lines that name none")
    parser.add_argument("--timeout", type=float, help="per-request deadline in seconds")
    parser.add_argument("--window", type=int, default=64, help="requests in flight (64)")
    parser.add_argument(
        "--shard", metavar="K/N", help="only lines whose number is K modulo N (N workers)"
    )
    parser.add_argument(
        "--ray",
        metavar="ADDRESS",
        help="spread the requests over a Ray cluster ('auto' or ray://host:port); needs "
        "videogate[ray] and a shared [state] url",
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress display")
    add_config_argument(parser)


def _shard(text: str | None) -> tuple[int, int]:
    from videogate._contract.errors import InvalidRequest

    if not text:
        return 0, 1
    try:
        k, n = (int(part) for part in text.split("/"))
    except ValueError:
        raise InvalidRequest(f"--shard: expected K/N, got {text!r}", field="shard") from None
    if n < 1 or not 0 <= k < n:
        raise InvalidRequest(f"--shard: need 0 <= K < N, got {text!r}", field="shard")
    return k, n


def _done_lines(path: Path | None) -> set[int]:
    """Line numbers already done in an earlier run's output (successes only)."""
    done: set[int] = set()
    if path is None or not path.is_file():
        return done
    with path.open(encoding="utf-8") as stream:
        for line in stream:
            try:
                record = json.loads(line)
            except ValueError:
                continue  # a line cut by an interrupted run: that request runs again
            if isinstance(record, dict) and record.get("ok") and "index" in record:
                done.add(int(record["index"]))
    return done


class _Progress:
    """One overall bar on stderr: done / failed / running / queued, and an ETA."""

    def __init__(self, total: int, enabled: bool) -> None:
        self.total = total
        self.done = self.failed = 0
        self.running: set[int] = set()
        self.started = time.monotonic()
        self._lock = threading.Lock()
        self._bar: Any = None
        self._task: Any = None
        self._last_line = 0.0
        self.tty = enabled and sys.stderr.isatty()
        self.enabled = enabled

    def __enter__(self) -> _Progress:
        if self.tty:
            from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

            self._bar = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                TimeRemainingColumn(),
                transient=False,
            )
            self._bar.start()
            self._task = self._bar.add_task(self._text(), total=max(1, self.total))
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()
        elif self.enabled:
            print(f"videogate batch: {self._text()}", file=sys.stderr, flush=True)

    def _text(self) -> str:
        queued = max(0, self.total - self.done - self.failed - len(self.running))
        text = (
            f"done {self.done}  failed {self.failed}  running {len(self.running)}  queued {queued}"
        )
        finished = self.done + self.failed
        if not self.tty and finished:
            rate = finished / max(1e-9, time.monotonic() - self.started)
            text += f"  eta {max(0, self.total - finished) / rate:.0f}s"
        return text

    def event(self, item: Any, event: Any) -> None:
        with self._lock:
            if event.remote and not event.phase.terminal:
                self.running.add(item.index)
            self._refresh(advance=0)

    def outcome(self, index: int, ok: bool) -> None:
        with self._lock:
            self.running.discard(index)
            if ok:
                self.done += 1
            else:
                self.failed += 1
            self._refresh(advance=1)

    def _refresh(self, advance: int) -> None:
        if self._bar is not None:
            self._bar.update(self._task, description=self._text(), advance=advance)
        elif self.enabled and time.monotonic() - self._last_line > 5:
            self._last_line = time.monotonic()
            print(f"videogate batch: {self._text()}", file=sys.stderr, flush=True)


def _items(
    stream: IO[str],
    shard: tuple[int, int],
    done: set[int],
    defaults: dict[str, Any],
    report: Any,
) -> Iterator[Any]:
    from videogate._contract.errors import InvalidRequest
    from videogate._engine.batch import BatchOutcome, as_item

    k, n = shard
    for number, line in enumerate(stream, start=1):
        if number % n != k or number in done or not line.strip():
            continue
        try:
            value = json.loads(line)
            item = as_item(value, number)
        except ValueError as exc:
            err = InvalidRequest(f"line {number}: invalid JSON ({exc})")
            report(BatchOutcome(index=number, id=None, error=err))
            continue
        except InvalidRequest as exc:
            exc.message = f"line {number}: {exc.message}"
            exc.args = (exc.message,)
            report(BatchOutcome(index=number, id=None, error=exc))
            continue
        fill = {key: value for key, value in defaults.items() if getattr(item, key) is None}
        if fill:
            import attrs

            item = attrs.evolve(item, **fill)
        yield item


def _count(path: Path | None, shard: tuple[int, int], done: set[int]) -> int:
    if path is None:
        return 0
    k, n = shard
    total = 0
    with path.open(encoding="utf-8") as stream:
        for number, line in enumerate(stream, start=1):
            if number % n == k and number not in done and line.strip():
                total += 1
    return total


def make_engine(args: argparse.Namespace, config: Any) -> Any:
    """The engine the batch runs on (tests substitute one)."""
    from videogate._engine.engine import Engine

    return Engine(config)


def run(args: argparse.Namespace) -> int:
    """Run the batch; see the module docstring for the exit code."""
    from videogate._contract.errors import ConfigError
    from videogate._plugins.config import load_config

    shard = _shard(args.shard)
    source = None if args.file == "-" else Path(args.file)
    if source is not None and not source.is_file():
        raise ConfigError(f"batch file not found: {source}", field="file")
    output = Path(args.output) if args.output else None
    done = _done_lines(output)
    config = load_config(args.config)
    if args.ray:
        from videogate._engine.ray_batch import ready

        ready(config)  # refused before the output is opened or anything is sent
    defaults = {"provider": args.provider, "mode": args.mode}
    defaults = {key: value for key, value in defaults.items() if value is not None}
    out: IO[str] = output.open("a", encoding="utf-8") if output else sys.stdout
    worst = 0
    progress = _Progress(_count(source, shard, done), enabled=not args.no_progress)

    def report(outcome: Any) -> None:
        nonlocal worst
        out.write(json.dumps(outcome.to_dict(), sort_keys=True) + "\n")
        out.flush()
        worst = max(worst, outcome.exit_code)
        progress.outcome(outcome.index, outcome.ok)

    stream: IO[str] = source.open(encoding="utf-8") if source else sys.stdin
    try:
        items = _items(stream, shard, done, defaults, report)
        with progress:
            if args.ray:
                from videogate._engine.ray_batch import run_on_ray

                outcomes = run_on_ray(items, config, address=args.ray, timeout=args.timeout)
                for outcome in outcomes:
                    report(outcome)
            else:
                with make_engine(args, config) as engine:
                    for outcome in engine.map(
                        items, window=args.window, timeout=args.timeout, on_progress=progress.event
                    ):
                        report(outcome)
    finally:
        if source is not None:
            stream.close()
        if output is not None:
            out.close()
    return worst
