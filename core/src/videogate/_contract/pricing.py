"""What a job costs: a provider's declared :class:`Pricing` and a request's :class:`CostEstimate`.

A provider may declare per-second rates by resolution tier and audio on/off, in one currency,
with the source and date of the figures and whether they are confirmed. The estimate is a
pure function of a (normalized) request and the pricing: no I/O, so it can gate a submit.
"""

from __future__ import annotations

import math
from typing import Any

import attrs

from videogate._contract.request import VideoRequest

__all__ = ["CostEstimate", "PriceRate", "Pricing"]


def _non_negative(_: Any, attribute: attrs.Attribute[Any], value: float) -> None:
    if not (math.isfinite(value) and value >= 0):
        raise ValueError(f"{attribute.name} must be a finite number >= 0, got {value!r}")


@attrs.frozen(kw_only=True)
class PriceRate:
    """One line of a price table: ``per_second`` of output video for a tier and audio setting.

    :ivar per_second: price of one second of output, in the pricing's currency.
    :ivar resolution: the tier's name (``720P``), or ``None`` for any size.
    :ivar pixels: the tier's total pixel count (how a requested size finds its tier).
    :ivar audio: ``True``/``False`` for videos with/without sound, ``None`` for either.
    :ivar confirmed: whether the figure comes from the service's own price list.
    """

    per_second: float = attrs.field(validator=_non_negative)
    resolution: str | None = None
    pixels: int | None = None
    audio: bool | None = None
    confirmed: bool = True


@attrs.frozen(kw_only=True)
class Pricing:
    """A provider's prices.

    :ivar currency: ISO 4217 code of every rate (``CNY``, ``USD``).
    :ivar rates: the price table.
    :ivar source: where the figures come from.
    :ivar as_of: the date (ISO ``YYYY-MM-DD``) the figures were read.
    :ivar audio_option: the provider option (``request.options[namespace][...]``) that turns
        sound on, if sound changes the price.
    :ivar audio_default: whether sound is on when a request does not say.
    :ivar billing_increment: billed seconds are rounded up to a multiple of this.
    :ivar pixel_tolerance: relative slack within which a size counts as a tier.
    :ivar note: anything else a reader of the estimate should know.
    """

    currency: str
    rates: tuple[PriceRate, ...]
    source: str
    as_of: str
    audio_option: str | None = None
    audio_default: bool = False
    billing_increment: float = 1.0
    pixel_tolerance: float = 0.05
    note: str = ""

    @classmethod
    def free(cls, source: str, as_of: str, currency: str = "USD") -> Pricing:
        """Pricing of a provider that costs nothing (it runs locally)."""
        return cls(
            currency=currency, rates=(PriceRate(per_second=0.0),), source=source, as_of=as_of
        )

    @property
    def confirmed(self) -> bool:
        """Whether every rate is confirmed."""
        return all(rate.confirmed for rate in self.rates)

    def audio_for(self, request: VideoRequest, namespace: str) -> bool | None:
        """Whether ``request`` asks for sound (``None`` when sound does not change the price)."""
        if self.audio_option is None:
            return None
        value = request.provider_options(namespace).get(self.audio_option)
        return value if isinstance(value, bool) else self.audio_default

    def rate_for(self, request: VideoRequest, namespace: str) -> PriceRate | None:
        """The line of the table that prices ``request``, if any."""
        audio = self.audio_for(request, namespace)
        pixels = request.size.pixels
        for rate in self.rates:
            if rate.audio is not None and rate.audio != audio:
                continue
            if rate.pixels is not None and abs(pixels - rate.pixels) > (
                rate.pixels * self.pixel_tolerance
            ):
                continue
            return rate
        return None

    def estimate(
        self, request: VideoRequest, *, namespace: str, provider: str, model: str
    ) -> CostEstimate:
        """What generating ``request`` would cost (``amount`` is ``None`` without a rate)."""
        step = self.billing_increment
        seconds = math.ceil(request.duration / step - 1e-9) * step
        rate = self.rate_for(request, namespace)
        amount = None if rate is None else round(seconds * rate.per_second, 6)
        return CostEstimate(
            amount=amount,
            currency=self.currency,
            provider=provider,
            model=model,
            seconds=seconds,
            per_second=None if rate is None else rate.per_second,
            resolution=None if rate is None else rate.resolution,
            audio=self.audio_for(request, namespace),
            confirmed=rate is not None and rate.confirmed,
            source=self.source,
            as_of=self.as_of,
            note=self.note,
        )


@attrs.frozen(kw_only=True)
class CostEstimate:
    """What one job is expected to cost, with its basis.

    :ivar amount: the price in ``currency``; ``None`` when the provider declares no price for
        this request (or no pricing at all).
    :ivar seconds: the billed seconds.
    :ivar per_second: the rate applied.
    :ivar resolution: the tier priced, when the price depends on it.
    :ivar audio: whether sound was priced in (``None``: sound does not change the price).
    :ivar confirmed: whether the rate comes from the service's own price list.
    :ivar cached: the request is answered from the cache (or joins a job in flight) and costs
        nothing new.
    """

    amount: float | None
    currency: str | None
    provider: str
    model: str
    seconds: float
    per_second: float | None = None
    resolution: str | None = None
    audio: bool | None = None
    confirmed: bool = False
    source: str = ""
    as_of: str = ""
    note: str = ""
    cached: bool = False

    @classmethod
    def unknown(cls, provider: str, model: str, seconds: float) -> CostEstimate:
        """The estimate of a provider that declares no pricing."""
        return cls(
            amount=None,
            currency=None,
            provider=provider,
            model=model,
            seconds=seconds,
            note="the provider declares no pricing",
        )

    @property
    def basis(self) -> str:
        """One line saying how the amount was reached."""
        if self.cached:
            return "answered from the cache (or joins the identical job in flight): costs 0"
        if self.amount is None:
            return f"no price known for this request ({self.note or 'no matching rate'})"
        parts = [f"{self.seconds:g} s x {self.per_second:g} {self.currency}/s"]
        if self.resolution:
            parts.append(self.resolution)
        if self.audio is not None:
            parts.append("with audio" if self.audio else "silent")
        text = ", ".join(parts)
        status = "confirmed" if self.confirmed else "UNCONFIRMED"
        return f"{text} ({status}; {self.source}, as of {self.as_of})"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping, with ``basis``."""
        data = attrs.asdict(self)
        data["basis"] = self.basis
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CostEstimate:
        """The estimate from :meth:`to_dict` output (``basis`` and unknown keys ignored)."""
        names = {a.name for a in attrs.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})

    def free(self) -> CostEstimate:
        """This estimate for a request answered without a new task (cache hit, joined job)."""
        return attrs.evolve(self, amount=0.0, cached=True)
