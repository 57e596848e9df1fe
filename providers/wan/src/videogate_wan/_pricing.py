"""What ``wan2.6-i2v-flash`` costs: per second of output, by resolution tier and audio.

UNCONFIRMED: the figures come from secondary sources only (code quoting Model Studio's
"wan2.6-i2v-flash" price table for Beijing; a reseller's list of the international prices),
mutually consistent but not read from the official price page. Check the console before
relying on them. The service's default is audio **on**, billed at the dearer audio rate;
this provider sends ``audio = false`` unless configured or asked otherwise.
"""

from __future__ import annotations

from typing import Final

from videogate import PriceRate, Pricing
from videogate_wan._capabilities import RESOLUTIONS

__all__ = ["PRICES", "PRICES_AS_OF", "SERVICE_AUDIO_DEFAULT", "pricing_for"]

#: When the figures below were collected.
PRICES_AS_OF: Final = "2026-11-29"
#: The service's own default for ``parameters.audio`` (a request that omits it pays for sound).
SERVICE_AUDIO_DEFAULT: Final = True

#: region -> (currency, {(resolution, audio): price per second}, source)
PRICES: Final[dict[str, tuple[str, dict[tuple[str, bool], float], str]]] = {
    "beijing": (
        "CNY",
        {
            ("720P", False): 0.15,
            ("1080P", False): 0.25,
            ("720P", True): 0.30,
            ("1080P", True): 0.50,
        },
        "secondary sources quoting Model Studio's wan2.6-i2v-flash price table, "
        "China (Beijing) region",
    ),
    "singapore": (
        "USD",
        {
            ("720P", False): 0.025,
            ("1080P", False): 0.0375,
            ("720P", True): 0.05,
            ("1080P", True): 0.075,
        },
        "international list price as quoted by a reseller (docs.empiriolabs.ai/models/wan-2-6)",
    ),
}

_NOTE: Final = (
    "unconfirmed figures; the service's default is audio on, billed at the dearer audio "
    "rate (this provider sends audio=false unless configured or asked)"
)


def pricing_for(region: str = "beijing", audio_default: bool = False) -> Pricing:
    """The pricing of the region's endpoint; ``audio_default`` is what a request that does not
    set ``options.wan.audio`` gets (the provider's configured ``audio``)."""
    currency, table, source = PRICES[region]
    rates = tuple(
        PriceRate(
            per_second=price,
            resolution=resolution,
            pixels=RESOLUTIONS[resolution],
            audio=audio,
            confirmed=False,
        )
        for (resolution, audio), price in table.items()
    )
    return Pricing(
        currency=currency,
        rates=rates,
        source=source,
        as_of=PRICES_AS_OF,
        audio_option="audio",
        audio_default=audio_default,
        billing_increment=1.0,
        note=_NOTE,
    )
