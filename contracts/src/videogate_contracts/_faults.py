"""Faults the suite injects into a double, and the check of the error each one must become."""

from __future__ import annotations

import math
import re
from typing import Any

from videogate import Capabilities, VideogateError
from videogate_contracts._double import Expectation, Fault, ServiceDouble, expectation

__all__ = ["check_error", "check_message", "inject"]

#: What the double's service says with these faults; the mapped error must carry it.
_RETRY_AFTER = 7.0
_FAILED_CODE = "Algo.RenderFailed"
_PARAMS: dict[str, dict[str, Any]] = {
    Fault.RATE_LIMITED: {"retry_after": _RETRY_AFTER},
    Fault.TASK_FAILED: {"code": _FAILED_CODE},
}


def inject(double: ServiceDouble, kind: str, on: str) -> None:
    """Make the double answer the next ``submit`` (or first poll) with fault ``kind``."""
    double.fault(kind, on=on, **_PARAMS.get(kind, {}))


def check_error(kind: str, where: str, error: VideogateError | None, caps: Capabilities) -> None:
    """Assert that fault ``kind`` on ``where`` (``submit``/``poll``) became the right error."""
    expected = expectation(kind)
    if where == "submit" and kind == Fault.TIMEOUT:
        # The task may exist: retrying could pay twice unless submits are idempotent.
        expected = Expectation(expected.classes, caps.idempotent_submit)
    assert error is not None, f"fault {kind!r} on {where}: the call succeeded"
    assert expected.matches(error), (
        f"fault {kind!r} on {where} must map to {expected.describe()}, got {error!r}"
    )
    assert error.retryable is expected.retryable, (
        f"fault {kind!r} on {where}: retryable must be {expected.retryable}, got "
        f"{error.retryable} ({error!r}); a 4xx-type refusal is never retryable"
    )
    check_message(error, f"fault {kind!r} on {where}")
    if kind == Fault.RATE_LIMITED:
        assert error.retry_after is not None and math.isclose(
            error.retry_after, _RETRY_AFTER, rel_tol=0.01
        ), (
            f"retry_after carries the service's value: the double announced {_RETRY_AFTER:g} s, "
            f"the error says {error.retry_after} (fix: read Retry-After, or the service's "
            "equivalent, into RateLimited.retry_after)"
        )
    if kind == Fault.TASK_FAILED:
        assert error.code == _FAILED_CODE, (
            f"task_failed: the error must carry the service's code, got {error.code!r}"
        )


#: A message that is one CamelCase (possibly dotted) name: ``TimeoutError``, ``httpx.ReadTimeout``.
_IDENTIFIER = re.compile(r"(?:[A-Za-z_][A-Za-z0-9_]*\.)*[A-Z][A-Za-z0-9_]*")


def _class_names(error: BaseException) -> set[str]:
    names: set[str] = set()
    current: BaseException | None = error
    while current is not None and len(names) < 50:
        names |= {c.__name__.lower() for c in type(current).__mro__}
        current = current.__cause__ or current.__context__
    return names


def check_message(error: VideogateError, where: str) -> None:
    """Assert that ``error`` says something: its message is neither empty nor just the name
    of an exception class (``"TimeoutError"``, ``"ReadTimeout()"``)."""
    text = error.message.strip()
    assert text, f"error messages are meaningful: {where}: the message is empty"
    bare = text.removesuffix("()").rstrip(":").strip()
    assert not (_IDENTIFIER.fullmatch(bare) or bare.lower() in _class_names(error)), (
        f"error messages are meaningful: {where}: the message is only {text!r}, a class name "
        "(fix: say what happened, e.g. 'the service did not answer within 30 s')"
    )
