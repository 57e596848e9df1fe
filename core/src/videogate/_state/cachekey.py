"""Cache keys: sha256 of the canonical request, so equivalent spellings share a key.

The key covers the provider name, the model, every request field (the reference image by
its content hash, never its location or bytes), the provider options and the normalization
mode. ``1280x720`` and ``1280*720``, ``4`` and ``4.0``, a path and the same bytes all give
the same key; any change of value gives another.
"""

from __future__ import annotations

import hashlib
import json

from videogate._contract.request import VideoRequest

__all__ = ["cache_key", "canonical_request"]

KEY_VERSION = 1


def canonical_request(
    request: VideoRequest, *, provider: str, model: str, mode: str
) -> dict[str, object]:
    """The JSON-ready mapping that :func:`cache_key` hashes."""
    image = request.reference_image
    return {
        "v": KEY_VERSION,
        "provider": provider,
        "model": model,
        "mode": str(mode),
        "prompt": request.prompt,
        "negative_prompt": request.negative_prompt,
        "duration": float(request.duration),
        "fps": float(request.fps),
        "size": str(request.size),
        "seed": request.seed,
        "reference_image": None if image is None else image.sha256,
        "motion_strength": (
            None if request.motion_strength is None else float(request.motion_strength)
        ),
        "options": request.options,
    }


def cache_key(request: VideoRequest, *, provider: str, model: str, mode: str) -> str:
    """The hex sha256 identifying what ``request`` would produce with that provider."""
    canonical = canonical_request(request, provider=provider, model=model, mode=mode)
    text = json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
