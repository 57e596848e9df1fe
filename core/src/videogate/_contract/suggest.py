"""``did you mean ...?``: the closest known names to a mistyped one."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

__all__ = ["did_you_mean", "suggestion"]

#: Names users reach for that are far from the real one in spelling (``image`` for
#: ``reference_image``); checked before spelling similarity.
ALIASES: dict[str, str] = {
    "image": "reference_image",
    "img": "reference_image",
    "image_url": "reference_image",
    "img_url": "reference_image",
    "reference": "reference_image",
    "negative": "negative_prompt",
    "resolution": "size",
    "length": "duration",
    "seconds": "duration",
    "framerate": "fps",
    "frame_rate": "fps",
    "motion": "motion_strength",
}


def did_you_mean(word: str, known: Iterable[str], *, limit: int = 3) -> list[str]:
    """The known names closest to ``word``, best first (empty when none is close)."""
    names = sorted({str(k) for k in known})
    alias = ALIASES.get(word.lower().replace("-", "_"))
    found = [alias] if alias in names else []
    lowered = {n.lower().replace("-", "_"): n for n in names}
    for close in difflib.get_close_matches(
        word.lower().replace("-", "_"), list(lowered), n=limit, cutoff=0.6
    ):
        found.append(lowered[close])
    for name in names:  # a prefix or a part of a longer name (``stat`` -> ``stats``)
        if len(word) >= 3 and (name.startswith(word) or word in name):
            found.append(name)
    return list(dict.fromkeys(found))[:limit]


def suggestion(word: str, known: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the message about ``word``, or ``""``."""
    close = did_you_mean(word, known)
    if not close:
        return ""
    return " (did you mean " + " or ".join(repr(c) for c in close) + "?)"
