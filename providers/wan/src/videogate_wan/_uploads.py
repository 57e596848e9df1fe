"""Local input files to DashScope's temporary OSS storage, through the SDK's own upload
mechanism (getPolicy, then a form upload): the ``oss://`` URLs a task may read."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from http import HTTPStatus
from typing import Any

from videogate import InvalidRequest, MalformedResponse, VideogateError
from videogate_wan._capabilities import MODEL
from videogate_wan._settings import WanSettings

__all__ = ["staged", "upload"]

#: URL schemes DashScope reads itself: nothing to upload.
REMOTE = ("http://", "https://", "oss://")


def upload(
    path: str,
    api_key: str,
    settings: WanSettings,
    base_url: str,
    response_error: Callable[[Any, str], VideogateError],
) -> str:
    """``oss://...`` for the local file ``path``.

    :raises InvalidRequest: the file is gone.
    :raises VideogateError: DashScope refused the upload policy (``response_error``).
    """
    from dashscope.utils.oss_utils import OssUtils

    if not os.path.isfile(path):
        raise InvalidRequest(f"reference_image: file not found: {path}", field="reference_image")
    policy = OssUtils.get_upload_certificate(
        model=MODEL,
        api_key=api_key,
        base_address=base_url,
        workspace=settings.workspace,
        request_timeout=settings.request_timeout,
    )
    if policy.status_code != HTTPStatus.OK:
        raise response_error(policy, "upload")
    certificate = policy.output
    if not isinstance(certificate, Mapping):
        raise MalformedResponse("DashScope returned an upload policy without data", provider="wan")
    oss_url, _ = OssUtils.upload(
        model=MODEL, file_path=path, api_key=api_key, upload_certificate=dict(certificate)
    )
    return str(oss_url)


def staged(native: dict[str, Any], send: Callable[[str], str]) -> dict[str, Any]:
    """``native`` with its local image and audio files replaced by what ``send(path)``
    returns (their uploaded URLs); URLs and data URIs stay as they are."""
    result = dict(native)
    image = native["image"]
    if image["kind"] == "path":
        result["image"] = {"kind": "url", "value": send(image["value"])}
    audio_url = native.get("audio_url")
    if audio_url is not None and not audio_url.startswith(REMOTE):
        result["audio_url"] = send(audio_url)
    return result
