"""videogate: one normalized ``video.generate`` operation, with providers that plug in.

The contract (requests, results, capabilities, errors, hooks) is imported eagerly and is
light. The engine, storage, cache and journal are imported on first use, so that
``videogate --help`` and provider discovery stay fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from videogate._cache import Cache, SqliteCache
    from videogate._cachekey import cache_key
    from videogate._capabilities import Capabilities, NumberRange, ServiceLimits, SizeRule
    from videogate._config import Config, ProviderEntry, load_config
    from videogate._contact_sheet import contact_sheet
    from videogate._convert import dumps, from_json, structure, unstructure
    from videogate._engine import Engine, Job, agenerate, generate
    from videogate._errors import (
        AuthenticationError,
        Cancelled,
        ConfigError,
        ContentRejected,
        InvalidRequest,
        MalformedResponse,
        PermissionDenied,
        ProviderUnavailable,
        QuotaExceeded,
        RateLimited,
        StorageError,
        TaskExpired,
        TaskFailed,
        Timeout,
        UnknownProvider,
        UnsupportedParameter,
        VideogateError,
    )
    from videogate._events import JobPhase, ProgressEvent
    from videogate._image import ImageRef
    from videogate._journal import JobRecord, Journal, SqliteJournal
    from videogate._logging import RedactingFilter
    from videogate._normalize import Mode, Normalized, normalize
    from videogate._plugins import BrokenPlugin, Registry, load_registry, make_plugin_manager
    from videogate._probe import VideoProbe, probe_video
    from videogate._provider import (
        CancelOutcome,
        Provider,
        ProviderSpec,
        TaskOutput,
        TaskRef,
        TaskState,
        TaskStatus,
    )
    from videogate._request import VideoRequest
    from videogate._result import ResultWarning, VideoResult
    from videogate._schema import json_schema
    from videogate._secrets import Secret, redact, register_secret
    from videogate._size import Size
    from videogate._storage import FsspecStorage, Storage, StoredObject, open_storage
    from videogate.hookspecs import hookimpl, hookspec

__all__ = [
    # contract
    "VideoRequest",
    "VideoResult",
    "ResultWarning",
    "Size",
    "ImageRef",
    "Capabilities",
    "NumberRange",
    "SizeRule",
    "ServiceLimits",
    "Mode",
    "Normalized",
    "normalize",
    "cache_key",
    "structure",
    "unstructure",
    "dumps",
    "from_json",
    "json_schema",
    # providers and plugins
    "Provider",
    "ProviderSpec",
    "TaskRef",
    "TaskState",
    "TaskStatus",
    "TaskOutput",
    "CancelOutcome",
    "hookimpl",
    "hookspec",
    "load_registry",
    "make_plugin_manager",
    "Registry",
    "BrokenPlugin",
    # configuration
    "Config",
    "ProviderEntry",
    "load_config",
    # secrets
    "Secret",
    "redact",
    "register_secret",
    "RedactingFilter",
    # progress
    "JobPhase",
    "ProgressEvent",
    # engine (lazy)
    "Engine",
    "Job",
    "generate",
    "agenerate",
    "Journal",
    "JobRecord",
    "SqliteJournal",
    # artifacts (lazy)
    "Storage",
    "StoredObject",
    "FsspecStorage",
    "open_storage",
    "Cache",
    "SqliteCache",
    "VideoProbe",
    "probe_video",
    "contact_sheet",
    # errors
    "VideogateError",
    "InvalidRequest",
    "ConfigError",
    "UnknownProvider",
    "UnsupportedParameter",
    "AuthenticationError",
    "PermissionDenied",
    "RateLimited",
    "QuotaExceeded",
    "ContentRejected",
    "ProviderUnavailable",
    "TaskFailed",
    "TaskExpired",
    "Timeout",
    "Cancelled",
    "MalformedResponse",
    "StorageError",
    "__version__",
]

_LAZY = {
    "Capabilities": "videogate._capabilities",
    "NumberRange": "videogate._capabilities",
    "ServiceLimits": "videogate._capabilities",
    "SizeRule": "videogate._capabilities",
    "Config": "videogate._config",
    "ProviderEntry": "videogate._config",
    "load_config": "videogate._config",
    "dumps": "videogate._convert",
    "from_json": "videogate._convert",
    "structure": "videogate._convert",
    "unstructure": "videogate._convert",
    "AuthenticationError": "videogate._errors",
    "Cancelled": "videogate._errors",
    "ConfigError": "videogate._errors",
    "ContentRejected": "videogate._errors",
    "InvalidRequest": "videogate._errors",
    "MalformedResponse": "videogate._errors",
    "PermissionDenied": "videogate._errors",
    "ProviderUnavailable": "videogate._errors",
    "QuotaExceeded": "videogate._errors",
    "RateLimited": "videogate._errors",
    "StorageError": "videogate._errors",
    "TaskExpired": "videogate._errors",
    "TaskFailed": "videogate._errors",
    "Timeout": "videogate._errors",
    "UnknownProvider": "videogate._errors",
    "UnsupportedParameter": "videogate._errors",
    "VideogateError": "videogate._errors",
    "JobPhase": "videogate._events",
    "ProgressEvent": "videogate._events",
    "ImageRef": "videogate._image",
    "Mode": "videogate._normalize",
    "Normalized": "videogate._normalize",
    "normalize": "videogate._normalize",
    "cache_key": "videogate._cachekey",
    "BrokenPlugin": "videogate._plugins",
    "Registry": "videogate._plugins",
    "load_registry": "videogate._plugins",
    "make_plugin_manager": "videogate._plugins",
    "CancelOutcome": "videogate._provider",
    "Provider": "videogate._provider",
    "ProviderSpec": "videogate._provider",
    "TaskOutput": "videogate._provider",
    "TaskRef": "videogate._provider",
    "TaskState": "videogate._provider",
    "TaskStatus": "videogate._provider",
    "VideoRequest": "videogate._request",
    "ResultWarning": "videogate._result",
    "VideoResult": "videogate._result",
    "json_schema": "videogate._schema",
    "RedactingFilter": "videogate._logging",
    "Secret": "videogate._secrets",
    "redact": "videogate._secrets",
    "register_secret": "videogate._secrets",
    "Size": "videogate._size",
    "hookimpl": "videogate.hookspecs",
    "hookspec": "videogate.hookspecs",
    "Engine": "videogate._engine",
    "Job": "videogate._engine",
    "generate": "videogate._engine",
    "agenerate": "videogate._engine",
    "Journal": "videogate._journal",
    "JobRecord": "videogate._journal",
    "SqliteJournal": "videogate._journal",
    "Storage": "videogate._storage",
    "StoredObject": "videogate._storage",
    "FsspecStorage": "videogate._storage",
    "open_storage": "videogate._storage",
    "Cache": "videogate._cache",
    "SqliteCache": "videogate._cache",
    "VideoProbe": "videogate._probe",
    "probe_video": "videogate._probe",
    "contact_sheet": "videogate._contact_sheet",
}


def __getattr__(name: str) -> Any:
    if name == "__version__":
        from importlib.metadata import version

        return version("videogate")
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'videogate' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
