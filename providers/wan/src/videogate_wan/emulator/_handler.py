"""The emulator's request handler: each request, routed to its endpoint."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from videogate_wan.emulator._api import ApiRoutes
from videogate_wan.emulator._control import ControlRoutes
from videogate_wan.emulator._http import API, OSS_PATH, SUBMIT_PATH, VIDEO_PREFIX, logger
from videogate_wan.emulator._oss import OssRoutes

__all__ = ["Handler"]


class Handler(ApiRoutes, OssRoutes, ControlRoutes):
    """Speaks the wire protocol of ``wan2.6-i2v-flash`` closely enough for the real,
    unmodified ``dashscope`` SDK.

    Endpoints (under ``/api/v1``): submit, task query (trailing slash and query string
    tolerated), cancel (PENDING only), task list, upload policy; plus the OSS-style form upload
    and the rendered videos. Control endpoints under ``/_emulator``: ``stats``, ``faults``,
    ``config``, ``reset``.
    """

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_HEAD(self) -> None:
        self._dispatch("HEAD")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def _dispatch(self, method: str) -> None:
        split = urlsplit(self.path)
        path = split.path.rstrip("/") or "/"
        self._query = parse_qs(split.query)
        self._api = path.startswith((API, OSS_PATH, VIDEO_PREFIX))
        self._pending_reset = False
        self._pending_delay = 0.0
        self._pending_malformed = False
        body = self._body() if method in ("POST", "DELETE") else b""
        if self._api:
            self.emulator.counters.bump("requests")
        try:
            self._route(method, path, body)
        except Exception as exc:  # an emulator bug must still answer
            logger.exception("emulator failure on %s %s", method, path)
            self._error(500, "InternalError", f"emulator failure: {type(exc).__name__}")

    def _route(self, method: str, path: str, body: bytes) -> None:
        parts = path.split("/")
        if path == SUBMIT_PATH and method == "POST":
            self._submit(body)
        elif path == API + "/tasks" and method == "GET":
            self._list()
        elif path.startswith(API + "/tasks/") and len(parts) == 5 and method == "GET":
            self._get_task(parts[4])
        elif (
            path.startswith(API + "/tasks/")
            and len(parts) == 6
            and parts[5] == "cancel"
            and method == "POST"
        ):
            self._cancel(parts[4])
        elif path == API + "/uploads" and method == "GET":
            self._policy()
        elif path == OSS_PATH and method == "POST":
            self._upload(body)
        elif path.startswith(VIDEO_PREFIX) and method in ("GET", "HEAD"):
            self._video(path[len(VIDEO_PREFIX) :])
        elif path.startswith("/_emulator/"):
            self._control(method, path, body)
        else:
            self._error(404, "NotFound", f"No such endpoint: {method} {path}")
