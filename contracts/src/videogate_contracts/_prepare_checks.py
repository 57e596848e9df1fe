"""Contract tests of what a provider declares and how ``prepare`` maps requests (no service)."""

from __future__ import annotations

import json

import attrs
from hypothesis import given
from hypothesis import strategies as st

from videogate import Capabilities, NumberRange, Size, VideoRequest
from videogate_contracts._context import ContractContext, settle
from videogate_contracts._netguard import no_network
from videogate_contracts._profiles import contract_settings
from videogate_contracts._requests import requests, variable_fields, with_other_value

__all__ = ["PrepareChecks"]


class PrepareChecks:
    """The capability and ``prepare`` tests of :class:`~videogate_contracts.ProviderContract`."""

    def test_capabilities_are_well_formed(self, contract: ContractContext) -> None:
        """Capabilities are well-formed and self-consistent.

        Fix: declare ``capabilities`` as a :class:`videogate.Capabilities` whose ranges are
        positive and finite, whose size rule allows at least one size (and snaps any size to
        one it allows), and whose limits and text bounds are positive.
        """
        provider = contract.provider
        caps = provider.capabilities
        assert isinstance(caps, Capabilities), "capabilities must be a videogate.Capabilities"
        assert isinstance(provider.name, str) and provider.name, "name must be a non-empty str"
        assert isinstance(provider.model, str) and provider.model, "model must be a non-empty str"
        assert isinstance(provider.namespace, str) and provider.namespace, "namespace is empty"
        for label, allowed in (("durations", caps.durations), ("fps", caps.fps)):
            assert isinstance(allowed, NumberRange), f"capabilities.{label} is not a NumberRange"
            assert allowed.minimum > 0, f"capabilities.{label} must be > 0, got {allowed}"
            assert allowed.contains(allowed.nearest(allowed.maximum)), f"{label}: inconsistent"
        for label, limit in (
            ("prompt_max_chars", caps.prompt_max_chars),
            ("negative_prompt_max_chars", caps.negative_prompt_max_chars),
        ):
            assert limit is None or limit > 0, f"capabilities.{label} must be > 0"
        assert len(set(caps.options)) == len(caps.options), "capabilities.options repeats"
        assert all(isinstance(o, str) and o for o in caps.options), "bad option name"
        for label, value in attrs.asdict(caps.limits).items():
            assert value is None or value > 0, f"capabilities.limits.{label} must be > 0"
        rule = caps.sizes
        assert all(isinstance(s, Size) for s in rule.sizes), "capabilities.sizes.sizes"
        for size in (Size(1280, 720), Size(720, 1280), Size(64, 64), Size(1920, 1088)):
            snapped = rule.nearest(size)
            assert rule.allows(snapped), (
                f"capabilities are self-consistent: sizes.nearest({size}) gave {snapped}, "
                "which sizes.allows() refuses"
            )

    def test_prepare_is_pure_and_deterministic(self, contract: ContractContext) -> None:
        """For every valid request inside the capabilities, ``prepare`` succeeds, does no I/O
        (sockets are blocked), returns JSON values, and returns the same thing twice (also
        from a second provider instance).

        Fix: keep ``prepare`` a pure mapping; upload images or resolve URLs in ``submit``.
        """
        ctx = contract
        twin = ctx.double.make_provider() if ctx.double is not None else None

        @contract_settings("pure")
        @given(requests(ctx))
        def prepare_is_pure(request: VideoRequest) -> None:
            normalized = ctx.normalized(request)
            with no_network("prepare (does I/O in prepare)") as attempts:
                first, error = settle(ctx.provider, lambda: ctx.provider.prepare(normalized))
                second = ctx.provider.prepare(normalized) if error is None else None
                third = twin.prepare(normalized) if twin is not None and error is None else None
            assert not attempts, f"prepare does I/O: it tried to connect to {attempts}"
            assert error is None, f"prepare refused a request inside the capabilities: {error!r}"
            assert isinstance(first, dict), "prepare must return a dict of native parameters"
            try:
                text = json.dumps(first, sort_keys=True)
            except (TypeError, ValueError) as exc:
                raise AssertionError(f"prepare must return JSON values: {exc}") from None
            assert json.dumps(second, sort_keys=True) == text, "prepare is not deterministic"
            if third is not None:
                assert json.dumps(third, sort_keys=True) == text, (
                    "prepare is not deterministic across provider instances"
                )

        try:
            prepare_is_pure()
        finally:
            if twin is not None:
                twin.close()

    def test_prepare_maps_every_field(self, contract: ContractContext) -> None:
        """Changing any field the capabilities say is used changes the native parameters.

        A field the provider cannot send must be declared unsupported in the capabilities
        (``supports_seed=False``...), so that normalization refuses it or reports it in a
        warning instead of it being dropped silently. Fix: map the field in ``prepare``.
        """
        ctx = contract
        fields = variable_fields(ctx)

        @st.composite
        def pairs(draw: st.DrawFn) -> tuple[str, VideoRequest, VideoRequest]:
            base = draw(requests(ctx))
            field = draw(st.sampled_from(fields))
            if field.startswith("options."):
                # An absent option means the provider's default, which may equal any drawn
                # value: compare two explicit values instead.
                name = field.split(".", 1)[1]
                own = base.provider_options(ctx.name)
                if name not in own:
                    first = draw(st.sampled_from(list(ctx.option_values[name])))
                    base = attrs.evolve(base, options={ctx.name: {**own, name: first}})
            return field, base, with_other_value(draw, ctx, base, field)

        @contract_settings("pure")
        @given(pairs())
        def every_field_is_mapped(pair: tuple[str, VideoRequest, VideoRequest]) -> None:
            field, base, changed = pair
            with no_network("prepare (does I/O in prepare)"):
                before = ctx.provider.prepare(ctx.normalized(base))
                after = ctx.provider.prepare(ctx.normalized(changed))
            assert before != after, (
                f"prepare maps every field: changing {field} did not change the native "
                f"parameters, so {field} is dropped silently (map it, or declare it "
                "unsupported in the capabilities)"
            )

        every_field_is_mapped()
