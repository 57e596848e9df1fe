"""Input schemas of the MCP tools, built from :func:`videogate.json_schema` (the schema
``videogate schema`` prints) so there is one source of truth, narrowed per provider by what
its capabilities say (duration and fps ranges, fixed sizes, a required reference image,
options it reads)."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from videogate._contract.capabilities import Capabilities, NumberRange
from videogate._contract.schema import json_schema

__all__ = ["TOOL_DESCRIPTIONS", "input_schemas", "request_constraints"]

_MODES = ["strict", "adjust", "conform"]

TOOL_DESCRIPTIONS: dict[str, str] = {
    "generate": (
        "Generate one video and wait for it (progress is reported; cancelling the call "
        "cancels the job). Returns the VideoResult: durable video_url, what was really "
        "produced, warnings, and the cost estimate."
    ),
    "submit": "Start a video job and return its job_id at once (see status, result, cancel).",
    "status": (
        "Where a job is (any journaled job id, this server's or another process's): phase, "
        "progress, task id."
    ),
    "result": "The VideoResult of a job (wait=true waits for it, up to timeout seconds).",
    "cancel": "Cancel a job; says whether the provider stopped it (nothing more billed).",
    "providers": "The configured providers: capabilities, pricing, whether a key is needed.",
    "estimate": (
        "What generate would cost for this request, with its basis (rate, billed seconds, "
        "resolution, audio, source and date of the prices, whether they are confirmed)."
    ),
}


def _range(values: NumberRange) -> dict[str, Any]:
    if values.fixed:
        return {"const": values.minimum}
    schema: dict[str, Any] = {"minimum": values.minimum, "maximum": values.maximum}
    if values.step and values.minimum % values.step == 0:
        schema["multipleOf"] = values.step
    return schema


def request_constraints(caps: Capabilities, namespace: str) -> dict[str, Any]:
    """A JSON Schema that a request for a provider with ``caps`` must also satisfy."""
    properties: dict[str, Any] = {
        "duration": _range(caps.durations),
        "fps": _range(caps.fps),
    }
    if caps.sizes.sizes:
        properties["size"] = {"enum": [str(s) for s in caps.sizes.sizes]}
    if not caps.supports_motion_strength:
        properties["motion_strength"] = {"type": "null"}
    if caps.prompt_max_chars:
        properties["prompt"] = {"maxLength": caps.prompt_max_chars}
    if caps.options:
        properties["options"] = {
            "properties": {
                namespace: {
                    "type": "object",
                    "propertyNames": {"enum": list(caps.options)},
                }
            }
        }
    schema: dict[str, Any] = {"properties": properties}
    if caps.requires_reference_image:
        schema["required"] = ["reference_image"]
    return schema


def _per_provider(providers: Mapping[str, tuple[Capabilities, str]]) -> list[dict[str, Any]]:
    return [
        {
            "if": {"properties": {"provider": {"const": name}}, "required": ["provider"]},
            "then": {"properties": {"request": request_constraints(caps, namespace)}},
        }
        for name, (caps, namespace) in sorted(providers.items())
    ]


def input_schemas(
    providers: Mapping[str, tuple[Capabilities, str]], default_provider: str
) -> dict[str, dict[str, Any]]:
    """The input schema of every tool.

    :param providers: configured name -> (capabilities, option namespace).
    :param default_provider: the provider used when a call names none.
    """
    base = json_schema()
    defs = copy.deepcopy(base["$defs"])
    names = sorted(providers)
    provider = {
        "type": "string",
        "enum": names,
        "description": f"configured provider (default {default_provider!r})",
    }
    job_args: dict[str, Any] = {
        "request": {"$ref": "#/$defs/VideoRequest"},
        "provider": provider,
        "mode": {"type": "string", "enum": _MODES, "description": "normalization mode"},
        "use_cache": {
            "type": "boolean",
            "default": True,
            "description": "reuse a stored identical result (then it costs 0)",
        },
    }
    run_args = {
        **job_args,
        "timeout": {"type": "number", "exclusiveMinimum": 0, "description": "deadline, s"},
        "max_cost": {
            "type": "number",
            "minimum": 0,
            "description": "refuse (nothing sent) when the estimate exceeds this amount",
        },
    }
    conditions = _per_provider(providers)

    def with_request(properties: dict[str, Any]) -> dict[str, Any]:
        schema: dict[str, Any] = {
            "type": "object",
            "properties": properties,
            "required": ["request"],
            "additionalProperties": False,
            "$defs": defs,
        }
        if conditions:
            schema["allOf"] = conditions
        return schema

    def by_job(**more: Any) -> dict[str, Any]:
        return {
            "type": "object",
            "properties": {"job_id": {"type": "string", "description": "from submit"}, **more},
            "required": ["job_id"],
            "additionalProperties": False,
        }

    return {
        "generate": with_request(run_args),
        "submit": with_request(run_args),
        "status": by_job(),
        "result": by_job(
            wait={"type": "boolean", "default": False},
            timeout={"type": "number", "exclusiveMinimum": 0},
        ),
        "cancel": by_job(),
        "providers": {"type": "object", "properties": {}, "additionalProperties": False},
        "estimate": with_request(job_args),
    }
