"""The ``/_emulator`` control endpoints: ``stats``, ``faults``, ``config`` and ``reset``."""

from __future__ import annotations

import json

import attrs

from videogate_wan.emulator._faults import Fault
from videogate_wan.emulator._http import RequestHandler

__all__ = ["ControlRoutes"]


class ControlRoutes(RequestHandler):
    """Reading and steering the emulator over HTTP (for a subprocess or another language)."""

    def _control(self, method: str, path: str, body: bytes) -> None:
        emulator = self.emulator
        if path == "/_emulator/stats" and method == "GET":
            self._json(200, emulator.stats())
        elif path == "/_emulator/faults" and method == "GET":
            self._json(200, {"faults": [attrs.asdict(f) for f in emulator.faults.pending()]})
        elif path == "/_emulator/faults" and method == "POST":
            try:
                data = json.loads(body or b"null")
                items = data.get("faults", [data]) if isinstance(data, dict) else data
                if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
                    raise ValueError('expected a fault object, a list, or {"faults": [...]}')
                faults = [Fault.from_json(item) for item in items]
            except ValueError as exc:
                self._json(400, {"error": str(exc)})
                return
            for fault in faults:
                emulator.faults.add(fault)
            self._json(200, {"scheduled": len(faults)})
        elif path == "/_emulator/faults" and method == "DELETE":
            emulator.clear_faults()
            self._json(200, {"scheduled": 0})
        elif path == "/_emulator/config" and method in ("GET", "POST"):
            if method == "POST":
                try:
                    emulator.configure(**json.loads(body or b"{}"))
                except (ValueError, TypeError) as exc:
                    self._json(400, {"error": str(exc)})
                    return
            self._json(200, emulator.settings())
        elif path == "/_emulator/reset" and method == "POST":
            emulator.reset()
            self._json(200, {"reset": True})
        else:
            self._json(404, {"error": f"no control endpoint {method} {path}"})
