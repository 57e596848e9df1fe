"""HTTP plumbing under the routes: URL layout, threaded server, base request handler."""

from __future__ import annotations

import json
import logging
import socket
import struct
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from videogate_wan.emulator._backend import Backend

__all__ = [
    "API",
    "SUBMIT_PATH",
    "OSS_PATH",
    "VIDEO_PREFIX",
    "URL_LIFETIME",
    "logger",
    "Server",
    "RequestHandler",
]

logger = logging.getLogger("videogate_wan.emulator")

API: Final = "/api/v1"
SUBMIT_PATH: Final = API + "/services/aigc/video-generation/video-synthesis"
OSS_PATH: Final = "/_emulator/oss"
VIDEO_PREFIX: Final = "/_emulator/videos/"
URL_LIFETIME: Final = 24 * 3600.0
_RATE_LIMITED: Final = "Requests rate limit exceeded, please try again later."


class Server(ThreadingHTTPServer):
    """The threaded HTTP server of one :class:`Backend`."""

    daemon_threads = True

    def __init__(self, emulator: Backend, handler: type[BaseHTTPRequestHandler]) -> None:
        self.emulator = emulator
        super().__init__((emulator.host, emulator.port), handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients that hang up (and injected resets) are normal here, not worth a traceback.
        logger.debug("connection from %s ended abruptly", client_address, exc_info=True)


class RequestHandler(BaseHTTPRequestHandler):
    """What every route uses to answer; the dispatcher sets the per-request attributes."""

    protocol_version = "HTTP/1.1"
    server_version = "videogate-wan-emulator"

    _query: dict[str, list[str]]
    _api: bool
    _pending_reset: bool
    _pending_delay: float
    _pending_malformed: bool

    @property
    def emulator(self) -> Backend:
        server = self.server
        assert isinstance(server, Server)
        return server.emulator

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("%s %s", self.address_string(), format % args)

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _send(
        self,
        status: int,
        body: bytes,
        content_type: str = "application/json",
        headers: dict[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        if status >= 400 and self._api:
            self.emulator.counters.bump("errors")
        self._send(status, json.dumps(payload).encode(), headers=headers)

    def _error(
        self, status: int, code: str, message: str, headers: dict[str, str] | None = None
    ) -> None:
        payload = {"code": code, "message": message, "request_id": str(uuid.uuid4())}
        self._json(status, payload, headers)

    def _reset(self) -> None:
        """Drop the connection with a TCP reset and no answer."""
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.rfile.close()
            self.wfile.close()
            self.connection.close()
        except OSError:
            pass

    def _admitted(self, endpoint: str) -> bool:
        """Apply HTTP faults, then check the API key; ``False`` when the request was answered."""
        return not self._apply_http_faults(endpoint) and self._authorized()

    def _throttled(self, kind: str) -> bool:
        """Answer 429 when ``kind`` (``submit`` or ``query``) is over the service's rate."""
        if not self.emulator.over_limit(kind):
            return False
        self.emulator.counters.bump("throttled")
        self._error(429, "Throttling.RateQuota", _RATE_LIMITED, {"Retry-After": "1"})
        return True

    def _authorized(self) -> bool:
        header = self.headers.get("Authorization") or ""
        key = header[len("Bearer ") :].strip() if header.startswith("Bearer ") else ""
        if not key:
            self._error(401, "InvalidApiKey", "No API-key provided.")
            return False
        allowed = self.emulator.api_keys
        if allowed is not None and key not in allowed:
            self._error(401, "InvalidApiKey", "Invalid API-key provided.")
            return False
        return True

    def _apply_http_faults(self, endpoint: str) -> bool:
        """Apply scheduled HTTP faults; ``True`` when one answered (or dropped) the request."""
        for fault in self.emulator.faults.take(endpoint):
            self.emulator.counters.bump("faults_fired")
            if fault.after and endpoint == "submit" and fault.kind in ("latency", "malformed"):
                # Acted on once the task exists: its answer is late, or unreadable.
                if fault.kind == "latency":
                    self._pending_delay += fault.seconds
                else:
                    self._pending_malformed = True
                continue
            if fault.kind == "latency":
                time.sleep(fault.seconds)
                continue
            if fault.kind == "throttle":
                self._error(
                    429,
                    fault.code or "Throttling.RateQuota",
                    fault.message or _RATE_LIMITED,
                    {"Retry-After": f"{fault.seconds:g}"},
                )
            elif fault.kind == "error":
                self._error(
                    fault.status,
                    fault.code or "InternalError",
                    fault.message or "An internal error has occured, please try again later.",
                )
            elif fault.kind == "malformed":
                self._send(200, b'{"request_id": "x", "output": {"task_id": ', "application/json")
            elif fault.kind == "reject":
                self._error(
                    400,
                    fault.code or "DataInspectionFailed",
                    fault.message or "Input data may contain inappropriate content.",
                )
            elif fault.kind == "reset":
                if fault.after:
                    self._pending_reset = True
                    return False
                self._reset()
            return True
        return False
