"""Frame size: ``Size(width, height)``, from ``1280*720``, ``1280x720`` or ``(1280, 720)``."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import attrs

from videogate._contract.errors import InvalidRequest

__all__ = ["Size"]

_SIZE_TEXT = re.compile(r"^\s*(\d{1,6})\s*[*xX]\s*(\d{1,6})\s*$")
_HINT = "expected WIDTH*HEIGHT such as 1280*720"


def _positive_dimension(instance: Size, attribute: attrs.Attribute[int], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidRequest(f"size: {attribute.name} must be an integer", field="size")
    if value <= 0:
        raise InvalidRequest(f"size: {attribute.name} must be > 0", field="size")


@attrs.frozen(order=True)
class Size:
    """A frame size in pixels. Canonical text is ``WIDTH*HEIGHT`` (DashScope's spelling)."""

    width: int = attrs.field(validator=_positive_dimension)
    height: int = attrs.field(validator=_positive_dimension)

    @classmethod
    def parse(cls, value: Any) -> Size:
        """A :class:`Size` from text (``1280*720``, ``1280x720``, ``1280X720``), a pair or a
        mapping with ``width``/``height``; :class:`InvalidRequest` otherwise."""
        if isinstance(value, Size):
            return value
        if isinstance(value, str):
            match = _SIZE_TEXT.match(value)
            if not match:
                raise InvalidRequest(f"size: {_HINT}, got {value!r}", field="size")
            return cls(int(match.group(1)), int(match.group(2)))
        if isinstance(value, dict) and set(value) == {"width", "height"}:
            return cls(value["width"], value["height"])
        if (
            isinstance(value, Sequence)
            and not isinstance(value, bytes | bytearray)
            and len(value) == 2
        ):
            return cls(value[0], value[1])
        raise InvalidRequest(f"size: {_HINT}, got {value!r}", field="size")

    @property
    def pixels(self) -> int:
        """Total pixel count, ``width * height``."""
        return self.width * self.height

    @property
    def aspect(self) -> float:
        """Width divided by height."""
        return self.width / self.height

    def __str__(self) -> str:
        return f"{self.width}*{self.height}"
