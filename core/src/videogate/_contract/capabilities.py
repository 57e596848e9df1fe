"""What a provider can honor: :class:`Capabilities` and its parts.

The engine checks every request against these *before any I/O* and either refuses
(``strict``) or maps to the nearest supported value with a warning (``adjust``/``conform``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from videogate._contract.size import Size

__all__ = ["Capabilities", "LatencyPrior", "NumberRange", "ServiceLimits", "SizeRule"]

_EPS = 1e-9
#: Relative aspect difference within which a target aspect is that of an exact size.
_EXACT_ASPECT = 0.005


def _sorted_values(values: Iterable[float]) -> tuple[float, ...]:
    return tuple(sorted({float(v) for v in values}))


@attrs.frozen
class NumberRange:
    """An inclusive range ``minimum..maximum``, optionally on a grid of ``step`` from
    ``minimum``, or a discrete set of ``values`` (build it with :meth:`of`).
    ``NumberRange(30, 30)`` is a fixed value."""

    minimum: float
    maximum: float
    step: float | None = None
    values: tuple[float, ...] = attrs.field(default=(), converter=_sorted_values)

    def __attrs_post_init__(self) -> None:
        if not (math.isfinite(self.minimum) and math.isfinite(self.maximum)):
            raise ValueError("NumberRange bounds must be finite")
        if self.minimum > self.maximum:
            raise ValueError(f"NumberRange minimum {self.minimum} > maximum {self.maximum}")
        if self.step is not None and not self.step > 0:
            raise ValueError("NumberRange step must be > 0")
        if self.values:
            if self.step is not None:
                raise ValueError("NumberRange takes a step or a set of values, not both")
            if not all(math.isfinite(v) for v in self.values):
                raise ValueError("NumberRange values must be finite")
            if (self.values[0], self.values[-1]) != (self.minimum, self.maximum):
                raise ValueError("NumberRange values must run from minimum to maximum")

    @classmethod
    def of(cls, *values: float) -> NumberRange:
        """A discrete set: ``NumberRange.of(12, 25)`` allows exactly 12 and 25."""
        ordered = _sorted_values(values)
        if not ordered:
            raise ValueError("NumberRange.of needs at least one value")
        return cls(ordered[0], ordered[-1], values=ordered)

    @property
    def fixed(self) -> bool:
        """Whether only one value is allowed."""
        return self.minimum == self.maximum

    def contains(self, value: float) -> bool:
        """Whether ``value`` is allowed exactly."""
        if value < self.minimum - _EPS or value > self.maximum + _EPS:
            return False
        if self.values:
            return any(abs(value - v) < 1e-6 for v in self.values)
        if self.step is None:
            return True
        k = (value - self.minimum) / self.step
        return abs(k - round(k)) < 1e-6

    def nearest(self, value: float) -> float:
        """The allowed value closest to ``value`` (ties go up)."""
        if self.values:
            return min(self.values, key=lambda v: (abs(v - value), -v))
        clamped = min(max(value, self.minimum), self.maximum)
        if self.step is None:
            return clamped
        k = math.floor((clamped - self.minimum) / self.step + 0.5 + _EPS)
        candidate = self.minimum + k * self.step
        if candidate > self.maximum + _EPS:
            candidate -= self.step
        return round(candidate, 9)

    def describe(self) -> str:
        """Human text: ``30``, ``2..15 step 1``, ``1..60``, ``12, 25``."""
        if self.fixed:
            return f"{self.minimum:g}"
        if self.values:
            return ", ".join(f"{v:g}" for v in self.values)
        text = f"{self.minimum:g}..{self.maximum:g}"
        return f"{text} step {self.step:g}" if self.step else text


@attrs.frozen
class SizeRule:
    """Which frame sizes a provider can produce.

    Either an explicit list (``sizes``), or constraints: side bounds, a ``multiple_of`` for
    both sides, a ``max_pixels`` cap, and ``pixel_tiers`` (total-pixel targets, such as
    DashScope's 720P/1080P) for providers whose output aspect follows the reference image
    (``aspect_from_reference``). ``pixel_tolerance`` is the relative slack within which a
    requested pixel count counts as that tier (the service rounds sides to its grid).
    ``exact_sizes`` are tier sizes the service produces as they are, off its grid (such as
    1920x1080 on a 16-pixel grid), for the aspects they have.
    """

    sizes: tuple[Size, ...] = ()
    min_side: int = 1
    max_side: int | None = None
    multiple_of: int = 1
    max_pixels: int | None = None
    pixel_tiers: tuple[int, ...] = ()
    aspect_from_reference: bool = False
    pixel_tolerance: float = 0.0
    exact_sizes: tuple[Size, ...] = ()

    def allows(self, size: Size) -> bool:
        """Whether ``size`` can be produced exactly (tiers: within ``pixel_tolerance``)."""
        if self.sizes:
            return size in self.sizes
        if self.pixel_tiers:
            return self.tier_for(size) is not None
        return not self.violations(size)

    def tier_for(self, size: Size) -> int | None:
        """The pixel tier ``size`` belongs to, if any."""
        for tier in self.pixel_tiers:
            if abs(size.pixels - tier) <= tier * self.pixel_tolerance + _EPS:
                return tier
        return None

    def violations(self, size: Size) -> list[str]:
        """Why ``size`` breaks the side/grid/pixel constraints (empty if it does not)."""
        problems = []
        if min(size.width, size.height) < self.min_side:
            problems.append(f"each side must be >= {self.min_side}")
        if self.max_side is not None and max(size.width, size.height) > self.max_side:
            problems.append(f"each side must be <= {self.max_side}")
        if size.width % self.multiple_of or size.height % self.multiple_of:
            problems.append(f"sides must be multiples of {self.multiple_of}")
        if self.max_pixels is not None and size.pixels > self.max_pixels:
            problems.append(f"at most {self.max_pixels} pixels")
        return problems

    def nearest(self, size: Size, aspect: float | None = None) -> Size:
        """The allowed size closest to ``size``; with tiers, the nearest tier at ``aspect``
        (the reference image's, when known, else the requested one)."""
        if self.sizes:
            return min(
                self.sizes,
                key=lambda s: (abs(math.log(s.aspect / size.aspect)), abs(s.pixels - size.pixels)),
            )
        if self.pixel_tiers:
            tier = min(self.pixel_tiers, key=lambda t: abs(math.log(t / size.pixels)))
            target_aspect = aspect or size.aspect
            for exact in self.exact_sizes:
                same_aspect = abs(math.log(exact.aspect / target_aspect)) < _EXACT_ASPECT
                if same_aspect and self.tier_for(exact) == tier:
                    return exact
            width = math.sqrt(tier * target_aspect)
            return self._fit(width, width / target_aspect)
        scale = 1.0
        if self.max_pixels is not None and size.pixels > self.max_pixels:
            scale = math.sqrt(self.max_pixels / size.pixels)
        if self.max_side is not None:
            scale = min(scale, self.max_side / max(size.width, size.height))
        fitted = self._fit(size.width * scale, size.height * scale)
        while self.max_pixels is not None and fitted.pixels > self.max_pixels:
            # Rounding to the grid can overshoot the pixel cap: trim the longer side.
            if fitted.width >= fitted.height:
                fitted = Size(fitted.width - self.multiple_of, fitted.height)
            else:
                fitted = Size(fitted.width, fitted.height - self.multiple_of)
        return fitted

    def _fit(self, width: float, height: float) -> Size:
        m = self.multiple_of

        def snap(v: float) -> int:
            lo = max(self.min_side, m)
            hi = self.max_side if self.max_side is not None else 1 << 30
            snapped = max(lo, round(v / m) * m)
            while snapped > hi:
                snapped -= m
            return snapped

        return Size(snap(width), snap(height))

    def describe(self) -> str:
        """Human text for error messages and ``videogate providers``."""
        if self.sizes:
            return ", ".join(str(s) for s in self.sizes)
        parts = []
        if self.pixel_tiers:
            parts.append("pixel tiers " + "/".join(str(t) for t in self.pixel_tiers))
        if self.aspect_from_reference:
            parts.append("aspect follows the reference image")
        if self.max_side is not None:
            parts.append(f"sides {self.min_side}..{self.max_side}")
        if self.multiple_of > 1:
            parts.append(f"multiples of {self.multiple_of}")
        if self.max_pixels is not None:
            parts.append(f"up to {self.max_pixels} pixels")
        return ", ".join(parts) or "any"


@attrs.frozen
class ServiceLimits:
    """Per-account limits of the service behind a provider; the engine queues locally to
    stay inside them. ``None`` means unlimited."""

    max_concurrent_tasks: int | None = None
    submits_per_second: float | None = None
    queries_per_second: float | None = None


def _option_pairs(
    values: Mapping[str, Iterable[Any]] | Iterable[tuple[str, Iterable[Any]]],
) -> tuple[tuple[str, tuple[Any, ...]], ...]:
    items = values.items() if isinstance(values, Mapping) else values
    return tuple((str(name), tuple(examples)) for name, examples in items)


@attrs.frozen
class LatencyPrior:
    """What a provider expects of its task times (seconds from submit to the end) before
    anything was learned: the engine's first poll comes at ``low``, and its progress ETAs
    use ``typical``. ``low=0`` says a task may be finished when submit returns.

    :ivar low: a time few tasks finish before (a low quantile).
    :ivar typical: the usual (median) task time.
    :ivar high: a time few tasks outlast (a high quantile).
    """

    low: float
    typical: float
    high: float

    def __attrs_post_init__(self) -> None:
        if not (0.0 <= self.low <= self.typical <= self.high) or not math.isfinite(self.high):
            raise ValueError("LatencyPrior needs 0 <= low <= typical <= high (finite seconds)")


@attrs.frozen(kw_only=True)
class Capabilities:
    """A static description of what a provider can honor.

    :ivar sizes: the frame sizes it can produce.
    :ivar durations: seconds of video it can produce.
    :ivar fps: frame rates it can produce (``NumberRange(30, 30)`` when fixed).
    :ivar requires_reference_image: image-to-video providers need ``reference_image``.
    :ivar supports_negative_prompt: whether ``negative_prompt`` is used.
    :ivar supports_seed: whether ``seed`` is used (the engine then always sends one).
    :ivar supports_motion_strength: whether ``motion_strength`` is used.
    :ivar prompt_max_chars: longest prompt accepted, if limited.
    :ivar negative_prompt_max_chars: longest negative prompt accepted, if limited.
    :ivar options: names of the provider options read from ``request.options[namespace]``.
    :ivar option_values: values of provider options (``{"audio": (True, False)}``): all the
        allowed ones when the set is closed, else at least one example; the contract suite
        sends them. Given as a mapping, kept as ``(name, values)`` pairs.
    :ivar limits: the service's per-account limits.
    :ivar can_cancel: whether ``cancel`` can ever stop a task.
    :ivar idempotent_submit: whether repeating a submit never creates a second paid task.
    :ivar typical_latency: seconds a task usually takes, to pace polling (learned later);
        used as a prior (``low`` a quarter of it) when ``latency`` is not given.
    :ivar latency: the prior of task times that paces the first polls (learned later).
    :ivar output_seed_echoed: whether the service reports the seed it used (else the engine
        reports the seed it sent).
    """

    sizes: SizeRule
    durations: NumberRange
    fps: NumberRange
    requires_reference_image: bool = False
    supports_negative_prompt: bool = True
    supports_seed: bool = True
    supports_motion_strength: bool = False
    prompt_max_chars: int | None = None
    negative_prompt_max_chars: int | None = None
    options: tuple[str, ...] = ()
    limits: ServiceLimits = ServiceLimits()
    can_cancel: bool = True
    idempotent_submit: bool = False
    typical_latency: float | None = None
    latency: LatencyPrior | None = None
    output_seed_echoed: bool = False
    option_values: tuple[tuple[str, tuple[Any, ...]], ...] = attrs.field(
        default=(), converter=_option_pairs
    )

    def __attrs_post_init__(self) -> None:
        for name, values in self.option_values:
            if name not in self.options:
                raise ValueError(f"option_values names {name!r}, which is not in options")
            if not values:
                raise ValueError(f"option_values[{name!r}] must give at least one value")

    def values_of(self, option: str) -> tuple[Any, ...]:
        """The declared values (or examples) of provider option ``option`` (may be empty)."""
        return dict(self.option_values).get(option, ())
