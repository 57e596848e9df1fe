"""Contract tests of normalization: strict refuses, adjust lands inside, malformed is refused."""

from __future__ import annotations

from typing import Any

import attrs
import pytest
from hypothesis import given

from videogate import InvalidRequest, Size, UnsupportedParameter, VideoRequest, normalize, structure
from videogate_contracts import strategies as vst
from videogate_contracts._context import ContractContext, settle
from videogate_contracts._netguard import no_network
from videogate_contracts._profiles import contract_settings
from videogate_contracts._requests import outside

__all__ = ["NormalizationChecks"]


class NormalizationChecks:
    """The normalization tests of :class:`~videogate_contracts.ProviderContract`."""

    def test_strict_refuses_values_outside_capabilities(self, contract: ContractContext) -> None:
        """In strict mode a value outside the capabilities raises ``UnsupportedParameter``
        naming the field, before any I/O.

        Fix: make the capabilities describe exactly what the service accepts.
        """
        ctx = contract

        @contract_settings("pure")
        @given(outside(ctx))
        def strict_refuses(case: tuple[str, VideoRequest]) -> None:
            field, request = case
            with no_network("normalize"), pytest.raises(UnsupportedParameter) as info:
                normalize(request, ctx.caps, "strict", provider=ctx.name)
            assert info.value.field == field, (
                f"strict mode must name the field {field!r}, named {info.value.field!r}"
            )
            assert field in str(info.value), f"the message must name {field!r}: {info.value}"

        strict_refuses()

    def test_adjust_maps_inside_capabilities_with_warnings(self, contract: ContractContext) -> None:
        """In adjust mode a request outside the capabilities becomes one inside them, with
        exactly one warning per changed field, and ``prepare`` accepts it without I/O.

        Fix: make ``capabilities.sizes.nearest`` (and the ranges) land on values the
        capabilities allow, and let ``prepare`` accept every such value.
        """
        ctx = contract

        @contract_settings("pure")
        @given(outside(ctx))
        def adjust_lands_inside(case: tuple[str, VideoRequest]) -> None:
            _, request = case
            with no_network("normalize and prepare (does I/O in prepare)"):
                adjusted = normalize(request, ctx.caps, "adjust", provider=ctx.name, seed=1)
                inside = normalize(adjusted.request, ctx.caps, "strict", provider=ctx.name)
                assert inside.warnings == (), f"adjusted request still outside: {inside}"
                _, error = settle(ctx.provider, lambda: ctx.provider.prepare(adjusted.request))
            assert error is None, f"prepare refused an adjusted request: {error!r}"
            changed = {
                f.name
                for f in attrs.fields(VideoRequest)
                if f.name != "seed" or request.seed is not None
                if getattr(request, f.name) != getattr(adjusted.request, f.name)
            }
            warned = [w.field or "" for w in adjusted.warnings]
            assert sorted(warned) == sorted(changed), (
                f"one warning per changed field: changed {sorted(changed)}, warned {warned}"
            )

        adjust_lands_inside()

    def test_malformed_input_is_refused_before_any_io(self, contract: ContractContext) -> None:
        """Malformed input raises ``InvalidRequest`` naming the problem, before any I/O; a
        provider needing a reference image refuses a request without one the same way.

        Fix: this is videogate's own validation; a failure here means the provider's
        capabilities or plugin registration let a malformed request through.
        """
        ctx = contract

        @contract_settings("pure")
        @given(vst.malformed_requests())
        def refused(data: dict[str, Any]) -> None:
            with no_network("validation"), pytest.raises(InvalidRequest) as info:
                structure(data, VideoRequest)
            assert str(info.value).strip(), "InvalidRequest messages must not be empty"

        refused()
        if ctx.caps.requires_reference_image:
            request = VideoRequest(
                prompt="a cat",
                duration=ctx.caps.durations.minimum,
                fps=ctx.caps.fps.minimum,
                size=ctx.caps.sizes.nearest(Size(1280, 720)),
            )
            with no_network("validation"), pytest.raises(InvalidRequest) as info:
                normalize(request, ctx.caps, "strict", provider=ctx.name)
            assert info.value.field == "reference_image"
