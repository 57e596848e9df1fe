"""Running the emulator for a test or a script: in-process or as a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from videogate_wan.emulator._server import Emulator

__all__ = ["EmulatorProcess", "emulator_process", "running_emulator"]


@contextmanager
def running_emulator(**settings: Any) -> Iterator[Emulator]:
    """An :class:`Emulator` serving on a free loopback port for the ``with`` block."""
    emulator = Emulator(**settings).start()
    try:
        yield emulator
    finally:
        emulator.stop()


class EmulatorProcess:
    """A ``videogate-wan-emulator`` subprocess, driven over HTTP."""

    def __init__(self, process: subprocess.Popen[str], base_url: str) -> None:
        self.process = process
        self.base_url = base_url
        self.origin = base_url.removesuffix("/api/v1")

    def _call(self, method: str, path: str, payload: Any = None) -> Any:
        data = None if payload is None else json.dumps(payload).encode()
        request = urllib.request.Request(
            self.origin + path,
            data=data,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as answer:
            return json.loads(answer.read() or b"null")

    def stats(self) -> dict[str, Any]:
        """``GET /_emulator/stats``."""
        result: dict[str, Any] = self._call("GET", "/_emulator/stats")
        return result

    def inject(self, kind: str, **fields: Any) -> None:
        """``POST /_emulator/faults`` with one fault."""
        self._call("POST", "/_emulator/faults", {"kind": kind, **fields})


@contextmanager
def emulator_process(*args: str, env: dict[str, str] | None = None) -> Iterator[EmulatorProcess]:
    """Start ``videogate-wan-emulator ARGS`` and read its base URL from the first line."""
    command = [sys.executable, "-m", "videogate_wan.emulator._cli", *args]
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, **(env or {})},
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline().strip()
        if not line.startswith("http"):
            raise RuntimeError(f"the emulator did not start (first line: {line!r})")
        yield EmulatorProcess(process, line)
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
        if process.stdout is not None:
            process.stdout.close()
