"""Contract test of cache keys: stable across spellings and instances, sensitive to each field."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from videogate import VideoRequest, cache_key, structure
from videogate_contracts._context import ContractContext
from videogate_contracts._profiles import contract_settings
from videogate_contracts._requests import requests, variable_fields, with_other_value

__all__ = ["CacheKeyChecks"]


class CacheKeyChecks:
    """The cache-key test of :class:`~videogate_contracts.ProviderContract`."""

    def test_cache_keys_are_stable_and_sensitive(self, contract: ContractContext) -> None:
        """Cache keys are the same for equivalent spellings (``1280x720``/``1280*720``,
        ``4``/``4.0``) and across provider instances, and change with every field.

        Fix: keep ``name`` and ``model`` constant for a given configuration (no timestamps,
        random ids or per-instance values).
        """
        ctx = contract
        other = ctx.double.make_provider() if ctx.double is not None else None
        models = {ctx.provider.model} | ({other.model} if other is not None else set())
        if other is not None:
            other.close()
        assert len(models) == 1, (
            f"cache keys are stable: two instances report different models {sorted(models)}, "
            "so the same request gets an unstable cache key"
        )
        model = ctx.provider.model
        fields = variable_fields(ctx)

        def key(request: VideoRequest) -> str:
            return cache_key(request, provider=ctx.name, model=model, mode="strict")

        @contract_settings("pure")
        @given(requests(ctx), st.data())
        def keys(request: VideoRequest, data: st.DataObject) -> None:
            spelled: dict[str, Any] = {
                "prompt": request.prompt,
                "duration": int(request.duration)
                if request.duration.is_integer()
                else request.duration,
                "fps": int(request.fps) if request.fps.is_integer() else request.fps,
                "size": f"{request.size.width}x{request.size.height}",
                "negative_prompt": request.negative_prompt,
                "seed": request.seed,
                "motion_strength": request.motion_strength,
                "options": {k: dict(reversed(list(v.items()))) for k, v in request.options.items()},
            }
            if request.reference_image is not None:
                spelled["reference_image"] = request.reference_image
            assert key(structure(spelled, VideoRequest)) == key(request), (
                "cache keys are stable: equivalent spellings gave different keys"
            )
            field = data.draw(st.sampled_from(fields))
            changed = data.draw(st.composite(lambda d: with_other_value(d, ctx, request, field))())
            assert key(changed) != key(request), (
                f"cache keys change with every field: changing {field} kept the key"
            )

        keys()
