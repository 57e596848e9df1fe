"""The public API of ``videogate``: exactly these names, all importable, none heavy at import."""

import subprocess
import sys

import videogate

EXPECTED = {
    "generate_many",
    "agenerate_many",
    "BatchItem",
    "BatchOutcome",
    # contract
    "VideoRequest", "VideoResult", "ResultWarning", "Size", "ImageRef", "Capabilities",
    "NumberRange", "SizeRule", "ServiceLimits", "Mode", "Normalized", "normalize", "cache_key",
    "LatencyPrior", "structure", "unstructure", "dumps", "from_json", "json_schema",
    "Pricing", "PriceRate",
    "CostEstimate",
    # providers and plugins
    "Provider", "ProviderSpec", "TaskRef", "TaskState", "TaskStatus", "TaskOutput",
    "TaskSummary", "TaskLister", "CancelOutcome", "hookimpl", "hookspec", "load_registry",
    "make_plugin_manager", "Registry", "BrokenPlugin",
    # configuration, secrets, progress
    "Config", "ProviderEntry", "load_config", "Secret", "redact", "register_secret",
    "RedactingFilter", "JobPhase", "ProgressEvent",
    # engine and artifacts
    "Engine", "Job", "generate", "agenerate", "estimate", "Journal", "JobRecord", "SqliteJournal",
    "Storage",
    "StoredObject", "FsspecStorage", "open_storage", "Cache", "SqliteCache", "VideoProbe",
    "probe_video", "contact_sheet",
    # errors
    "VideogateError", "InvalidRequest", "ConfigError", "UnknownProvider", "UnsupportedParameter",
    "BudgetExceeded",
    "AuthenticationError", "PermissionDenied", "RateLimited", "QuotaExceeded", "ContentRejected",
    "ProviderUnavailable", "TaskFailed", "TaskExpired", "TaskMayExist", "Timeout", "Cancelled",
    "MalformedResponse", "StorageError",
    "__version__",
}  # fmt: skip


def test_all_is_exactly_the_public_api():
    assert set(videogate.__all__) == EXPECTED
    assert len(videogate.__all__) == len(EXPECTED)


def test_every_public_name_resolves():
    for name in videogate.__all__:
        assert getattr(videogate, name) is not None, name


def test_unknown_names_raise_attribute_error():
    try:
        videogate.not_a_thing  # noqa: B018
    except AttributeError as exc:
        assert "not_a_thing" in str(exc)
    else:
        raise AssertionError("expected AttributeError")


def test_importing_videogate_is_light():
    code = (
        "import sys, videogate; "
        "print(sorted(m for m in ('attrs', 'cattrs', 'pluggy', 'av', 'PIL', 'httpx', 'fsspec',"
        " 'rich', 'sqlite3', 'asyncio') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
