"""Hypothesis strategies for videogate's contract types.

Registered with hypothesis through the ``hypothesis`` entry point, so that
``st.from_type(VideoRequest)`` (and ``Size``, ``ImageRef``, ``NumberRange``, ``SizeRule``,
``Capabilities``, ``ResultWarning``) just work in any test once videogate-contracts is
installed. The capability-aware strategies (:func:`requests_within`, :func:`sizes_in`,
:func:`numbers_in`) draw only values a given provider can honor exactly.
"""

from __future__ import annotations

import functools
import io
import itertools
import math
from collections.abc import Mapping, Sequence
from typing import Any

from hypothesis import strategies as st

from videogate import (
    Capabilities,
    ImageRef,
    NumberRange,
    ResultWarning,
    Size,
    SizeRule,
    VideoRequest,
)

__all__ = [
    "capabilities",
    "image_refs",
    "image_urls",
    "png_bytes",
    "malformed_requests",
    "number_ranges",
    "numbers_in",
    "prompts",
    "requests_within",
    "result_warnings",
    "size_rules",
    "sizes",
    "sizes_in",
    "video_requests",
]

SEED_MAX = 2**31 - 1

#: Printable text without surrogates or control characters: what prompts look like.
_TEXT_ALPHABET = st.characters(
    codec="utf-8", exclude_categories=("Cs", "Cc", "Co", "Cn", "Zl", "Zp")
)


def prompts(max_chars: int | None = None) -> st.SearchStrategy[str]:
    """Non-blank prompt text of at most ``max_chars`` characters."""
    limit = min(max_chars or 80, 80)
    return st.text(_TEXT_ALPHABET, min_size=1, max_size=limit).filter(lambda s: s.strip() != "")


def sizes(max_side: int = 4096) -> st.SearchStrategy[Size]:
    """Any valid frame size."""
    side = st.integers(1, max_side)
    return st.builds(Size, side, side)


@functools.lru_cache(maxsize=64)
def png_bytes(width: int, height: int, shade: int) -> bytes:
    """A solid-colour PNG of ``width`` x ``height`` (cached: tests draw the same ones)."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (shade, 255 - shade, 128)).save(buffer, "PNG")
    return buffer.getvalue()


def image_urls() -> st.SearchStrategy[ImageRef]:
    """Remote reference images (never fetched by the strategies)."""
    return st.from_regex(r"[a-z0-9]{1,12}", fullmatch=True).map(
        lambda name: ImageRef.from_url(f"https://images.example/{name}.png")
    )


def image_refs(size: Size | None = None) -> st.SearchStrategy[ImageRef]:
    """Reference images that need no file system: URLs and real in-memory PNGs (of
    ``size``, when given, so that the image's aspect matches a request's)."""
    width, height = (size.width, size.height) if size is not None else (256, 256)
    # Services refuse tiny images and extreme shapes: 256 px on the short side, keeping the
    # aspect up to 8:1 (a longer side would exceed what image services accept).
    aspect = min(max(width / height, 1 / 8), 8)
    width, height = (round(256 * aspect), 256) if aspect >= 1 else (256, round(256 / aspect))
    blobs = st.integers(0, 15).map(lambda k: ImageRef.from_bytes(png_bytes(width, height, k * 16)))
    return st.one_of(image_urls(), blobs)


def _options() -> st.SearchStrategy[dict[str, dict[str, Any]]]:
    names = st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True)
    values = st.one_of(st.booleans(), st.integers(-100, 100), st.text(max_size=8))
    return st.dictionaries(names, st.dictionaries(names, values, max_size=2), max_size=2)


def video_requests() -> st.SearchStrategy[VideoRequest]:
    """Any valid :class:`VideoRequest` (not tied to a provider's capabilities)."""
    positive = st.floats(min_value=0.01, max_value=600, allow_nan=False, allow_infinity=False)
    return st.builds(
        VideoRequest,
        prompt=prompts(),
        duration=positive,
        fps=positive,
        size=sizes(),
        negative_prompt=st.none() | prompts(),
        seed=st.none() | st.integers(0, SEED_MAX),
        reference_image=st.none() | image_refs(),
        motion_strength=st.none() | st.floats(0, 1),
        options=_options(),
    )


def number_ranges() -> st.SearchStrategy[NumberRange]:
    """Well-formed positive ranges, fixed, continuous or on a step grid."""

    @st.composite
    def build(draw: st.DrawFn) -> NumberRange:
        low = draw(st.integers(1, 60))
        high = low + draw(st.integers(0, 60))
        step = draw(st.none() | st.sampled_from([0.5, 1.0, 2.0]))
        return NumberRange(float(low), float(high), step)

    return build()


def size_rules() -> st.SearchStrategy[SizeRule]:
    """Well-formed size rules: an explicit list, or side/grid/pixel constraints."""
    listed = st.lists(sizes(2048), min_size=1, max_size=4, unique=True).map(
        lambda s: SizeRule(sizes=tuple(s))
    )

    @st.composite
    def constrained(draw: st.DrawFn) -> SizeRule:
        multiple = draw(st.sampled_from([1, 2, 8, 16]))
        min_side = multiple * draw(st.integers(1, 8))
        max_side = min_side + multiple * draw(st.integers(0, 64))
        return SizeRule(min_side=min_side, max_side=max_side, multiple_of=multiple)

    return st.one_of(listed, constrained())


def capabilities() -> st.SearchStrategy[Capabilities]:
    """Well-formed, self-consistent capabilities."""
    return st.builds(
        Capabilities,
        sizes=size_rules(),
        durations=number_ranges(),
        fps=number_ranges(),
        requires_reference_image=st.booleans(),
        supports_negative_prompt=st.booleans(),
        supports_seed=st.booleans(),
        supports_motion_strength=st.booleans(),
        prompt_max_chars=st.none() | st.integers(20, 2000),
        negative_prompt_max_chars=st.none() | st.integers(20, 500),
        options=st.lists(
            st.from_regex(r"[a-z][a-z_]{0,8}", fullmatch=True), max_size=3, unique=True
        ).map(tuple),
    )


def result_warnings() -> st.SearchStrategy[ResultWarning]:
    """Warnings as normalization makes them."""
    return st.builds(
        ResultWarning,
        field=st.none() | st.sampled_from(["duration", "fps", "size", "seed", "prompt"]),
        message=prompts(),
        requested=st.none() | st.text(max_size=12),
        actual=st.none() | st.text(max_size=12),
    )


def numbers_in(allowed: NumberRange) -> st.SearchStrategy[float]:
    """Values that ``allowed`` contains exactly (grid points when it has a step, members
    when it is a set)."""
    if allowed.fixed:
        return st.just(float(allowed.minimum))
    if allowed.values:
        return st.sampled_from(allowed.values)
    if allowed.step is not None:
        count = math.floor((allowed.maximum - allowed.minimum) / allowed.step + 1e-9)
        return st.integers(0, count).map(
            lambda k: round(allowed.minimum + k * allowed.step, 9)  # type: ignore[operator]
        )
    return st.floats(allowed.minimum, allowed.maximum, allow_nan=False, allow_infinity=False)


def sizes_in(rule: SizeRule) -> st.SearchStrategy[Size]:
    """Sizes ``rule`` allows exactly: listed sizes, or arbitrary sizes snapped by the rule."""
    if rule.sizes:
        return st.sampled_from(rule.sizes)
    side = st.integers(16, rule.max_side or 4096)
    snapped = st.builds(Size, side, side).map(rule.nearest).filter(rule.allows)
    if rule.aspect_from_reference:
        # The reference image sets the aspect; images beyond 1:4 are refused by services.
        return snapped.filter(lambda s: 0.25 <= s.aspect <= 4)
    return snapped


def outside(allowed: NumberRange) -> st.SearchStrategy[float]:
    """Positive values ``allowed`` does not contain (off-grid, between the members of a set,
    or out of bounds)."""
    below = (
        st.floats(allowed.minimum / 100, allowed.minimum * 0.9)
        if allowed.minimum > 0.02
        else st.nothing()
    )
    above = st.floats(allowed.maximum * 1.1 + 0.01, allowed.maximum * 10 + 1)
    between: st.SearchStrategy[float] = st.nothing()
    if len(allowed.values) > 1:
        gaps = list(itertools.pairwise(allowed.values))
        between = st.sampled_from(gaps).flatmap(lambda gap: st.floats(gap[0], gap[1]))
    return st.one_of(below, above, between).filter(lambda v: v > 0 and not allowed.contains(v))


def requests_within(
    caps: Capabilities,
    namespace: str,
    *,
    option_values: Mapping[str, Sequence[Any]] | None = None,
    images: st.SearchStrategy[ImageRef] | None = None,
) -> st.SearchStrategy[VideoRequest]:
    """Requests ``caps`` can honor exactly (strict mode accepts them unchanged).

    :param namespace: the provider's options namespace.
    :param option_values: example values per provider option (options without examples are
        never drawn, since only the provider knows what they accept).
    :param images: reference images to draw; defaults to :func:`image_refs` (URLs and PNG
        bytes, of the drawn size when the output aspect follows the reference image).
    """
    values = {k: list(v) for k, v in (option_values or {}).items() if k in caps.options and v}

    @st.composite
    def build(draw: st.DrawFn) -> VideoRequest:
        fields: dict[str, Any] = {
            "prompt": draw(prompts(caps.prompt_max_chars)),
            "duration": draw(numbers_in(caps.durations)),
            "fps": draw(numbers_in(caps.fps)),
            "size": draw(sizes_in(caps.sizes)),
        }
        if caps.supports_negative_prompt:
            limit = caps.negative_prompt_max_chars
            fields["negative_prompt"] = draw(st.none() | prompts(limit))
        if caps.supports_seed:
            fields["seed"] = draw(st.integers(0, SEED_MAX))
        if caps.supports_motion_strength:
            fields["motion_strength"] = draw(st.none() | st.floats(0, 1))
        if images is not None:
            image_strategy = images
        elif caps.sizes.aspect_from_reference:
            image_strategy = image_refs(fields["size"])
        else:
            image_strategy = image_refs()
        if caps.requires_reference_image:
            fields["reference_image"] = draw(image_strategy)
        else:
            fields["reference_image"] = draw(st.none() | image_strategy)
        if values:
            chosen = draw(st.lists(st.sampled_from(sorted(values)), unique=True, max_size=3))
            fields["options"] = {
                namespace: {name: draw(st.sampled_from(values[name])) for name in chosen}
            }
        return VideoRequest(**fields)

    return build()


def malformed_requests() -> st.SearchStrategy[dict[str, Any]]:
    """Request mappings that must be refused with ``InvalidRequest``: a missing or blank
    prompt, non-positive or non-finite numbers, a bad size, a seed out of range, a motion
    strength outside 0..1, an unknown key, options that are not a mapping."""
    valid: dict[str, Any] = {"prompt": "a cat", "duration": 4, "fps": 24, "size": "640*480"}
    breakages: list[tuple[str, Any]] = [
        ("prompt", ""),
        ("prompt", "   "),
        ("prompt", 42),
        ("duration", 0),
        ("duration", -1.5),
        ("duration", float("nan")),
        ("duration", float("inf")),
        ("duration", "four"),
        ("duration", True),
        ("fps", 0),
        ("fps", -24),
        ("size", "1280"),
        ("size", "0*720"),
        ("size", "big"),
        ("size", [1280]),
        ("seed", -1),
        ("seed", 2**31),
        ("seed", 1.5),
        ("motion_strength", 1.5),
        ("motion_strength", -0.1),
        ("options", "fast"),
        ("options", {"wan": "audio"}),
        ("negative_prompt", 7),
        ("colour", "red"),
    ]

    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        data = dict(valid)
        if draw(st.booleans()):
            data.pop(draw(st.sampled_from(sorted(valid))))
            return data
        key, value = draw(st.sampled_from(breakages))
        data[key] = value
        return data

    return build()


def _hypothesis_setup_hook() -> None:
    """Entry point run by hypothesis at import: teach ``st.from_type`` videogate's types."""
    st.register_type_strategy(Size, st.deferred(sizes))
    st.register_type_strategy(ImageRef, st.deferred(lambda: image_refs()))
    st.register_type_strategy(VideoRequest, st.deferred(video_requests))
    st.register_type_strategy(NumberRange, st.deferred(number_ranges))
    st.register_type_strategy(SizeRule, st.deferred(size_rules))
    st.register_type_strategy(Capabilities, st.deferred(capabilities))
    st.register_type_strategy(ResultWarning, st.deferred(result_warnings))
