"""What the MCP tools answer: structured content (plus a short text, and a small contact
sheet as an image), and typed errors as tool errors. Nothing here may carry a secret: every
text passes through :func:`videogate.redact`."""

from __future__ import annotations

import base64
import json
import logging
import os
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import mcp_types as types

from videogate._contract.errors import VideogateError
from videogate._contract.secrets import redact

__all__ = ["MAX_IMAGE_BYTES", "contact_sheet_block", "error_result", "ok_result"]

logger = logging.getLogger("videogate.mcp")

#: Largest contact sheet sent inline as an image block.
MAX_IMAGE_BYTES = 256 * 1024
_SECRET_WORDS = ("key", "secret", "token", "password", "credential")


def _json(data: Any) -> str:
    return redact(json.dumps(data, sort_keys=True, default=str))


def ok_result(data: dict[str, Any], *, summary: str | None = None) -> types.CallToolResult:
    """A successful answer: ``data`` as structured content and as JSON text."""
    clean = json.loads(_json(data))
    text = redact(summary) if summary else _json(clean)
    return types.CallToolResult(
        content=[types.TextContent(text=text)], structured_content=clean, is_error=False
    )


def error_result(exc: BaseException) -> types.CallToolResult:
    """A tool error naming the error class, whether it is retryable, and the message."""
    if isinstance(exc, VideogateError):
        data = exc.to_dict()
        field = getattr(exc, "field", None)
        if field:
            data["field"] = field
        for extra in ("estimate", "limit", "outcome"):
            value = getattr(exc, extra, None)
            if value is not None:
                data[extra] = value
    else:
        logger.error("internal error in an MCP tool: %s: %s", type(exc).__name__, exc)
        data = {"error": "InternalError", "message": str(exc), "retryable": False}
    clean = json.loads(_json(data))
    text = f"{clean['error']} (retryable: {str(clean['retryable']).lower()}): {clean['message']}"
    return types.CallToolResult(
        content=[types.TextContent(text=text)], structured_content=clean, is_error=True
    )


def masked_options(options: dict[str, Any]) -> dict[str, Any]:
    """Provider options with anything that looks like a credential replaced by ``***``."""
    return {
        k: "***" if any(word in k.lower() for word in _SECRET_WORDS) else v
        for k, v in options.items()
    }


def _local_path(url: str) -> Path | None:
    parsed = urlparse(url)
    if parsed.scheme == "file":
        return Path(unquote(parsed.path))
    if parsed.scheme == "" or (len(parsed.scheme) == 1 and os.name == "nt"):
        return Path(url)
    return None


def contact_sheet_block(video_url: str) -> types.ImageContent | None:
    """A small PNG contact sheet of a locally stored video, or ``None`` (remote storage, or
    a sheet larger than :data:`MAX_IMAGE_BYTES`, or any failure, which is only logged)."""
    from videogate._artifacts.contact_sheet import contact_sheet

    path = _local_path(video_url)
    if path is None or not path.is_file():
        return None
    try:
        with tempfile.TemporaryDirectory(prefix="videogate-mcp-") as folder:
            sheet = contact_sheet(path, Path(folder) / "sheet.png", frames=6, columns=3, width=160)
            data = sheet.read_bytes()
    except VideogateError as exc:
        logger.warning("no contact sheet for %s: %s", video_url, exc)
        return None
    if len(data) > MAX_IMAGE_BYTES:
        return None
    return types.ImageContent(data=base64.b64encode(data).decode("ascii"), mime_type="image/png")
