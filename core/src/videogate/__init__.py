"""videogate: one normalized ``video.generate`` operation, with providers that plug in.

The contract (requests, results, capabilities, errors, hooks) is imported eagerly and is
light. The engine, storage, cache and journal are imported on first use, so that
``videogate --help`` and provider discovery stay fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from videogate._artifacts.backends import open_storage
    from videogate._artifacts.contact_sheet import contact_sheet
    from videogate._artifacts.fsspec_storage import FsspecStorage
    from videogate._artifacts.probe import VideoProbe, probe_video
    from videogate._artifacts.storage import Storage, StoredObject
    from videogate._contract.capabilities import (
        Capabilities,
        LatencyPrior,
        NumberRange,
        ServiceLimits,
        SizeRule,
    )
    from videogate._contract.convert import dumps, from_json, structure, unstructure
    from videogate._contract.errors import (
        AuthenticationError,
        BudgetExceeded,
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
        TaskMayExist,
        Timeout,
        UnknownProvider,
        UnsupportedParameter,
        VideogateError,
    )
    from videogate._contract.events import JobPhase, ProgressEvent
    from videogate._contract.image import ImageRef
    from videogate._contract.normalize import Mode, Normalized, normalize
    from videogate._contract.pricing import CostEstimate, PriceRate, Pricing
    from videogate._contract.provider import (
        CancelOutcome,
        Provider,
        ProviderSpec,
        TaskLister,
        TaskOutput,
        TaskRef,
        TaskState,
        TaskStatus,
        TaskSummary,
    )
    from videogate._contract.request import VideoRequest
    from videogate._contract.result import ResultWarning, VideoResult
    from videogate._contract.schema import json_schema
    from videogate._contract.secrets import Secret, redact, register_secret
    from videogate._contract.size import Size
    from videogate._engine.batch import BatchItem, BatchOutcome
    from videogate._engine.defaults import (
        Job,
        agenerate,
        agenerate_many,
        estimate,
        generate,
        generate_many,
    )
    from videogate._engine.engine import Engine
    from videogate._logging import RedactingFilter
    from videogate._plugins.config import Config, ProviderEntry, load_config
    from videogate._plugins.registry import (
        BrokenPlugin,
        Registry,
        load_registry,
        make_plugin_manager,
    )
    from videogate._state.cache import Cache, SqliteCache
    from videogate._state.cachekey import cache_key
    from videogate._state.journal import JobRecord, Journal
    from videogate._state.sqlite_journal import SqliteJournal
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
    "LatencyPrior",
    "Mode",
    "Normalized",
    "normalize",
    "cache_key",
    "structure",
    "unstructure",
    "dumps",
    "from_json",
    "json_schema",
    "Pricing",
    "PriceRate",
    "CostEstimate",
    # providers and plugins
    "Provider",
    "ProviderSpec",
    "TaskRef",
    "TaskState",
    "TaskStatus",
    "TaskOutput",
    "TaskSummary",
    "TaskLister",
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
    "generate_many",
    "agenerate_many",
    "BatchItem",
    "BatchOutcome",
    "estimate",
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
    "BudgetExceeded",
    "AuthenticationError",
    "PermissionDenied",
    "RateLimited",
    "QuotaExceeded",
    "ContentRejected",
    "ProviderUnavailable",
    "TaskFailed",
    "TaskExpired",
    "TaskMayExist",
    "Timeout",
    "Cancelled",
    "MalformedResponse",
    "StorageError",
    "__version__",
]

_LAZY = {
    "Capabilities": "videogate._contract.capabilities",
    "NumberRange": "videogate._contract.capabilities",
    "ServiceLimits": "videogate._contract.capabilities",
    "LatencyPrior": "videogate._contract.capabilities",
    "SizeRule": "videogate._contract.capabilities",
    "Config": "videogate._plugins.config",
    "ProviderEntry": "videogate._plugins.config",
    "load_config": "videogate._plugins.config",
    "dumps": "videogate._contract.convert",
    "from_json": "videogate._contract.convert",
    "structure": "videogate._contract.convert",
    "unstructure": "videogate._contract.convert",
    "AuthenticationError": "videogate._contract.errors",
    "BudgetExceeded": "videogate._contract.errors",
    "Cancelled": "videogate._contract.errors",
    "ConfigError": "videogate._contract.errors",
    "ContentRejected": "videogate._contract.errors",
    "InvalidRequest": "videogate._contract.errors",
    "MalformedResponse": "videogate._contract.errors",
    "PermissionDenied": "videogate._contract.errors",
    "ProviderUnavailable": "videogate._contract.errors",
    "QuotaExceeded": "videogate._contract.errors",
    "RateLimited": "videogate._contract.errors",
    "StorageError": "videogate._contract.errors",
    "TaskExpired": "videogate._contract.errors",
    "TaskFailed": "videogate._contract.errors",
    "TaskMayExist": "videogate._contract.errors",
    "Timeout": "videogate._contract.errors",
    "UnknownProvider": "videogate._contract.errors",
    "UnsupportedParameter": "videogate._contract.errors",
    "VideogateError": "videogate._contract.errors",
    "JobPhase": "videogate._contract.events",
    "ProgressEvent": "videogate._contract.events",
    "ImageRef": "videogate._contract.image",
    "Mode": "videogate._contract.normalize",
    "Normalized": "videogate._contract.normalize",
    "normalize": "videogate._contract.normalize",
    "cache_key": "videogate._state.cachekey",
    "BrokenPlugin": "videogate._plugins.registry",
    "Registry": "videogate._plugins.registry",
    "load_registry": "videogate._plugins.registry",
    "make_plugin_manager": "videogate._plugins.registry",
    "CostEstimate": "videogate._contract.pricing",
    "PriceRate": "videogate._contract.pricing",
    "Pricing": "videogate._contract.pricing",
    "CancelOutcome": "videogate._contract.provider",
    "Provider": "videogate._contract.provider",
    "ProviderSpec": "videogate._contract.provider",
    "TaskOutput": "videogate._contract.provider",
    "TaskRef": "videogate._contract.provider",
    "TaskState": "videogate._contract.provider",
    "TaskStatus": "videogate._contract.provider",
    "TaskSummary": "videogate._contract.provider",
    "TaskLister": "videogate._contract.provider",
    "VideoRequest": "videogate._contract.request",
    "ResultWarning": "videogate._contract.result",
    "VideoResult": "videogate._contract.result",
    "json_schema": "videogate._contract.schema",
    "RedactingFilter": "videogate._logging",
    "Secret": "videogate._contract.secrets",
    "redact": "videogate._contract.secrets",
    "register_secret": "videogate._contract.secrets",
    "Size": "videogate._contract.size",
    "hookimpl": "videogate.hookspecs",
    "hookspec": "videogate.hookspecs",
    "Engine": "videogate._engine.engine",
    "Job": "videogate._engine.defaults",
    "generate": "videogate._engine.defaults",
    "agenerate": "videogate._engine.defaults",
    "generate_many": "videogate._engine.defaults",
    "agenerate_many": "videogate._engine.defaults",
    "BatchItem": "videogate._engine.batch",
    "BatchOutcome": "videogate._engine.batch",
    "estimate": "videogate._engine.defaults",
    "Journal": "videogate._state.journal",
    "JobRecord": "videogate._state.journal",
    "SqliteJournal": "videogate._state.sqlite_journal",
    "Storage": "videogate._artifacts.storage",
    "StoredObject": "videogate._artifacts.storage",
    "FsspecStorage": "videogate._artifacts.fsspec_storage",
    "open_storage": "videogate._artifacts.backends",
    "Cache": "videogate._state.cache",
    "SqliteCache": "videogate._state.cache",
    "VideoProbe": "videogate._artifacts.probe",
    "probe_video": "videogate._artifacts.probe",
    "contact_sheet": "videogate._artifacts.contact_sheet",
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
