"""attrs validators that raise :class:`InvalidRequest` with a path-qualified message."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import attrs

from videogate._contract.errors import InvalidRequest

__all__ = ["non_blank_text", "number", "optional", "seed_value", "text"]

Validator = Callable[[Any, "attrs.Attribute[Any]", Any], None]


def _fail(name: str, message: str) -> InvalidRequest:
    return InvalidRequest(f"{name}: {message}", field=name)


def text(*, max_len: int | None = None) -> Validator:
    """A ``str`` (never another type coerced to text)."""

    def check(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        if not isinstance(value, str):
            raise _fail(attribute.name, f"must be a string, got {type(value).__name__}")
        if max_len is not None and len(value) > max_len:
            raise _fail(attribute.name, f"must be at most {max_len} characters")

    return check


def non_blank_text(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """A ``str`` with at least one non-space character."""
    text()(_, attribute, value)
    if not value.strip():
        raise _fail(attribute.name, "must not be blank")


def number(
    *, gt: float | None = None, ge: float | None = None, le: float | None = None
) -> Validator:
    """A finite real number (bools refused) within the given bounds."""

    def check(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _fail(attribute.name, f"must be a number, got {type(value).__name__}")
        if not math.isfinite(value):
            raise _fail(attribute.name, "must be a finite number")
        if gt is not None and not value > gt:
            raise _fail(attribute.name, f"must be > {gt:g}")
        if ge is not None and not value >= ge:
            raise _fail(attribute.name, f"must be >= {ge:g}")
        if le is not None and not value <= le:
            raise _fail(attribute.name, f"must be <= {le:g}")

    return check


SEED_MAX = 2**31 - 1


def seed_value(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """An ``int`` in ``0..2**31-1``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise _fail(attribute.name, f"must be an integer, got {type(value).__name__}")
    if not 0 <= value <= SEED_MAX:
        raise _fail(attribute.name, f"must be between 0 and {SEED_MAX}")


def optional(validator: Validator) -> Validator:
    """``validator`` unless the value is ``None``."""

    def check(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        if value is not None:
            validator(instance, attribute, value)

    return check
