"""Provider configuration (the ``[providers.NAME]`` table) and per-request options
(``request.options["wan"]``), validated with messages that name the offending key.

Per-request options override the configured defaults. Defaults differ from the service's in
one place on purpose: ``audio`` is off unless asked for, because the service's default (on)
is billed at the more expensive audio tier.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from typing import Any, Final
from urllib.parse import urlparse

import attrs

from videogate import ConfigError, InvalidRequest, Secret, UnsupportedParameter
from videogate_wan._capabilities import MODEL, OPTIONS, RESOLUTIONS

__all__ = ["REGIONS", "RequestOptions", "WanSettings", "request_options"]

#: DashScope HTTP API bases of the regions that offer wan2.6-i2v-flash.
REGIONS: Final[dict[str, str]] = {
    "beijing": "https://dashscope.aliyuncs.com/api/v1",
    "singapore": "https://dashscope-intl.aliyuncs.com/api/v1",
}
_REGION_ALIASES: Final = {
    "cn-beijing": "beijing",
    "ap-southeast-1": "singapore",
    "intl": "singapore",
}
BASE_URL_ENV: Final = "DASHSCOPE_HTTP_BASE_URL"
SHOT_TYPES: Final = ("single", "multi")

_KNOWN: Final = (
    "model",
    "api_key",
    "region",
    "base_url",
    "workspace",
    "audio",
    "resolution",
    "prompt_extend",
    "shot_type",
    "watermark",
    "request_timeout",
)


def _config_error(key: str, message: str) -> ConfigError:
    return ConfigError(f"wan provider option {key}: {message}", field=key, provider="wan")


def _bool(key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise _config_error(key, f"must be true or false, got {value!r}")
    return value


def _resolution(value: Any) -> str:
    if not isinstance(value, str) or value.upper() not in RESOLUTIONS:
        raise ValueError(f"must be 720P or 1080P, got {value!r}")
    return value.upper()


def _shot_type(value: Any) -> str:
    if value not in SHOT_TYPES:
        raise ValueError(f"must be single or multi, got {value!r}")
    return str(value)


def _base_url(value: str, key: str) -> str:
    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise _config_error(key, f"must be an http(s) URL such as {REGIONS['beijing']}")
    return value.rstrip("/")


@attrs.frozen(kw_only=True)
class WanSettings:
    """The validated provider configuration.

    :ivar base_url: the DashScope HTTP API base (``.../api/v1``) this instance talks to.
    :ivar resolutions: the tiers this instance offers (both, or the configured one).
    """

    api_key: Secret | str | None = attrs.field(default=None, repr=False)
    region: str = "beijing"
    base_url: str = REGIONS["beijing"]
    workspace: str | None = None
    audio: bool = False
    resolutions: tuple[str, ...] = ("720P", "1080P")
    prompt_extend: bool = True
    shot_type: str | None = None
    watermark: bool = False
    request_timeout: float = 120.0

    @classmethod
    def from_options(
        cls, options: Mapping[str, Any], env: Mapping[str, str] | None = None
    ) -> WanSettings:
        """Validate the ``[providers.NAME]`` options.

        :raises ConfigError: an unknown key, a wrong type, or a model other than exactly
            ``wan2.6-i2v-flash``.
        """
        env = os.environ if env is None else env
        unknown = sorted(set(options) - set(_KNOWN))
        if unknown:
            raise _config_error(unknown[0], f"unknown option (known: {', '.join(sorted(_KNOWN))})")
        model = options.get("model", MODEL)
        if model != MODEL:
            raise _config_error(
                "model",
                f"only {MODEL!r} is supported, exactly as written; got {model!r} "
                "(aliases, other models and dated variants are refused)",
            )
        values: dict[str, Any] = {}
        api_key = options.get("api_key")
        if api_key is not None:
            if isinstance(api_key, str) and api_key.strip():
                values["api_key"] = Secret(api_key.strip())
            elif isinstance(api_key, Secret):
                values["api_key"] = api_key
            else:
                raise _config_error("api_key", "must be a non-empty string")
        region = options.get("region", "beijing")
        if not isinstance(region, str) or _REGION_ALIASES.get(region, region) not in REGIONS:
            raise _config_error("region", f"must be beijing or singapore, got {region!r}")
        region = _REGION_ALIASES.get(region, region)
        values["region"] = region
        if options.get("base_url") is not None:
            if not isinstance(options["base_url"], str):
                raise _config_error("base_url", "must be a string")
            values["base_url"] = _base_url(options["base_url"], "base_url")
        elif env.get(BASE_URL_ENV):
            values["base_url"] = _base_url(env[BASE_URL_ENV], f"${BASE_URL_ENV}")
        else:
            values["base_url"] = REGIONS[region]
        workspace = options.get("workspace")
        if workspace is not None and (not isinstance(workspace, str) or not workspace.strip()):
            raise _config_error("workspace", "must be a non-empty string")
        values["workspace"] = workspace
        for key in ("audio", "prompt_extend", "watermark"):
            if key in options:
                values[key] = _bool(key, options[key])
        if options.get("resolution") is not None:
            try:
                values["resolutions"] = (_resolution(options["resolution"]),)
            except ValueError as exc:
                raise _config_error("resolution", str(exc)) from None
        if options.get("shot_type") is not None:
            try:
                values["shot_type"] = _shot_type(options["shot_type"])
            except ValueError as exc:
                raise _config_error("shot_type", str(exc)) from None
        if "request_timeout" in options:
            timeout = options["request_timeout"]
            if (
                isinstance(timeout, bool)
                or not isinstance(timeout, int | float)
                or not math.isfinite(timeout)
                or timeout <= 0
            ):
                raise _config_error("request_timeout", "must be a number of seconds > 0")
            values["request_timeout"] = float(timeout)
        settings = cls(**values)
        if settings.shot_type == "multi" and not settings.prompt_extend:
            raise _config_error(
                "shot_type", "multi only works with prompt_extend = true (the service ignores it)"
            )
        return settings


@attrs.frozen(kw_only=True)
class RequestOptions:
    """The service parameters of one request, after merging defaults and request options."""

    audio: bool
    prompt_extend: bool
    watermark: bool
    shot_type: str | None
    resolution: str | None
    audio_url: str | None


def _invalid(name: str, message: str) -> InvalidRequest:
    return InvalidRequest(
        f"options.wan.{name}: {message}", field=f"options.wan.{name}", provider="wan"
    )


def _audio_url(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _invalid("audio_url", "must be an http(s) URL or a local wav/mp3 file path")
    text: str = value.strip()
    scheme = urlparse(text).scheme.lower()
    if scheme in ("http", "https", "oss"):
        return text
    path = os.path.abspath(os.path.expanduser(text[7:] if scheme == "file" else text))
    if not os.path.isfile(path):
        raise _invalid("audio_url", f"file not found: {text}")
    if os.path.splitext(path)[1].lower() not in (".wav", ".mp3"):
        raise _invalid("audio_url", "the service accepts wav or mp3 audio")
    if os.path.getsize(path) > 15 * 1024 * 1024:
        raise _invalid("audio_url", "the service accepts audio files of at most 15 MB")
    return path


def request_options(settings: WanSettings, given: Mapping[str, Any]) -> RequestOptions:
    """Merge the configured defaults with ``request.options["wan"]``.

    :raises UnsupportedParameter: an option name the provider does not know.
    :raises InvalidRequest: a known option with a wrong value (the field is
        ``options.wan.NAME``).
    """
    for name in given:
        if name not in OPTIONS:
            raise UnsupportedParameter(
                f"options.wan.{name}: unknown option for wan (known: {', '.join(OPTIONS)})",
                field=f"options.wan.{name}",
                value=name,
                supported=", ".join(OPTIONS),
                provider="wan",
            )
    values: dict[str, Any] = {
        "audio": settings.audio,
        "prompt_extend": settings.prompt_extend,
        "watermark": settings.watermark,
        "shot_type": settings.shot_type,
        "resolution": None,
        "audio_url": None,
    }
    for key in ("audio", "prompt_extend", "watermark"):
        if key in given:
            if not isinstance(given[key], bool):
                raise _invalid(key, f"must be true or false, got {given[key]!r}")
            values[key] = given[key]
    if given.get("shot_type") is not None:
        try:
            values["shot_type"] = _shot_type(given["shot_type"])
        except ValueError as exc:
            raise _invalid("shot_type", str(exc)) from None
    if given.get("resolution") is not None:
        try:
            values["resolution"] = _resolution(given["resolution"])
        except ValueError as exc:
            raise _invalid("resolution", str(exc)) from None
    if given.get("audio_url") is not None:
        values["audio_url"] = _audio_url(given["audio_url"])
        if not values["audio"]:
            raise _invalid(
                "audio_url",
                "has no effect while audio is false (the service then makes a silent video); "
                "set options.wan.audio = true",
            )
    if values["shot_type"] == "multi" and not values["prompt_extend"]:
        raise _invalid("shot_type", "multi only works with prompt_extend = true")
    return RequestOptions(**values)
