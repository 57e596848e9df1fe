"""The DashScope emulator: a loopback HTTP server speaking the wire protocol of
``wan2.6-i2v-flash`` closely enough for the real, unmodified ``dashscope`` SDK.

Endpoints (under ``/api/v1``): submit, task query (trailing slash and query string
tolerated), cancel (PENDING only), task list, upload policy; plus the OSS-style form upload
and the rendered videos. Control endpoints under ``/_emulator``: ``stats``, ``faults``,
``config``, ``reset``.
"""

from __future__ import annotations

import email.parser
import email.policy
import json
import logging
import shutil
import socket
import struct
import tempfile
import threading
import time
import uuid
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from videogate_wan._capabilities import FPS, output_size
from videogate_wan.emulator._faults import Fault, FaultBook
from videogate_wan.emulator._render import render_mp4
from videogate_wan.emulator._state import Stats, Task, TaskStore, now, service_time
from videogate_wan.emulator._wire import Refusal, check_submit

__all__ = ["Emulator"]

logger = logging.getLogger("videogate_wan.emulator")

API = "/api/v1"
SUBMIT_PATH = API + "/services/aigc/video-generation/video-synthesis"
OSS_PATH = "/_emulator/oss"
VIDEO_PREFIX = "/_emulator/videos/"
URL_LIFETIME = 24 * 3600.0


class Emulator:
    """A DashScope emulator on a background thread.

    :param host: interface to bind; loopback unless you ask otherwise.
    :param port: port to bind; 0 picks a free one.
    :param pending_seconds: how long a task stays PENDING.
    :param running_seconds: how long a task stays RUNNING.
    :param time_scale: multiplies both durations (``0.01`` makes a realistic schedule quick).
    :param api_keys: keys accepted; ``None`` accepts any non-empty key.
    :param enforce_limits: answer 429 ``Throttling.RateQuota`` beyond 5 submits/s and 20
        queries/s, like the service.
    :param task_ttl: seconds after which a task id is forgotten (``UNKNOWN``).
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        pending_seconds: float = 0.0,
        running_seconds: float = 0.0,
        time_scale: float = 1.0,
        api_keys: set[str] | None = None,
        enforce_limits: bool = False,
        task_ttl: float = 24 * 3600.0,
    ) -> None:
        self.host = host
        self.port = port
        self.pending_seconds = pending_seconds
        self.running_seconds = running_seconds
        self.time_scale = time_scale
        self.api_keys = api_keys
        self.enforce_limits = enforce_limits
        self.task_ttl = task_ttl
        self.faults = FaultBook()
        self.store = TaskStore()
        self.counters = Stats()
        self.submitted: list[dict[str, Any]] = []
        self._recent: dict[str, deque[float]] = {"submit": deque(), "query": deque()}
        self._limit_lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._work_dir: Path | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> Emulator:
        """Bind and serve on a daemon thread; returns ``self``."""
        self._work_dir = Path(tempfile.mkdtemp(prefix="videogate-wan-emulator-"))
        server = _Server((self.host, self.port), _Handler)
        server.daemon_threads = True
        server.emulator = self  # type: ignore[attr-defined]
        self._server = server
        self.port = server.server_address[1]
        self._thread = threading.Thread(
            target=server.serve_forever, name="wan-emulator", kwargs={"poll_interval": 0.1}
        )
        self._thread.daemon = True
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve on the calling thread until interrupted (the CLI)."""
        assert self._thread is not None
        try:
            while self._thread.is_alive():
                self._thread.join(0.5)
        finally:
            self.stop()

    def stop(self) -> None:
        """Stop serving and delete the rendered videos."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None
        if self._work_dir is not None:
            shutil.rmtree(self._work_dir, ignore_errors=True)
            self._work_dir = None

    def __enter__(self) -> Emulator:
        return self.start() if self._server is None else self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def origin(self) -> str:
        """``http://host:port``."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def base_url(self) -> str:
        """The DashScope API base to give the SDK (``DASHSCOPE_HTTP_BASE_URL``)."""
        return self.origin + API

    # -- control -----------------------------------------------------------------------------

    def inject(self, kind: str, **fields: Any) -> Fault:
        """Schedule a fault (see :mod:`videogate_wan.emulator._faults`); returns it."""
        fault = Fault(kind=kind, **fields)
        self.faults.add(fault)
        return fault

    def clear_faults(self) -> None:
        """Forget every scheduled fault."""
        self.faults.clear()

    def configure(self, **settings: Any) -> None:
        """Change ``pending_seconds``, ``running_seconds``, ``time_scale``,
        ``enforce_limits`` or ``task_ttl`` for tasks submitted from now on."""
        for name, value in settings.items():
            if name not in (
                "pending_seconds",
                "running_seconds",
                "time_scale",
                "enforce_limits",
                "task_ttl",
            ):
                raise ValueError(f"unknown emulator setting {name!r}")
            setattr(self, name, value)

    def stats(self) -> dict[str, Any]:
        """The counters (``submissions``, ``queries``, ``cancels``, ``uploads``, ...)."""
        data = self.counters.snapshot()
        data["faults_fired"] = self.faults.fired
        data["faults_pending"] = len(self.faults.pending())
        data["tasks"] = len(self.store.all())
        return data

    def settle(self, timeout: float = 10.0) -> bool:
        """Wait until no submit request is being handled (one delayed by a latency fault may
        still create its task after the client gave up); ``False`` if ``timeout`` passed."""
        deadline = time.monotonic() + timeout
        while self.counters.snapshot().get("submits_in_flight", 0) > 0:
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.01)
        return True

    def reset(self) -> None:
        """Forget tasks, uploads, faults and counters."""
        self.faults = FaultBook()
        self.store.clear()
        self.counters = Stats()
        self.submitted.clear()

    def task(self, task_id: str) -> Task | None:
        """A submitted task, by id."""
        return self.store.get(task_id)

    # -- behaviour ---------------------------------------------------------------------------

    def _over_limit(self, kind: str) -> bool:
        if not self.enforce_limits:
            return False
        cap = 5 if kind == "submit" else 20
        with self._limit_lock:
            window = self._recent[kind]
            moment = time.monotonic()
            while window and moment - window[0] > 1.0:
                window.popleft()
            if len(window) >= cap:
                return True
            window.append(moment)
            return False

    def _render(self, task: Task) -> str:
        with task.lock:
            if task.video_path is None:
                assert self._work_dir is not None
                path = self._work_dir / f"{task.task_id}.mp4"
                started = time.perf_counter()
                render_mp4(
                    path,
                    width=task.width,
                    height=task.height,
                    seconds=task.parameters["duration"],
                    fps=FPS,
                    audio=task.parameters["audio"],
                    image=task.image,
                )
                self.counters.add_render(time.perf_counter() - started)
                task.video_path = str(path)
            return task.video_path

    def _task_output(self, task: Task) -> tuple[dict[str, Any], dict[str, Any] | None]:
        moment = now()
        status = task.status(moment)
        if moment - task.created > self.task_ttl:
            status = "UNKNOWN"
        output: dict[str, Any] = {"task_id": task.task_id, "task_status": status}
        if status == "UNKNOWN":
            return output, None
        output["submit_time"] = service_time(task.created_wall)
        if status != "PENDING":
            output["scheduled_time"] = service_time(task.created_wall + task.pending_seconds)
        usage = None
        if status == "SUCCEEDED":
            self._render(task)
            end = task.end_wall()
            output["end_time"] = service_time(end)
            output["orig_prompt"] = task.prompt
            output["video_url"] = (
                f"{self.origin}{VIDEO_PREFIX}{task.task_id}.mp4?Expires={int(end + URL_LIFETIME)}"
                "&OSSAccessKeyId=emulator&Signature=emulated"
            )
            seconds = task.parameters["duration"]
            usage = {
                "duration": seconds,
                "input_video_duration": 0,
                "output_video_duration": seconds,
                "video_count": 1,
                "SR": 720 if task.parameters["resolution"] == "720P" else 1080,
                "audio": task.parameters["audio"],
            }
        elif status == "FAILED":
            output["end_time"] = service_time(task.end_wall())
            output["code"] = task.fail_code or "InternalError"
            output["message"] = task.fail_message or "An internal error has occured."
        elif status == "CANCELED":
            output["end_time"] = service_time(task.end_wall())
        return output, usage

    def _create_task(self, spec: Any) -> Task:
        scale = self.time_scale
        width, height = spec.image_size or (16, 9)
        size = output_size(spec.resolution, width / height)
        parameters = dict(spec.parameters)
        parameters.update(resolution=spec.resolution, duration=spec.duration, audio=spec.audio)
        task = Task(
            task_id=self.store.new_id(),
            model="wan2.6-i2v-flash",
            prompt=spec.prompt,
            parameters=parameters,
            width=size.width,
            height=size.height,
            image=spec.image,
            created=now(),
            created_wall=time.time(),
            pending_seconds=self.pending_seconds * scale,
            running_seconds=self.running_seconds * scale,
        )
        for fault in self.faults.take("submit", task=True):
            if fault.kind == "fail":
                task.forced = "FAILED"
                task.fail_code = fault.code or "InternalError"
                task.fail_message = fault.message or "An internal error has occured."
            elif fault.kind == "reject_output":
                task.forced = "FAILED"
                task.fail_code = fault.code or "DataInspectionFailed"
                task.fail_message = (
                    fault.message or "Output data may contain inappropriate content."
                )
            elif fault.kind == "stuck":
                task.forced = fault.state if fault.state in ("PENDING", "RUNNING") else "RUNNING"
            elif fault.kind == "unknown":
                task.forced = "UNKNOWN"
        self.store.add(task)
        return task


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients that hang up (and injected resets) are normal here, not worth a traceback.
        logger.debug("connection from %s ended abruptly", client_address, exc_info=True)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "videogate-wan-emulator"

    @property
    def emulator(self) -> Emulator:
        return self.server.emulator  # type: ignore[attr-defined, no-any-return]

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("%s %s", self.address_string(), format % args)

    # -- plumbing ----------------------------------------------------------------------------

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
            if fault.kind == "latency":
                time.sleep(fault.seconds)
                continue
            if fault.kind == "throttle":
                code = fault.code or "Throttling.RateQuota"
                self._error(
                    429,
                    code,
                    fault.message or "Requests rate limit exceeded, please try again later.",
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

    # -- dispatch ----------------------------------------------------------------------------

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

    # -- API ---------------------------------------------------------------------------------

    def _submit(self, raw: bytes) -> None:
        # Counted while handled, so a caller can wait for submits its client gave up on
        # (a latency fault) before reading ``submissions``: see :meth:`Emulator.settle`.
        counters = self.emulator.counters
        counters.bump("submits_in_flight")
        try:
            self._handle_submit(raw)
        finally:
            counters.bump("submits_in_flight", -1)

    def _handle_submit(self, raw: bytes) -> None:
        emulator = self.emulator
        emulator.counters.bump("submit_requests")
        if self._apply_http_faults("submit"):
            return
        if not self._authorized():
            return
        if (self.headers.get("X-DashScope-Async") or "").lower() != "enable":
            self._error(403, "AccessDenied", "current user api does not support synchronous calls")
            return
        if emulator._over_limit("submit"):
            self._error(
                429,
                "Throttling.RateQuota",
                "Requests rate limit exceeded, please try again later.",
                {"Retry-After": "1"},
            )
            return
        try:
            body = json.loads(raw or b"null")
        except ValueError:
            self._error(400, "InvalidParameter", "The request body is not valid JSON.")
            return
        resolve = (self.headers.get("X-DashScope-OssResourceResolve") or "").lower() == "enable"
        record = _summary(body)
        record["oss_resolve"] = resolve
        emulator.submitted.append(record)
        try:
            spec = check_submit(
                body,
                resolve_oss=resolve,
                objects=dict(emulator.store.objects),
                own_origin=emulator.origin,
            )
        except Refusal as refusal:
            self._error(refusal.status, refusal.code, refusal.message)
            return
        emulator.counters.ignored(set(spec.ignored))
        task = emulator._create_task(spec)
        emulator.counters.bump("submissions")
        record["task_id"] = task.task_id
        if self._pending_reset:
            self._reset()
            return
        self._json(
            200,
            {
                "request_id": str(uuid.uuid4()),
                "output": {"task_id": task.task_id, "task_status": "PENDING"},
            },
        )

    def _get_task(self, task_id: str) -> None:
        emulator = self.emulator
        emulator.counters.bump("queries")
        if self._apply_http_faults("query") or not self._authorized():
            return
        if emulator._over_limit("query"):
            self._error(
                429,
                "Throttling.RateQuota",
                "Requests rate limit exceeded, please try again later.",
                {"Retry-After": "1"},
            )
            return
        task = emulator.store.get(task_id)
        payload: dict[str, Any] = {"request_id": str(uuid.uuid4())}
        if task is None:
            payload["output"] = {"task_id": task_id, "task_status": "UNKNOWN"}
        else:
            output, usage = emulator._task_output(task)
            payload["output"] = output
            if usage is not None:
                payload["usage"] = usage
        self._json(200, payload)

    def _cancel(self, task_id: str) -> None:
        emulator = self.emulator
        emulator.counters.bump("cancels")
        if self._apply_http_faults("cancel") or not self._authorized():
            return
        task = emulator.store.get(task_id)
        if task is None:
            self._error(404, "NotFound", f"Task {task_id} does not exist.")
            return
        with task.lock:
            if task.status(now()) != "PENDING":
                self._error(
                    400,
                    "UnsupportedOperation",
                    "Failed to cancel the task, please confirm if the task is in PENDING status.",
                )
                return
            task.cancelled_at = now()
            task.ended_wall = time.time()
        emulator.counters.bump("cancelled")
        self._json(200, {"request_id": str(uuid.uuid4())})

    def _list(self) -> None:
        emulator = self.emulator
        emulator.counters.bump("lists")
        if self._apply_http_faults("list") or not self._authorized():
            return

        def first(name: str, default: str) -> str:
            return self._query.get(name, [default])[0]

        try:
            page_no = max(1, int(first("page_no", "1")))
            page_size = max(1, min(100, int(first("page_size", "10"))))
        except ValueError:
            self._error(400, "InvalidParameter", "page_no and page_size must be integers.")
            return
        wanted = first("status", "")
        rows = []
        for task in sorted(emulator.store.all(), key=lambda t: t.created, reverse=True):
            status = task.status(now())
            if wanted and status != wanted:
                continue
            rows.append(
                {
                    "task_id": task.task_id,
                    "task_status": status,
                    "model_name": task.model,
                    "gmt_create": service_time(task.created_wall),
                }
            )
        start = (page_no - 1) * page_size
        self._json(
            200,
            {
                "request_id": str(uuid.uuid4()),
                "page_no": page_no,
                "page_size": page_size,
                "total": len(rows),
                "tasks": rows[start : start + page_size],
            },
        )

    def _policy(self) -> None:
        emulator = self.emulator
        emulator.counters.bump("policies")
        if self._apply_http_faults("policy") or not self._authorized():
            return
        if self._query.get("action", [""])[0] != "getPolicy" or not self._query.get("model"):
            self._error(400, "InvalidParameter", "action=getPolicy and model are required.")
            return
        day = time.strftime("%Y-%m-%d")
        self._json(
            200,
            {
                "request_id": str(uuid.uuid4()),
                "data": {
                    "policy": "ZW11bGF0ZWQtcG9saWN5",
                    "signature": "emulated-signature",
                    "upload_dir": f"dashscope-instant/{uuid.uuid4().hex}/{day}/{uuid.uuid4()}",
                    "upload_host": emulator.origin + OSS_PATH,
                    "expire_in_seconds": 300,
                    "max_file_size_mb": 100,
                    "capacity_limit_mb": 999999999,
                    "oss_access_key_id": "EMULATEDACCESSKEY",
                    "x_oss_object_acl": "private",
                    "x_oss_forbid_overwrite": "true",
                },
            },
        )

    def _upload(self, body: bytes) -> None:
        emulator = self.emulator
        if self._apply_http_faults("upload"):
            return
        fields = _multipart(self.headers.get("Content-Type") or "", body)
        required = ("OSSAccessKeyId", "Signature", "policy", "key", "file")
        missing = [name for name in required if name not in fields]
        if missing or "x-oss-object-acl" not in fields or "x-oss-forbid-overwrite" not in fields:
            self._send(
                403,
                b"<Error><Code>AccessDenied</Code><Message>Invalid according to Policy"
                b"</Message></Error>",
                "application/xml",
            )
            return
        key = fields["key"].decode()
        overwrite = fields["x-oss-forbid-overwrite"].decode().lower() != "true"
        if not emulator.store.put_object(key, fields["file"], overwrite=overwrite):
            self._send(
                409,
                b"<Error><Code>FileAlreadyExists</Code><Message>The object already exists"
                b"</Message></Error>",
                "application/xml",
            )
            return
        emulator.counters.bump("uploads")
        self._send(200, b"", "text/plain")

    def _video(self, name: str) -> None:
        emulator = self.emulator
        if self._apply_http_faults("video"):
            return
        task = emulator.store.get(name.removesuffix(".mp4"))
        if task is None or task.status(now()) != "SUCCEEDED":
            self._send(
                404,
                b"<Error><Code>NoSuchKey</Code><Message>The specified key does not exist."
                b"</Message></Error>",
                "application/xml",
            )
            return
        data = Path(emulator._render(task)).read_bytes()
        emulator.counters.bump("video_downloads")
        self._send(200, data, "video/mp4")

    # -- control -----------------------------------------------------------------------------

    def _control(self, method: str, path: str, body: bytes) -> None:
        emulator = self.emulator
        if path == "/_emulator/stats" and method == "GET":
            self._json(200, emulator.stats())
        elif path == "/_emulator/faults" and method == "GET":
            self._json(200, {"faults": [_fault_json(f) for f in emulator.faults.pending()]})
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
            self._json(
                200,
                {
                    "pending_seconds": emulator.pending_seconds,
                    "running_seconds": emulator.running_seconds,
                    "time_scale": emulator.time_scale,
                    "enforce_limits": emulator.enforce_limits,
                    "task_ttl": emulator.task_ttl,
                },
            )
        elif path == "/_emulator/reset" and method == "POST":
            emulator.reset()
            self._json(200, {"reset": True})
        else:
            self._json(404, {"error": f"no control endpoint {method} {path}"})


def _fault_json(fault: Fault) -> dict[str, Any]:
    import attrs

    return attrs.asdict(fault)


def _summary(body: Any) -> dict[str, Any]:
    """What a submit asked for, with image payloads shortened (kept for tests)."""
    if not isinstance(body, dict):
        return {"body": repr(body)[:200]}
    inputs = dict(body.get("input") or {}) if isinstance(body.get("input"), dict) else {}
    for key in ("img_url", "audio_url"):
        value = inputs.get(key)
        if isinstance(value, str) and value.startswith("data:"):
            inputs[key] = value[: value.find(",") + 1] + "..."
    parameters = body.get("parameters")
    return {
        "model": body.get("model"),
        "input": inputs,
        "parameters": dict(parameters) if isinstance(parameters, dict) else parameters,
    }


def _multipart(content_type: str, body: bytes) -> dict[str, bytes]:
    """The fields of a ``multipart/form-data`` body, by name."""
    if not content_type.startswith("multipart/form-data"):
        return {}
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    fields: dict[str, bytes] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if isinstance(name, str):
            payload = part.get_payload(decode=True)
            fields[name] = payload if isinstance(payload, bytes) else b""
    return fields
