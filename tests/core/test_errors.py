"""The error tree: classes, retryable defaults, messages, exit codes, secrecy."""

import pickle

import pytest

import videogate
from videogate import (
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
    Secret,
    StorageError,
    TaskExpired,
    TaskFailed,
    Timeout,
    UnknownProvider,
    UnsupportedParameter,
    VideogateError,
)
from videogate._contract.errors import exit_code_for

ALL = [
    InvalidRequest,
    ConfigError,
    UnknownProvider,
    AuthenticationError,
    PermissionDenied,
    RateLimited,
    QuotaExceeded,
    ContentRejected,
    ProviderUnavailable,
    TaskFailed,
    TaskExpired,
    Timeout,
    Cancelled,
    MalformedResponse,
    StorageError,
]
RETRYABLE = {RateLimited, ProviderUnavailable, Timeout, MalformedResponse}


@pytest.mark.parametrize("cls", ALL)
def test_every_error_is_a_videogate_error_with_its_default_retryable(cls):
    err = cls("something went wrong")
    assert isinstance(err, VideogateError)
    assert err.retryable is (cls in RETRYABLE)
    assert str(err) == "something went wrong"


def test_unsupported_parameter_carries_the_field():
    err = UnsupportedParameter("fps: no", field="fps", value=24, supported="30")
    assert (err.field, err.value, err.supported) == ("fps", 24, "30")
    assert not err.retryable


def test_context_appears_in_str_and_repr():
    err = RateLimited(
        "slow down",
        provider="wan",
        code="Throttling",
        request_id="r1",
        http_status=429,
        retry_after=2.5,
    )
    assert str(err) == (
        "slow down [provider=wan, code=Throttling, http_status=429, request_id=r1, retry_after=2.5]"
    )
    assert repr(err).startswith("RateLimited('slow down', provider='wan'")
    assert err.to_dict()["retryable"] is True


def test_retryable_can_be_overridden():
    assert ProviderUnavailable("x", retryable=False).retryable is False
    assert TaskFailed("x", retryable=True).retryable is True


def test_registered_secrets_never_appear():
    key = Secret("sk-canary-0123456789abcdef")
    err = AuthenticationError(f"key {key.reveal()} was rejected", code=key.reveal())
    for text in (str(err), repr(err), err.message, str(err.to_dict())):
        assert "sk-canary-0123456789abcdef" not in text
    assert "***" in str(err)
    assert repr(key) == "Secret('***')"
    assert str(key) == "***"


def test_errors_survive_pickling_with_their_context():
    err = RateLimited("wait", provider="wan", retry_after=3.0, task_id="t1")
    again = pickle.loads(pickle.dumps(err))
    assert type(again) is RateLimited
    assert (again.provider, again.retry_after, again.task_id, again.retryable) == (
        "wan",
        3.0,
        "t1",
        True,
    )


@pytest.mark.parametrize(
    ("err", "code"),
    [
        (InvalidRequest("x"), 2),
        (ConfigError("x"), 2),
        (UnsupportedParameter("x", field="fps"), 2),
        (AuthenticationError("x"), 3),
        (ContentRejected("x"), 3),
        (TaskFailed("x"), 3),
        (RateLimited("x"), 4),
        (ProviderUnavailable("x"), 4),
        (Timeout("x"), 4),
        (Cancelled("x"), 130),
        (KeyboardInterrupt(), 130),
        (RuntimeError("x"), 3),
    ],
)
def test_exit_codes(err, code):
    assert exit_code_for(err) == code


def test_error_tree_is_drawn_in_the_module_docstring():
    doc = videogate._contract.errors.__doc__
    for cls in ALL:
        assert cls.__name__ in doc
