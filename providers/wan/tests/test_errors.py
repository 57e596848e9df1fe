"""Every DashScope error, through the real SDK, maps to the right class and ``retryable``."""

from __future__ import annotations

import socket

import pytest

from videogate import (
    AuthenticationError,
    ContentRejected,
    MalformedResponse,
    PermissionDenied,
    ProviderUnavailable,
    QuotaExceeded,
    RateLimited,
    TaskRef,
    UnsupportedParameter,
    VideogateError,
)
from videogate_wan._provider import WanProvider

SUBMIT_ERRORS = [
    # (fault fields, error class, retryable, code)
    ({"kind": "throttle", "seconds": 2.5}, RateLimited, True, "Throttling.RateQuota"),
    ({"kind": "throttle", "code": "Throttling"}, RateLimited, True, "Throttling"),
    (
        {"kind": "throttle", "code": "Throttling.AllocationQuota"},
        QuotaExceeded,
        False,
        "Throttling.AllocationQuota",
    ),
    ({"kind": "error", "status": 500}, ProviderUnavailable, True, "InternalError"),
    (
        {"kind": "error", "status": 503, "code": "ServiceUnavailable"},
        ProviderUnavailable,
        True,
        "ServiceUnavailable",
    ),
    (
        {
            "kind": "error",
            "status": 400,
            "code": "Arrearage",
            "message": "Access denied, plesase make sure your account is in good standing.",
        },
        PermissionDenied,
        False,
        "Arrearage",
    ),
    (
        {
            "kind": "error",
            "status": 401,
            "code": "InvalidApiKey",
            "message": "Invalid API-key provided.",
        },
        AuthenticationError,
        False,
        "InvalidApiKey",
    ),
    ({"kind": "reject"}, ContentRejected, False, "DataInspectionFailed"),
    (
        {"kind": "reject", "code": "IPInfringementSuspect"},
        ContentRejected,
        False,
        "IPInfringementSuspect",
    ),
    (
        {
            "kind": "error",
            "status": 400,
            "code": "InvalidParameter",
            "message": "Required parameter(s) missing or invalid.",
        },
        UnsupportedParameter,
        False,
        "InvalidParameter",
    ),
]


@pytest.mark.parametrize(("fault", "error_class", "retryable", "code"), SUBMIT_ERRORS)
def test_submit_errors(emu, provider, request_for, fault, error_class, retryable, code):
    emu.inject(endpoint="submit", **fault)
    native = provider.prepare(request_for(reference_image="https://example.com/a.png"))
    with pytest.raises(error_class) as info:
        provider.submit(native)
    err = info.value
    assert err.retryable is retryable
    assert err.code == code
    assert err.provider == "wan"
    assert err.request_id
    assert emu.stats()["submissions"] == 0


def test_throttling_surfaces_retry_after(emu, provider, request_for):
    emu.inject("throttle", endpoint="submit", seconds=2.5)
    with pytest.raises(RateLimited) as info:
        provider.submit(provider.prepare(request_for()))
    assert info.value.retry_after == 2.5
    assert info.value.http_status == 429
    task = provider.submit(provider.prepare(request_for()))  # the next one goes through
    emu.inject("throttle", endpoint="query", seconds=4)
    with pytest.raises(RateLimited) as info:
        provider.poll(task)
    assert info.value.retry_after == 4
    assert info.value.task_id == task.task_id


def test_missing_image_message_is_explained(emu, provider, request_for):
    emu.inject(
        "error",
        endpoint="submit",
        status=400,
        code="InvalidParameter",
        message="Field required: input.img_url",
    )
    with pytest.raises(UnsupportedParameter) as info:
        provider.submit(provider.prepare(request_for()))
    assert info.value.field == "reference_image"
    assert "reference image is missing" in str(info.value)


def test_the_emulator_refuses_what_the_service_refuses(emu, provider, request_for):
    """A loopback image URL that does not exist is refused by the service at submit."""
    native = provider.prepare(request_for(reference_image=emu.origin + "/nothing.png"))
    with pytest.raises(UnsupportedParameter) as info:
        provider.submit(native)
    assert info.value.code == "InvalidParameter"
    assert info.value.http_status == 400


@pytest.mark.parametrize(
    ("fault", "error_class", "retryable"),
    [
        ({"kind": "error", "status": 500}, ProviderUnavailable, True),
        ({"kind": "error", "status": 401, "code": "InvalidApiKey"}, AuthenticationError, False),
        ({"kind": "malformed"}, MalformedResponse, True),
        ({"kind": "reset"}, ProviderUnavailable, True),
    ],
)
def test_poll_errors(emu, provider, request_for, fault, error_class, retryable):
    task = provider.submit(provider.prepare(request_for()))
    emu.inject(endpoint="query", **fault)
    with pytest.raises(error_class) as info:
        provider.poll(task)
    assert info.value.retryable is retryable
    assert info.value.task_id == task.task_id
    assert provider.poll(task).status.value == "succeeded"


def test_malformed_submit_answer(emu, provider, request_for):
    emu.inject("malformed", endpoint="submit")
    with pytest.raises(MalformedResponse):
        provider.submit(provider.prepare(request_for()))


def test_reset_after_sending_a_submit_is_never_resent(emu, provider, request_for):
    """The SDK resends a submit once on a dropped connection; the adapter stops that, since
    the first one may have created (and billed) a task."""
    emu.inject("reset", endpoint="submit", after=True)
    with pytest.raises(ProviderUnavailable) as info:
        provider.submit(provider.prepare(request_for(reference_image="https://x.test/a.png")))
    assert info.value.retryable is False
    assert "not resubmitted" in str(info.value)
    stats = emu.stats()
    assert stats["submit_requests"] == 1
    assert stats["submissions"] == 1


def test_reset_before_the_answer_is_not_retryable_either(emu, provider, request_for):
    emu.inject("reset", endpoint="submit")
    with pytest.raises(ProviderUnavailable) as info:
        provider.submit(provider.prepare(request_for(reference_image="https://x.test/a.png")))
    assert info.value.retryable is False
    assert emu.stats()["submit_requests"] == 1


def test_unreachable_service_is_retryable_at_submit(request_for):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    provider = WanProvider(base_url=f"http://127.0.0.1:{port}/api/v1", api_key="k-unreachable")
    native = provider.prepare(request_for(reference_image="https://x.test/a.png"))
    with pytest.raises(ProviderUnavailable) as info:
        provider.submit(native)
    assert info.value.retryable is True
    with pytest.raises(ProviderUnavailable) as info:
        provider.poll(TaskRef(task_id="t", provider="wan"))
    assert info.value.retryable is True


@pytest.mark.parametrize(
    ("fault", "error_class"),
    [
        (
            {"kind": "error", "endpoint": "policy", "status": 401, "code": "InvalidApiKey"},
            AuthenticationError,
        ),
        ({"kind": "throttle", "endpoint": "policy"}, RateLimited),
        ({"kind": "error", "endpoint": "upload", "status": 500}, ProviderUnavailable),
        ({"kind": "reset", "endpoint": "upload"}, ProviderUnavailable),
    ],
)
def test_upload_errors(emu, provider, request_for, fault, error_class):
    emu.inject(**fault)
    with pytest.raises(error_class) as info:
        provider.submit(provider.prepare(request_for()))
    assert info.value.retryable is (error_class is not AuthenticationError)
    assert emu.stats()["submit_requests"] == 0


def test_map_error_never_lets_a_raw_exception_through(provider):
    import json

    import requests

    cases = [
        requests.exceptions.ConnectionError("boom"),
        requests.exceptions.ReadTimeout("slow"),
        json.JSONDecodeError("bad", "{", 0),
        TypeError("__init__() missing 1 required positional argument: 'task_status'"),
        OSError("disk"),
        RuntimeError("anything"),
    ]
    for exc in cases:
        mapped = provider.map_error(exc)
        assert isinstance(mapped, VideogateError)
        assert mapped.provider == "wan"
