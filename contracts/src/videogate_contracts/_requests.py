"""The requests the contract tests send: a simple one, the property strategies, field changes."""

from __future__ import annotations

from typing import Any

import attrs
from hypothesis import strategies as st

from videogate import Capabilities, Size, VideoRequest
from videogate_contracts import strategies as vst
from videogate_contracts._context import ContractContext

__all__ = ["outside", "requests", "simple_request", "variable_fields", "with_other_value"]


def requests(ctx: ContractContext) -> st.SearchStrategy[VideoRequest]:
    """Valid requests inside the capabilities, with the suite's example option values."""
    return vst.requests_within(ctx.caps, ctx.name, option_values=ctx.option_values)


def simple_request(ctx: ContractContext) -> VideoRequest:
    """A small normalized request inside the capabilities (with an image when one is needed)."""
    caps = ctx.caps
    request = VideoRequest(
        prompt="a lighthouse at dawn",
        duration=caps.durations.nearest(caps.durations.minimum),
        fps=caps.fps.nearest(caps.fps.minimum),
        size=_first_size(caps),
        seed=4242 if caps.supports_seed else None,
    )
    return ctx.normalized(ctx.with_local_image(request))


def _first_size(caps: Capabilities) -> Size:
    rule = caps.sizes
    if rule.sizes:
        return rule.sizes[0]
    return rule.nearest(Size(1280, 720))


def variable_fields(ctx: ContractContext) -> list[str]:
    """The fields the capabilities say the provider uses (``options.NAME`` for options)."""
    caps = ctx.caps
    fields = ["prompt", "reference_image"]
    for name, allowed in (("duration", caps.durations), ("fps", caps.fps)):
        if not allowed.fixed:
            fields.append(name)
    if len(caps.sizes.sizes) != 1:
        fields.append("size")
    if caps.supports_negative_prompt:
        fields.append("negative_prompt")
    if caps.supports_seed:
        fields.append("seed")
    if caps.supports_motion_strength:
        fields.append("motion_strength")
    fields += [
        f"options.{name}"
        for name in caps.options
        if len(set(map(repr, ctx.option_values.get(name, ())))) > 1
    ]
    return fields


def with_other_value(
    draw: st.DrawFn, ctx: ContractContext, base: VideoRequest, field: str
) -> VideoRequest:
    """``base`` with ``field`` (one of :func:`variable_fields`) changed to another valid value."""
    value = _other_value(draw, ctx, base, field)
    attr = "options" if field.startswith("options.") else field
    return attrs.evolve(base, **{attr: value})


def _other_value(draw: st.DrawFn, ctx: ContractContext, base: VideoRequest, field: str) -> Any:
    caps = ctx.caps
    strategies: dict[str, st.SearchStrategy[Any]] = {
        "prompt": vst.prompts(caps.prompt_max_chars),
        "reference_image": vst.image_refs(base.size if caps.sizes.aspect_from_reference else None),
        "duration": vst.numbers_in(caps.durations),
        "fps": vst.numbers_in(caps.fps),
        # When the output aspect follows the image, only the pixel tier is the request's.
        "size": vst.sizes_in(caps.sizes).filter(
            lambda size: (
                not caps.sizes.aspect_from_reference
                or (
                    (base.reference_image is None or base.reference_image.kind == "url")
                    and caps.sizes.tier_for(size) != caps.sizes.tier_for(base.size)
                )
            )
        ),
        "negative_prompt": vst.prompts(caps.negative_prompt_max_chars),
        "seed": st.integers(0, vst.SEED_MAX),
        "motion_strength": st.floats(0, 1),
    }
    if field.startswith("options."):
        name = field.split(".", 1)[1]
        current = base.provider_options(ctx.name).get(name, object())
        value = draw(st.sampled_from(list(ctx.option_values[name])).filter(lambda v: v != current))
        return {ctx.name: {**base.provider_options(ctx.name), name: value}}
    current = getattr(base, field)
    return draw(strategies[field].filter(lambda v: v != current))


def outside(ctx: ContractContext) -> st.SearchStrategy[tuple[str, VideoRequest]]:
    """``(field, request)``: a request with one field outside the capabilities."""
    caps = ctx.caps
    choices: list[tuple[str, st.SearchStrategy[Any]]] = [
        ("duration", vst.outside(caps.durations)),
        ("fps", vst.outside(caps.fps)),
        ("size", vst.sizes(4096).filter(lambda s: not caps.sizes.allows(s))),
    ]
    if not caps.supports_negative_prompt:
        choices.append(("negative_prompt", vst.prompts()))
    if not caps.supports_seed:
        choices.append(("seed", st.integers(0, vst.SEED_MAX)))
    if not caps.supports_motion_strength:
        choices.append(("motion_strength", st.floats(0, 1)))
    if caps.prompt_max_chars is not None:
        limit = caps.prompt_max_chars
        choices.append(("prompt", st.integers(limit + 1, limit + 50).map(lambda n: "p" * n)))

    @st.composite
    def build(draw: st.DrawFn) -> tuple[str, VideoRequest]:
        base = draw(vst.requests_within(caps, ctx.name))
        field, strategy = draw(st.sampled_from(choices))
        return field, attrs.evolve(base, **{field: draw(strategy)})

    return build()
