"""``videogate generate``: one video, with progress on stderr and the result on stdout.

Ctrl-C cancels the job cleanly: the provider is asked to stop, the outcome is printed and
the exit status is 130; a job the provider keeps running stays resumable.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from videogate._cli._common import add_config_argument, seconds

__all__ = ["EXAMPLES", "configure", "run"]

EXAMPLES = """
  videogate generate -i photo.png -p "a lighthouse at dusk, slow push in" \\
      -d 4 --fps 24 -s 1280x720
  videogate generate -P wan -i photo.png -p "waves" -d 5 --fps 30 -s "1280*720" --json
  echo "a quiet lake at dawn" | videogate generate -p - -i lake.png -d 4 --fps 24 \\
      -s 1280x720 -o clip.mp4
  videogate generate --prompt-file shot.txt -i lake.png -d 4 --fps 24 -s 1280x720
  videogate generate ... --option audio=false        # a provider option (JSON value)
"""


def configure(parser: argparse.ArgumentParser) -> None:
    """Add this command's arguments."""
    parser.add_argument("-P", "--provider", help="configured provider name (default from config)")
    prompt = parser.add_mutually_exclusive_group(required=True)
    prompt.add_argument("-p", "--prompt", help="what the video shows; - reads it from stdin")
    prompt.add_argument("--prompt-file", metavar="PATH", help="read the prompt from a text file")
    parser.add_argument("-i", "--image", help="reference image: URL, local path or data: URI")
    parser.add_argument("-d", "--duration", type=float, required=True, help="seconds of video")
    parser.add_argument("--fps", type=float, required=True, help="frames per second")
    parser.add_argument(
        "-s", "--size", required=True, help='WIDTHxHEIGHT, e.g. 1280x720 (or quoted "1280*720")'
    )
    parser.add_argument(
        "-o",
        "--output",
        metavar="PATH",
        help="also copy the video to PATH (a file, or a folder to put it in)",
    )
    parser.add_argument("--negative-prompt", help="what the video must avoid")
    parser.add_argument("--seed", type=int, help="random seed (default: drawn and reported)")
    parser.add_argument("--motion-strength", type=float, help="0 (still) to 1 (strong)")
    parser.add_argument(
        "--mode", choices=("strict", "adjust", "conform"), help="normalization mode"
    )
    parser.add_argument(
        "--option",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="provider option (VALUE parsed as JSON when it can be); repeatable",
    )
    parser.add_argument(
        "--no-cache",
        action="store_true",
        help="do not reuse a stored video (an identical job in flight is still followed, "
        "never paid twice)",
    )
    parser.add_argument("--timeout", type=seconds, help="overall deadline in seconds (> 0)")
    parser.add_argument(
        "--max-cost",
        type=float,
        metavar="AMOUNT",
        help="refuse (exit 2, nothing sent) when the estimated cost exceeds AMOUNT",
    )
    parser.add_argument("--json", action="store_true", help="print the result as one JSON object")
    add_config_argument(parser)


def parse_options(pairs: list[str], namespace: str) -> dict[str, dict[str, Any]]:
    """``NAME=VALUE`` pairs into ``{namespace: {NAME: VALUE}}`` (JSON values when parsable).

    :raises InvalidRequest: a pair without ``=``.
    """
    from videogate._contract.errors import InvalidRequest

    options: dict[str, Any] = {}
    for pair in pairs:
        name, sep, raw = pair.partition("=")
        if not sep or not name.strip():
            raise InvalidRequest(f"--option: expected NAME=VALUE, got {pair!r}", field="options")
        try:
            value = json.loads(raw)
        except ValueError:
            value = raw
        options[name.strip()] = value
    return {namespace: options} if options else {}


def read_prompt(args: argparse.Namespace) -> str:
    """The prompt: ``--prompt`` (``-`` for stdin), else the text of ``--prompt-file``.

    :raises InvalidRequest: the file cannot be read or is not UTF-8 text.
    """
    from videogate._contract.errors import InvalidRequest

    if args.prompt_file is None:
        return str(sys.stdin.read().strip() if args.prompt == "-" else args.prompt)
    try:
        with open(args.prompt_file, encoding="utf-8") as file:
            return file.read().strip()
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise InvalidRequest(
            f"--prompt-file: cannot read {args.prompt_file}: {reason}", field="prompt"
        ) from None


def build_request(args: argparse.Namespace, namespace: str) -> dict[str, Any]:
    """The request mapping from the flags (validated by the engine).

    :raises InvalidRequest: an ``--option`` without ``=``, an unreadable ``--prompt-file``.
    """
    prompt = read_prompt(args)
    request: dict[str, Any] = {
        "prompt": prompt,
        "duration": args.duration,
        "fps": args.fps,
        "size": args.size,
    }
    optional = {
        "reference_image": args.image,
        "negative_prompt": args.negative_prompt,
        "seed": args.seed,
        "motion_strength": args.motion_strength,
    }
    request.update({k: v for k, v in optional.items() if v is not None})
    options = parse_options(args.option, namespace)
    if options:
        request["options"] = options
    return request


def make_engine(args: argparse.Namespace) -> Any:
    """The engine for this invocation (a seam for tests)."""
    from videogate._engine.engine import Engine
    from videogate._plugins.config import load_config

    return Engine(load_config(args.config))


def summary(result: Any) -> str:
    """A short human description of a result."""
    lines = [
        f"video:    {result.video_url}",
        f"duration: {result.duration:g} s   fps: {result.fps:g}   size: {result.size}",
        f"seed:     {result.seed}   provider: {result.provider} ({result.model})",
    ]
    if result.job_id:
        lines.append(f"job:      {result.job_id}")
    if result.task_id:
        lines.append(f"task:     {result.task_id}")
    if result.source_url:
        lines.append(f"source:   {result.source_url}")
    if result.cached:
        lines.append("cached:   yes (no new generation)")
    lines.extend(f"warning:  {w}" for w in result.warnings)
    return "\n".join(lines)


def print_result(result: Any, json_output: bool, saved: Any = None) -> None:
    """The result on stdout: one JSON object, or the summary (with where ``-o`` copied it)."""
    from videogate._contract.convert import unstructure

    if json_output:
        data = unstructure(result)
        if saved is not None:
            data["saved_to"] = str(saved)
        print(json.dumps(data, sort_keys=True))
    else:
        print(summary(result))
        if saved is not None:
            print(f"saved:    {saved}")


def save_copy(result: Any, target: str) -> Any:
    """Copy the stored video of ``result`` to ``target`` (a file, or an existing folder or a
    path ending in ``/`` to put it in); returns the file written."""
    import shutil
    from pathlib import Path

    from videogate._contract.errors import InvalidRequest

    path = Path(target).expanduser()
    if path.is_dir() or target.endswith(("/", "\\")):
        source = result.local_path
        name = source.name if source is not None else f"{(result.sha256 or 'video')[:16]}.mp4"
        path = path / name
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with result.open() as src, path.open("wb") as dst:
            shutil.copyfileobj(src, dst, 1024 * 1024)
    except OSError as exc:
        raise InvalidRequest(f"-o {target}: cannot write: {exc}", field="output") from None
    return path.absolute()


def follow(job: Any, args: argparse.Namespace, *, plain: bool = False) -> int:
    """Wait for ``job`` with progress on stderr; Ctrl-C cancels and returns 130."""
    from videogate._cli._progress import ProgressDisplay, QuietDisplay
    from videogate._contract.errors import Cancelled
    from videogate._engine.run import cancelled_message

    quiet = getattr(args, "quiet", False)
    with QuietDisplay() if quiet else ProgressDisplay(force_plain=plain) as display:
        for event in job.events:
            display(event)
        job.subscribe(display)
        try:
            result = job.wait()
        except KeyboardInterrupt:
            print("videogate: cancelling...", file=sys.stderr, flush=True)
            outcome = job.cancel_sync()
            message = cancelled_message(job.job_id, outcome)
            print(f"videogate: {message}", file=sys.stderr)
            if args.json:
                err = Cancelled(message, outcome=str(outcome), task_id=job.task_id)
                print(json.dumps(err.to_dict(), sort_keys=True))
            return 130
    target = getattr(args, "output", None)
    saved = save_copy(result, target) if target else None
    try:
        print_result(result, args.json, saved)
        sys.stdout.flush()
    except KeyboardInterrupt:
        pass  # the result is delivered (and journaled): an interrupt now changes nothing
    return 0


def run(args: argparse.Namespace) -> int:
    """Generate one video; exit status per the error (2 invalid, 3 refused, 4 transient,
    130 cancelled)."""
    engine = make_engine(args)
    try:
        provider = engine.provider(args.provider)
        namespace = getattr(type(provider), "name", args.provider)
        job = engine.submit(
            build_request(args, namespace),
            provider=args.provider,
            mode=args.mode,
            timeout=args.timeout,
            use_cache=not args.no_cache,
            max_cost=args.max_cost,
        )
        status = follow(job, args)
    finally:
        close_quietly(engine)
    return status


def close_quietly(engine: Any) -> None:
    """Close the engine; a Ctrl-C while closing (after the outcome was printed) is ignored."""
    try:
        engine.close()
    except KeyboardInterrupt:
        engine.close()
