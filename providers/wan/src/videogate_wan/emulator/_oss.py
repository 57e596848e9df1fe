"""The OSS side of the emulator: form uploads (``multipart/form-data``) and video downloads."""

from __future__ import annotations

import email.parser
import email.policy
from pathlib import Path

from videogate_wan.emulator._http import RequestHandler
from videogate_wan.emulator._state import now

__all__ = ["OssRoutes"]


class OssRoutes(RequestHandler):
    """The upload host the upload policy names, and the signed video URLs of tasks."""

    def _upload(self, body: bytes) -> None:
        emulator = self.emulator
        if self._apply_http_faults("upload"):
            return
        fields = _multipart(self.headers.get("Content-Type") or "", body)
        required = ("OSSAccessKeyId", "Signature", "policy", "key", "file")
        missing = [name for name in required if name not in fields]
        if missing or "x-oss-object-acl" not in fields or "x-oss-forbid-overwrite" not in fields:
            self._oss_error(403, "AccessDenied", "Invalid according to Policy")
            return
        key = fields["key"].decode()
        overwrite = fields["x-oss-forbid-overwrite"].decode().lower() != "true"
        if not emulator.store.put_object(key, fields["file"], overwrite=overwrite):
            self._oss_error(409, "FileAlreadyExists", "The object already exists")
            return
        emulator.counters.bump("uploads")
        self._send(200, b"", "text/plain")

    def _video(self, name: str) -> None:
        emulator = self.emulator
        if self._apply_http_faults("video"):
            return
        task = emulator.store.get(name.removesuffix(".mp4"))
        if task is None or task.status(now()) != "SUCCEEDED":
            self._oss_error(404, "NoSuchKey", "The specified key does not exist.")
            return
        data = Path(emulator.render(task)).read_bytes()
        emulator.counters.bump("video_downloads")
        self._send(200, data, "video/mp4")

    def _oss_error(self, status: int, code: str, message: str) -> None:
        body = f"<Error><Code>{code}</Code><Message>{message}</Message></Error>"
        self._send(status, body.encode(), "application/xml")


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
