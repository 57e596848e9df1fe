"""The normalized request of ``video.generate``: :class:`VideoRequest`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from videogate._contract.errors import InvalidRequest
from videogate._contract.image import ImageRef
from videogate._contract.size import Size
from videogate._contract.validators import (
    SEED_MAX,
    check_encodable,
    non_blank_text,
    number,
    optional,
    seed_value,
    text,
)

__all__ = ["VideoRequest"]


def _doc(description: str, **schema: Any) -> dict[str, Any]:
    """Field metadata read by the JSON Schema generator."""
    return {"description": description, "json_schema": schema}


def _to_float(value: Any) -> Any:
    """Ints become floats so ``4`` and ``4.0`` are the same request; other types are left for
    the validator to refuse."""
    if isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value


def _to_size(value: Any) -> Size:
    check_encodable(value, "size")
    return Size.parse(value)


def _to_image(value: Any) -> ImageRef | None:
    if isinstance(value, str):
        check_encodable(value, "reference_image")
    return None if value is None else ImageRef.parse(value)


def _to_options(value: Any) -> dict[str, dict[str, Any]]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise InvalidRequest(
            "options: must be a mapping of provider name to its options, "
            'such as {"wan": {"audio": false}}',
            field="options",
        )
    options: dict[str, dict[str, Any]] = {}
    for namespace, entries in value.items():
        if not isinstance(namespace, str) or not namespace:
            raise InvalidRequest("options: namespaces must be provider names", field="options")
        check_encodable(namespace, "options")
        if not isinstance(entries, Mapping):
            raise InvalidRequest(
                f"options.{namespace}: must be a mapping of option name to value",
                field=f"options.{namespace}",
            )
        for key in entries:
            check_encodable(key, f"options.{namespace}")
            if not isinstance(key, str) or not key:
                raise InvalidRequest(
                    f"options.{namespace}: option names must be non-empty strings",
                    field=f"options.{namespace}",
                )
        check_encodable(dict(entries), f"options.{namespace}")
        options[namespace] = dict(entries)
    return options


@attrs.frozen(kw_only=True)
class VideoRequest:
    """What to generate. Validated on construction; invalid values raise
    :class:`InvalidRequest` naming the field (``duration: must be > 0``).

    ``options`` holds provider-specific extras namespaced by provider name
    (``{"wan": {"audio": False}}``); the provider that runs the request reads its own
    namespace and rejects option names it does not know.
    """

    prompt: str = attrs.field(
        validator=non_blank_text,
        metadata=_doc("What the video shows.", minLength=1, pattern=r"\S"),
    )
    duration: float = attrs.field(
        converter=_to_float,
        validator=number(gt=0),
        metadata=_doc("Seconds of video.", exclusiveMinimum=0),
    )
    fps: float = attrs.field(
        converter=_to_float,
        validator=number(gt=0),
        metadata=_doc("Frames per second.", exclusiveMinimum=0),
    )
    size: Size = attrs.field(
        converter=_to_size, metadata=_doc("Frame size WIDTH*HEIGHT, e.g. 1280*720.")
    )
    negative_prompt: str | None = attrs.field(
        default=None, validator=optional(text()), metadata=_doc("What the video must avoid.")
    )
    seed: int | None = attrs.field(
        default=None,
        validator=optional(seed_value),
        metadata=_doc(
            "Random seed; when absent the engine picks one and reports it.",
            minimum=0,
            maximum=SEED_MAX,
        ),
    )
    reference_image: ImageRef | None = attrs.field(
        default=None,
        converter=_to_image,
        metadata=_doc("First frame / reference: an http(s) URL, a local path or a data: URI."),
    )
    motion_strength: float | None = attrs.field(
        default=None,
        converter=_to_float,
        validator=optional(number(ge=0, le=1)),
        metadata=_doc("Amount of motion, 0 (still) to 1 (strong).", minimum=0, maximum=1),
    )
    options: dict[str, dict[str, Any]] = attrs.field(
        factory=dict,
        converter=_to_options,
        hash=False,
        metadata=_doc(
            'Provider-specific options by provider name, e.g. {"wan": {"audio": false}}.'
        ),
    )

    def provider_options(self, namespace: str) -> dict[str, Any]:
        """The options of one provider namespace (empty if none)."""
        return dict(self.options.get(namespace, {}))
