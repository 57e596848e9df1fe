"""JSON Schema (draft 2020-12) of the contract, generated from the attrs classes.

Field types come from the annotations; descriptions and bounds from each field's
``metadata`` (``description``, ``json_schema``). ``videogate schema`` prints it, so agents
can offer ``video.generate`` as a tool.
"""

from __future__ import annotations

import types
import typing
from datetime import datetime
from typing import Any

import attrs

from videogate._contract.image import ImageRef
from videogate._contract.request import VideoRequest
from videogate._contract.result import ResultWarning, VideoResult
from videogate._contract.size import Size

__all__ = ["json_schema"]

_SIZE_SCHEMA = {
    "type": "string",
    "pattern": r"^\s*\d+\s*[*xX]\s*\d+\s*$",
    "description": "WIDTH*HEIGHT (also accepted: WIDTHxHEIGHT)",
    "examples": ["1280*720"],
}
_IMAGE_SCHEMA = {
    "type": "string",
    "description": "An http(s) URL, a local file path, or a data:<mime>;base64,... URI",
}


def _type_schema(tp: Any, defs: dict[str, Any]) -> dict[str, Any]:
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        members = [_type_schema(a, defs) for a in args if a is not type(None)]
        schema = members[0] if len(members) == 1 else {"anyOf": members}
        if type(None) in args:
            return {"anyOf": [schema, {"type": "null"}]}
        return schema
    if origin is tuple:
        return {"type": "array", "items": _type_schema(args[0], defs)}
    if origin is dict:
        return {"type": "object", "additionalProperties": _type_schema(args[1], defs)}
    simple: dict[Any, dict[str, Any]] = {
        str: {"type": "string"},
        bool: {"type": "boolean"},
        int: {"type": "integer"},
        float: {"type": "number"},
        datetime: {"type": "string", "format": "date-time"},
        Size: _SIZE_SCHEMA,
        ImageRef: _IMAGE_SCHEMA,
    }
    if tp in simple:
        return dict(simple[tp])
    if tp is Any:
        return {}
    if attrs.has(tp):
        name = tp.__name__
        if name not in defs:
            defs[name] = {}
            defs[name] = _class_schema(tp, defs)
        return {"$ref": f"#/$defs/{name}"}
    raise TypeError(f"no JSON Schema mapping for {tp!r}")


def _class_schema(cls: type[Any], defs: dict[str, Any]) -> dict[str, Any]:
    attrs.resolve_types(cls)
    properties: dict[str, Any] = {}
    required = []
    for field in attrs.fields(cls):
        schema = _type_schema(field.type, defs)
        schema.update(field.metadata.get("json_schema", {}))
        if "description" in field.metadata:
            schema["description"] = field.metadata["description"]
        properties[field.name] = schema
        if field.default is attrs.NOTHING:
            required.append(field.name)
    doc = (cls.__doc__ or "").strip().split("\n\n")[0]
    return {
        "type": "object",
        "title": cls.__name__,
        "description": " ".join(doc.split()),
        "properties": properties,
        "required": required,
        "additionalProperties": False,
    }


def part_schema(part: str) -> dict[str, Any]:
    """The schema of one side, ``request`` or ``result``, with only the definitions it uses.

    :raises ValueError: another part name.
    """
    classes = {"request": VideoRequest, "result": VideoResult}
    if part not in classes:
        raise ValueError(f"part must be request or result, got {part!r}")
    defs: dict[str, Any] = {}
    ref = _type_schema(classes[part], defs)
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **ref, "$defs": defs}


def json_schema() -> dict[str, Any]:
    """The schema of ``video.generate``: ``request`` and ``result`` definitions."""
    defs: dict[str, Any] = {}
    request = _type_schema(VideoRequest, defs)
    result = _type_schema(VideoResult, defs)
    _type_schema(ResultWarning, defs)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "urn:videogate:video.generate",
        "title": "video.generate",
        "description": "Generate a video from a prompt (and a reference image) with a provider.",
        "type": "object",
        "properties": {"request": request, "result": result},
        "$defs": defs,
    }
