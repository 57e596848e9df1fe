"""The DashScope API routes: submit, task query, cancel, task list and upload policy.

The task list (``GET /api/v1/tasks``) filters by ``status``, ``model_name`` and the window
``start_time``..``end_time`` (``YYYYMMDDhhmmss``, service time UTC+8, inclusive), newest
first, paged by ``page_no``/``page_size`` (at most 100).
"""

from __future__ import annotations

import json
import time
import uuid
from datetime import datetime
from typing import Any

from videogate_wan.emulator._http import OSS_PATH, RequestHandler
from videogate_wan.emulator._state import SERVICE_TZ, now, service_time
from videogate_wan.emulator._wire import Refusal, check_submit

__all__ = ["ApiRoutes"]


class ApiRoutes(RequestHandler):
    """The ``/api/v1`` endpoints the ``dashscope`` SDK calls."""

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
        if not self._admitted("submit"):
            return
        if (self.headers.get("X-DashScope-Async") or "").lower() != "enable":
            self._error(403, "AccessDenied", "current user api does not support synchronous calls")
            return
        if self._throttled("submit"):
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
        task = emulator.create_task(spec)
        emulator.counters.bump("submissions")
        record["task_id"] = task.task_id
        if self._pending_reset:
            self._reset()
            return
        if self._pending_delay:
            time.sleep(self._pending_delay)
        if self._pending_malformed:
            self._send(200, b'{"request_id": "x", "output": {"task_id": ', "application/json")
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
        if not self._admitted("query") or self._throttled("query"):
            return
        task = emulator.store.get(task_id)
        payload: dict[str, Any] = {"request_id": str(uuid.uuid4())}
        if task is None:
            payload["output"] = {"task_id": task_id, "task_status": "UNKNOWN"}
        else:
            output, usage = emulator.task_output(task)
            payload["output"] = output
            if usage is not None:
                payload["usage"] = usage
        self._json(200, payload)

    def _cancel(self, task_id: str) -> None:
        emulator = self.emulator
        emulator.counters.bump("cancels")
        if not self._admitted("cancel"):
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
        if not self._admitted("list"):
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
        model = first("model_name", "")
        try:
            since = _list_time(first("start_time", ""))
            until = _list_time(first("end_time", ""))
        except ValueError:
            self._error(400, "InvalidParameter", "start_time and end_time are YYYYMMDDhhmmss.")
            return
        rows = []
        for task in sorted(emulator.store.all(), key=lambda t: t.created, reverse=True):
            status = task.status(now())
            if wanted and status != wanted:
                continue
            if model and task.model != model:
                continue
            created = int(task.created_wall)  # the list's times are whole seconds
            if (since is not None and created < since) or (until is not None and created > until):
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
        if not self._admitted("policy"):
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


def _list_time(text: str) -> float | None:
    """``YYYYMMDDhhmmss`` in service time (UTC+8) as Unix time; ``None`` when empty."""
    if not text:
        return None
    moment = datetime.strptime(text, "%Y%m%d%H%M%S").replace(tzinfo=SERVICE_TZ)
    return moment.timestamp()


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
