"""Faults the suite injects into a double, and the check of the error each one must become."""

from __future__ import annotations

import math
from typing import Any

from videogate import Capabilities, VideogateError
from videogate_contracts._double import Expectation, Fault, ServiceDouble, expectation

__all__ = ["check_error", "inject"]

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
    assert error.message.strip(), f"fault {kind!r} on {where}: the message is empty"
    if kind == Fault.RATE_LIMITED and error.retry_after is not None:
        assert math.isclose(error.retry_after, _RETRY_AFTER, rel_tol=0.01), (
            f"rate_limited: retry_after must be the service's {_RETRY_AFTER:g} s, got "
            f"{error.retry_after}"
        )
    if kind == Fault.TASK_FAILED:
        assert error.code == _FAILED_CODE, (
            f"task_failed: the error must carry the service's code, got {error.code!r}"
        )
