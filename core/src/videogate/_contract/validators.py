"""attrs validators that raise :class:`InvalidRequest` with a path-qualified message."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import attrs

from videogate._contract.errors import InvalidRequest

__all__ = ["check_encodable", "non_blank_text", "number", "optional", "seed_value", "text"]

Validator = Callable[[Any, "attrs.Attribute[Any]", Any], None]


def _fail(name: str, message: str) -> InvalidRequest:
    return InvalidRequest(f"{name}: {message}", field=name)


def check_encodable(value: Any, field: str, *, depth: int = 0) -> None:
    """Refuse text that is not valid Unicode (lone surrogates, as left by undecodable bytes
    in a command line or file name) anywhere in ``value`` (strings, mapping keys and values,
    lists), so it fails here as :class:`InvalidRequest` instead of when it is encoded to JSON,
    SQLite or HTTP."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise InvalidRequest(
                f"{field}: not valid text (character {exc.start} is an unpaired surrogate, "
                "e.g. from bytes that are not UTF-8)",
                field=field,
            ) from None
    elif depth > 32:
        raise InvalidRequest(f"{field}: nested too deeply", field=field)
    elif isinstance(value, dict):
        for key, item in value.items():
            check_encodable(key, field, depth=depth + 1)
            name = f"{field}.{key}" if isinstance(key, str) and field.count(".") < 3 else field
            check_encodable(item, name, depth=depth + 1)
    elif isinstance(value, list | tuple):
        for item in value:
            check_encodable(item, field, depth=depth + 1)


def text(*, max_len: int | None = None) -> Validator:
    """A ``str`` (never another type coerced to text) that is valid Unicode."""

    def check(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        if not isinstance(value, str):
            raise _fail(attribute.name, f"must be a string, got {type(value).__name__}")
        check_encodable(value, attribute.name)
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
