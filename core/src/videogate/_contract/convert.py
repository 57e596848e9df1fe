"""The one cattrs converter of videogate: dicts/JSON <-> contract classes.

Structuring forbids unknown keys (named in the error), reports missing and invalid fields
with their path (``size: expected WIDTH*HEIGHT such as 1280*720``), and always raises
:class:`InvalidRequest`. Unstructuring gives canonical JSON values (sizes as ``1280*720``,
images as URL, absolute path or ``data:`` URI, datetimes in ISO 8601) that structure back to
an equal object.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, TypeVar

import attrs
import cattrs
from cattrs.errors import ClassValidationError, ForbiddenExtraKeysError, IterableValidationError

from videogate._contract.errors import InvalidRequest, VideogateError
from videogate._contract.image import ImageRef
from videogate._contract.request import VideoRequest
from videogate._contract.result import ResultWarning, VideoResult
from videogate._contract.size import Size
from videogate._contract.suggest import suggestion

__all__ = ["converter", "dumps", "from_json", "structure", "unstructure"]

T = TypeVar("T")

converter = cattrs.Converter(forbid_extra_keys=True, detailed_validation=True)


def _passthrough(value: Any, _: type) -> Any:
    # attrs validators of the target class check the value and word the message.
    return value


for _type in (str, int, float, bool):
    converter.register_structure_hook(_type, _passthrough)
converter.register_structure_hook(Size, lambda v, _: Size.parse(v))
converter.register_unstructure_hook(Size, str)
converter.register_structure_hook(ImageRef, lambda v, _: ImageRef.parse(v))
converter.register_unstructure_hook(ImageRef, ImageRef.to_json)


def _structure_datetime(value: Any, _: type) -> datetime:
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str):
        raise InvalidRequest(f"expected an ISO 8601 date-time, got {type(value).__name__}")
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise InvalidRequest(f"expected an ISO 8601 date-time, got {value!r}") from None


converter.register_structure_hook(datetime, _structure_datetime)
converter.register_unstructure_hook(datetime, datetime.isoformat)
_PASSTHROUGH_TYPES: tuple[Any, ...] = (dict[str, dict[str, Any]], dict[str, float], dict[str, Any])
converter.register_structure_hook_func(lambda t: t in _PASSTHROUGH_TYPES, _passthrough)


def _attribute_of(note: Any) -> str | None:
    name = getattr(note, "name", None)
    if isinstance(name, str):
        return name
    index = getattr(note, "index", None)
    return None if index is None else f"[{index}]"


def _leaf_messages(exc: BaseException, path: str) -> list[tuple[str, str]]:
    """Flatten a cattrs error tree into ``(path, message)`` pairs."""
    if isinstance(exc, ClassValidationError | IterableValidationError):
        out: list[tuple[str, str]] = []
        for sub in exc.exceptions:
            notes = [n for n in getattr(sub, "__notes__", ()) if _attribute_of(n) is not None]
            part = _attribute_of(notes[-1]) if notes else None
            if part is None:
                sub_path = path
            elif part.startswith("["):
                sub_path = f"{path}{part}"
            else:
                sub_path = f"{path}.{part}" if path else part
            out.extend(_leaf_messages(sub, sub_path))
        return out
    if isinstance(exc, ForbiddenExtraKeysError):
        names = ", ".join(sorted(exc.extra_fields))
        where = f"{path}: " if path else ""
        first = sorted(exc.extra_fields)[0]
        key = ".".join(p for p in (path, first) if p)
        known = [a.name for a in attrs.fields(exc.cl)] if attrs.has(exc.cl) else []
        return [(key, f"{where}unknown key(s): {names}{suggestion(first, known)}")]
    if isinstance(exc, InvalidRequest):
        message = exc.message
        # Nested validators word messages from their own field; prefix the outer path.
        if path and exc.field and not message.startswith(path):
            parent = path.rsplit(".", 1)[0] if "." in path else ""
            message = (
                f"{parent}.{message}" if parent and not message.startswith(parent) else message
            )
        return [(path or (exc.field or ""), message)]
    if isinstance(exc, KeyError):
        return [(path, f"{path}: required")]
    if isinstance(exc, VideogateError):
        return [(path, f"{path}: {exc.message}" if path else exc.message)]
    text = str(exc) or type(exc).__name__
    return [(path, f"{path}: {text}" if path else text)]


def structure(data: Any, cls: type[T]) -> T:
    """Build ``cls`` from plain data (a dict from JSON, TOML or Python).

    :raises InvalidRequest: listing every problem with its path; ``field`` is the first path.
    """
    if not isinstance(data, dict):
        raise InvalidRequest(
            f"expected a JSON object for {cls.__name__}, got {type(data).__name__}"
        )
    try:
        return converter.structure(data, cls)
    except InvalidRequest:
        raise
    except (ClassValidationError, IterableValidationError, ForbiddenExtraKeysError) as exc:
        problems = _leaf_messages(exc, "")
        message = "; ".join(dict.fromkeys(msg for _, msg in problems))
        first = problems[0][0] if problems else None
        raise InvalidRequest(message, field=first or None) from None
    except (TypeError, ValueError) as exc:
        raise InvalidRequest(f"invalid {cls.__name__}: {exc}") from None


def unstructure(obj: Any) -> Any:
    """Canonical JSON-ready data for a contract object."""
    return converter.unstructure(obj)


def dumps(obj: Any, *, indent: int | None = None) -> str:
    """Canonical JSON text (sorted keys) of a contract object."""
    return json.dumps(unstructure(obj), sort_keys=True, indent=indent, ensure_ascii=False)


def from_json(text: str | bytes, cls: type[T]) -> T:
    """Parse JSON text into ``cls``; malformed JSON is an :class:`InvalidRequest` too."""
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InvalidRequest(f"not valid JSON: {exc}") from None
    return structure(data, cls)


def request_from_dict(data: Any) -> VideoRequest:
    """Shorthand for ``structure(data, VideoRequest)``."""
    return structure(data, VideoRequest)


def result_from_dict(data: Any) -> VideoResult:
    """Shorthand for ``structure(data, VideoResult)``."""
    return structure(data, VideoResult)


def warning_from_dict(data: Any) -> ResultWarning:
    """Shorthand for ``structure(data, ResultWarning)``."""
    return structure(data, ResultWarning)
