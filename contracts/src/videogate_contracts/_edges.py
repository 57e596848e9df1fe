"""Requests at the edges of a provider's capabilities: the corners of every range, each
allowed size and orientation, the longest prompts, the extreme seeds, optional fields present
and absent; and pairs of neighbouring values at the finest step the capabilities allow."""

from __future__ import annotations

import itertools
import math
from typing import Any

import attrs
from hypothesis import strategies as st

from videogate import Capabilities, NumberRange, Size, SizeRule, VideoRequest
from videogate_contracts import strategies as vst
from videogate_contracts._context import ContractContext

__all__ = ["boundary_requests", "edge_requests", "neighbour_pairs", "edge_numbers", "edge_sizes"]

#: Prompt length used when the capabilities set no limit.
_UNLIMITED_PROMPT = 500
#: Text the long prompts are made of (multi-byte characters included).
_PROMPT_TEXT = "a lighthouse at dawn, 灯塔, vågor mot klipporna; "


def long_text(length: int, last: str = ".") -> str:
    """A prompt of exactly ``length`` characters ending in ``last``."""
    body = (_PROMPT_TEXT * (length // len(_PROMPT_TEXT) + 1))[: max(length - 1, 0)]
    return (body + last)[:length] if length else ""


def edge_numbers(allowed: NumberRange) -> list[float]:
    """The bounds of ``allowed`` (as values it contains)."""
    return sorted({allowed.nearest(allowed.minimum), allowed.nearest(allowed.maximum)})


def edge_sizes(rule: SizeRule) -> list[Size]:
    """Every listed size; else the corners of the rule in landscape, portrait and square
    (each pixel tier at 16:9, 9:16 and 1:1 when the aspect follows the image)."""
    if rule.sizes:
        return list(rule.sizes)
    shapes = [(16, 9), (9, 16), (1, 1)]
    found: list[Size] = []
    if rule.pixel_tiers:
        for tier in rule.pixel_tiers:
            for w, h in shapes:
                width = math.sqrt(tier * w / h)
                found.append(rule.nearest(Size(round(width), round(width * h / w))))
    else:
        low = max(rule.min_side, rule.multiple_of)
        high = rule.max_side or 4096
        for w, h in [(low, low), (high, low), (low, high), (high, high), *shapes]:
            if (w, h) in shapes:
                scale = math.sqrt((rule.max_pixels or high * high) / (w * h))
                w, h = round(w * scale), round(h * scale)
            found.append(rule.nearest(Size(w, h)))
    return list(dict.fromkeys(s for s in found if rule.allows(s)))


def _prompt_limit(limit: int | None) -> int:
    return limit if limit is not None else _UNLIMITED_PROMPT


def _with_image(ctx: ContractContext, request: VideoRequest, image: bool) -> VideoRequest:
    if image or ctx.caps.requires_reference_image:
        return attrs.evolve(request, reference_image=ctx.image_like(request.size))
    return request


def edge_requests(ctx: ContractContext) -> st.SearchStrategy[VideoRequest]:
    """Valid requests across the whole capability space, biased to its edges."""
    caps: Capabilities = ctx.caps
    values = {name: list(v) for name, v in ctx.option_values.items() if v and name in caps.options}

    def number(allowed: NumberRange) -> st.SearchStrategy[float]:
        return st.one_of(st.sampled_from(edge_numbers(allowed)), vst.numbers_in(allowed))

    def text(limit: int | None) -> st.SearchStrategy[str]:
        longest = _prompt_limit(limit)
        return st.one_of(vst.prompts(limit), st.just(long_text(longest)))

    @st.composite
    def build(draw: st.DrawFn) -> VideoRequest:
        fields: dict[str, Any] = {
            "prompt": draw(text(caps.prompt_max_chars)),
            "duration": draw(number(caps.durations)),
            "fps": draw(number(caps.fps)),
            "size": draw(st.sampled_from(edge_sizes(caps.sizes)) | vst.sizes_in(caps.sizes)),
        }
        if caps.supports_negative_prompt:
            fields["negative_prompt"] = draw(st.none() | text(caps.negative_prompt_max_chars))
        if caps.supports_seed:
            fields["seed"] = draw(st.sampled_from([0, vst.SEED_MAX]) | st.integers(0, vst.SEED_MAX))
        if caps.supports_motion_strength:
            fields["motion_strength"] = draw(
                st.none() | st.sampled_from([0.0, 1.0]) | st.floats(0, 1)
            )
        if values:
            chosen = draw(st.lists(st.sampled_from(sorted(values)), unique=True))
            fields["options"] = {
                ctx.name: {name: draw(st.sampled_from(values[name])) for name in chosen}
            }
        return _with_image(ctx, VideoRequest(**fields), draw(st.booleans()))

    return build()


def boundary_requests(ctx: ContractContext) -> list[VideoRequest]:
    """A few requests that together reach every corner the capabilities allow: each edge
    size with each pair of duration/fps bounds, the longest prompts, seeds 0 and 2**31-1,
    optional fields present and absent, each declared option value."""
    caps: Capabilities = ctx.caps
    sizes = edge_sizes(caps.sizes)
    timings = [(d, f) for d in edge_numbers(caps.durations) for f in edge_numbers(caps.fps)]
    options = [
        (name, value)
        for name, examples in sorted(ctx.option_values.items())
        if name in caps.options
        for value in examples
    ]
    count = max(len(sizes), len(timings), len(options), 2)
    found = []
    for i in range(count):
        duration, fps = timings[i % len(timings)]
        full = i % 2 == 0
        fields: dict[str, Any] = {
            "prompt": long_text(_prompt_limit(caps.prompt_max_chars)) if full else "a cat",
            "duration": duration,
            "fps": fps,
            "size": sizes[i % len(sizes)],
        }
        if caps.supports_negative_prompt and full:
            fields["negative_prompt"] = long_text(_prompt_limit(caps.negative_prompt_max_chars))
        if caps.supports_seed:
            fields["seed"] = vst.SEED_MAX if full else 0
        if caps.supports_motion_strength and (i // 2) % 2 == 0:
            fields["motion_strength"] = 1.0 if full else 0.0
        if options:
            name, value = options[i % len(options)]
            fields["options"] = {ctx.name: {name: value}}
        found.append(_with_image(ctx, VideoRequest(**fields), not full))
    return found


def _neighbours(allowed: NumberRange) -> list[tuple[float, float]]:
    """Neighbouring allowed values at the finest step, at both ends of ``allowed``."""
    if allowed.fixed:
        return []
    if allowed.values:
        points = list(allowed.values)
        pairs = list(itertools.pairwise(points))
        return [pairs[0], pairs[-1]] if len(pairs) > 1 else pairs
    if allowed.step is not None:
        step = allowed.step
        top = allowed.nearest(allowed.maximum)
        pairs = [(allowed.minimum, allowed.nearest(allowed.minimum + step))]
        pairs.append((allowed.nearest(top - step), top))
    else:
        step = min(0.1, (allowed.maximum - allowed.minimum) / 10)
        pairs = [(allowed.minimum, allowed.minimum + step)]
        pairs.append((allowed.maximum - step, allowed.maximum))
    return list(dict.fromkeys((a, b) for a, b in pairs if a != b))


def _size_neighbours(rule: SizeRule, base: Size) -> list[tuple[Size, Size]]:
    if rule.sizes:
        return list(itertools.pairwise(rule.sizes))
    if rule.pixel_tiers:
        aspect = base.aspect
        sizes = []
        for tier in rule.pixel_tiers:
            width = math.sqrt(tier * aspect)
            sizes.append(rule.nearest(Size(round(width), round(width / aspect)), aspect))
        return [(a, b) for a, b in itertools.pairwise(sizes) if a != b]
    step = rule.multiple_of
    wider = rule.nearest(Size(base.width + step, base.height))
    return [(base, wider)] if wider != base and rule.allows(wider) else []


def neighbour_pairs(ctx: ContractContext, base: VideoRequest) -> list[tuple[str, Any, Any]]:
    """``(field, a, b)``: two valid values of ``field`` one finest step apart (options: two
    declared values), to send in otherwise equal requests."""
    caps: Capabilities = ctx.caps
    pairs: list[tuple[str, Any, Any]] = []
    pairs += [("duration", a, b) for a, b in _neighbours(caps.durations)]
    pairs += [("fps", a, b) for a, b in _neighbours(caps.fps)]
    pairs += [("size", a, b) for a, b in _size_neighbours(caps.sizes, base.size)]
    length = _prompt_limit(caps.prompt_max_chars)
    pairs.append(("prompt", long_text(length, "a"), long_text(length, "b")))
    if caps.supports_negative_prompt:
        length = _prompt_limit(caps.negative_prompt_max_chars)
        pairs.append(("negative_prompt", long_text(length, "a"), long_text(length, "b")))
    if caps.supports_seed:
        pairs += [("seed", 0, 1), ("seed", vst.SEED_MAX - 1, vst.SEED_MAX)]
    if caps.supports_motion_strength:
        pairs += [("motion_strength", 0.0, 0.1), ("motion_strength", 0.9, 1.0)]
    for name, examples in sorted(ctx.option_values.items()):
        distinct = list(dict.fromkeys(examples))
        if name in caps.options and len(distinct) > 1:
            pairs += [(f"options.{name}", a, b) for a, b in itertools.pairwise(distinct)]
    return pairs


def with_value(ctx: ContractContext, base: VideoRequest, field: str, value: Any) -> VideoRequest:
    """``base`` with ``field`` set to ``value`` (the image follows a changed size)."""
    if field.startswith("options."):
        name = field.split(".", 1)[1]
        own = base.provider_options(ctx.name)
        return attrs.evolve(base, options={ctx.name: {**own, name: value}})
    changed = attrs.evolve(base, **{field: value})
    if field == "size" and base.reference_image is not None:
        changed = attrs.evolve(changed, reference_image=ctx.image_like(value))
    return changed
