"""``ProviderContract``: the contract every videogate provider must pass.

Subclass it in a test module (the name must start with ``Test`` to be collected)::

    class TestMyContract(ProviderContract):
        provider_name = "myprovider"      # found through its entry point and hooks

or override :meth:`ProviderContract.make_double` to hand the suite a service double directly.
Every test's docstring says what it checks and how to fix a failure. Overriding a test
without ``@pytest.mark.xfail(reason=...)`` fails ``test_no_overrides_DO_NOT_OVERRIDE``.
"""

from __future__ import annotations

import functools
import json
import logging
import math
import secrets
import traceback
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from videogate import (
    CancelOutcome,
    Capabilities,
    InvalidRequest,
    NumberRange,
    Provider,
    Size,
    TaskStatus,
    UnsupportedParameter,
    VideogateError,
    VideoRequest,
    cache_key,
    normalize,
    structure,
)
from videogate_contracts import strategies as vst
from videogate_contracts._context import ContractContext, settle
from videogate_contracts._double import (
    POLL_FAULTS,
    SUBMIT_FAULTS,
    Expectation,
    Fault,
    ServiceDouble,
    expectation,
)
from videogate_contracts._netguard import no_network
from videogate_contracts._profiles import contract_settings

__all__ = ["ProviderContract"]

_FAULT_PARAMS: dict[str, dict[str, Any]] = {
    Fault.RATE_LIMITED: {"retry_after": 7.0},
    Fault.TASK_FAILED: {"code": "Algo.RenderFailed"},
}


def _variable_fields(caps: Capabilities, option_values: Mapping[str, Sequence[Any]]) -> list[str]:
    fields = ["prompt", "reference_image"]
    for name, allowed in (("duration", caps.durations), ("fps", caps.fps)):
        if not allowed.fixed:
            fields.append(name)
    if len(caps.sizes.sizes) != 1:
        fields.append("size")
    if caps.supports_negative_prompt:
        fields.append("negative_prompt")
    if caps.supports_seed:
        fields.append("seed")
    if caps.supports_motion_strength:
        fields.append("motion_strength")
    fields += [
        f"options.{name}"
        for name in caps.options
        if len(set(map(repr, option_values.get(name, ())))) > 1
    ]
    return fields


def _other_value(draw: st.DrawFn, ctx: ContractContext, base: VideoRequest, field: str) -> Any:
    caps = ctx.caps
    strategies: dict[str, st.SearchStrategy[Any]] = {
        "prompt": vst.prompts(caps.prompt_max_chars),
        "reference_image": vst.image_refs(base.size if caps.sizes.aspect_from_reference else None),
        "duration": vst.numbers_in(caps.durations),
        "fps": vst.numbers_in(caps.fps),
        # When the output aspect follows the image, only the pixel tier is the request's.
        "size": vst.sizes_in(caps.sizes).filter(
            lambda size: (
                not caps.sizes.aspect_from_reference
                or (
                    (base.reference_image is None or base.reference_image.kind == "url")
                    and caps.sizes.tier_for(size) != caps.sizes.tier_for(base.size)
                )
            )
        ),
        "negative_prompt": vst.prompts(caps.negative_prompt_max_chars),
        "seed": st.integers(0, vst.SEED_MAX),
        "motion_strength": st.floats(0, 1),
    }
    if field.startswith("options."):
        name = field.split(".", 1)[1]
        current = base.provider_options(ctx.name).get(name, object())
        value = draw(st.sampled_from(list(ctx.option_values[name])).filter(lambda v: v != current))
        return {ctx.name: {**base.provider_options(ctx.name), name: value}}
    current = getattr(base, field)
    return draw(strategies[field].filter(lambda v: v != current))


def _texts_of_error(err: BaseException) -> Iterator[tuple[str, str]]:
    seen: set[int] = set()
    current: BaseException | None = err
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield f"str({type(current).__name__})", str(current)
        yield f"repr({type(current).__name__})", repr(current)
        yield f"args of {type(current).__name__}", repr(current.args)
        if isinstance(current, VideogateError):
            yield f"{type(current).__name__}.to_dict()", json.dumps(current.to_dict(), default=str)
        current = current.__cause__ or current.__context__
    yield "traceback", "".join(traceback.format_exception(err))


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.texts: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = record.getMessage()
        except Exception:
            text = f"{record.msg!r} {record.args!r}"
        if record.exc_info and record.exc_info[1] is not None:
            text += "\n" + "".join(traceback.format_exception(record.exc_info[1]))
        self.texts.append(f"{record.name}: {text}")


class ProviderContract:
    """Base class of a provider's contract tests (not collected itself: no ``Test`` prefix).

    Supply the provider in one of two ways:

    - set :attr:`provider_name` to the provider's entry-point name: the provider is created
      from its registered factory, and its service double comes from the
      ``contract_service_double`` hook of its plugin;
    - or override :meth:`make_double` to return a
      :class:`~videogate_contracts.ServiceDouble` (its ``make_provider()`` builds the
      provider).
    """

    #: Entry-point name of the provider under test (the default :meth:`make_double` uses it).
    provider_name: ClassVar[str | None] = None
    #: Example values of provider options (``{"audio": [True, False]}``); options with fewer
    #: than two distinct examples are not checked by the mapping property.
    option_values: ClassVar[Mapping[str, Sequence[Any]]] = {}
    #: Seconds one task may take on the double before the suite gives up.
    task_deadline: ClassVar[float] = 120.0

    # -- what a subclass supplies -------------------------------------------------------------

    def make_double(self) -> ServiceDouble | None:
        """The service double of the provider under test, or ``None`` when it has none.

        The default looks :attr:`provider_name` up through videogate's plugins; override it
        to build a double directly.
        """
        if self.provider_name is None:
            raise NotImplementedError(
                "ProviderContract subclasses must set provider_name or override make_double()"
            )
        from videogate_contracts._discovery import double_for

        return double_for(self.provider_name)

    def make_provider_without_double(self) -> Provider:
        """The provider when there is no double (only tests needing no service run)."""
        if self.provider_name is None:
            raise NotImplementedError(
                "make_double() returned None: set provider_name or override "
                "make_provider_without_double()"
            )
        from videogate_contracts._discovery import provider_from_registry

        return provider_from_registry(self.provider_name)

    # -- fixtures -----------------------------------------------------------------------------

    @pytest.fixture(scope="class")
    @classmethod
    def contract(cls, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ContractContext]:
        """The provider, its double and helpers, shared by the tests of one class."""
        self = cls()
        workdir = tmp_path_factory.mktemp("contract")
        double = self.make_double()
        reason = ""
        if double is None:
            from videogate_contracts._discovery import NO_DOUBLE_REASON

            reason = NO_DOUBLE_REASON.format(name=self.provider_name or type(self).__name__)
            provider = self.make_provider_without_double()
        else:
            double.reset()
            provider = double.make_provider()
        ctx = ContractContext(
            provider,
            double,
            Path(workdir),
            no_double_reason=reason,
            option_values={k: list(v) for k, v in self.option_values.items()},
            task_deadline=self.task_deadline,
        )
        try:
            yield ctx
        finally:
            try:
                provider.close()
            finally:
                if double is not None:
                    double.close()

    @pytest.fixture
    def fresh(self, contract: ContractContext) -> ContractContext:
        """The context with the double reset (no scripts, faults or counts)."""
        if contract.double is not None:
            contract.double.reset()
        return contract

    def _requests(self, ctx: ContractContext) -> st.SearchStrategy[VideoRequest]:
        return vst.requests_within(ctx.caps, ctx.name, option_values=ctx.option_values)

    # -- capabilities ---------------------------------------------------------------------------

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

    # -- prepare --------------------------------------------------------------------------------

    def test_prepare_is_pure_and_deterministic(self, contract: ContractContext) -> None:
        """For every valid request inside the capabilities, ``prepare`` succeeds, does no I/O
        (sockets are blocked), returns JSON values, and returns the same thing twice (also
        from a second provider instance).

        Fix: keep ``prepare`` a pure mapping; upload images or resolve URLs in ``submit``.
        """
        ctx = contract
        twin = ctx.double.make_provider() if ctx.double is not None else None

        @contract_settings("pure")
        @given(self._requests(ctx))
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
        fields = _variable_fields(ctx.caps, ctx.option_values)

        @st.composite
        def pairs(draw: st.DrawFn) -> tuple[str, VideoRequest, VideoRequest]:
            base = draw(self._requests(ctx))
            field = draw(st.sampled_from(fields))
            if field.startswith("options."):
                # An absent option means the provider's default, which may equal any drawn
                # value: compare two explicit values instead.
                name = field.split(".", 1)[1]
                own = base.provider_options(ctx.name)
                if name not in own:
                    first = draw(st.sampled_from(list(ctx.option_values[name])))
                    base = attrs.evolve(base, options={ctx.name: {**own, name: first}})
            value = _other_value(draw, ctx, base, field)
            attr = "options" if field.startswith("options.") else field
            return field, base, attrs.evolve(base, **{attr: value})

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

    # -- normalization ---------------------------------------------------------------------------

    @staticmethod
    def _outside(ctx: ContractContext) -> st.SearchStrategy[tuple[str, VideoRequest]]:
        caps = ctx.caps
        choices: list[tuple[str, st.SearchStrategy[Any]]] = [
            ("duration", vst.outside(caps.durations)),
            ("fps", vst.outside(caps.fps)),
            ("size", vst.sizes(4096).filter(lambda s: not caps.sizes.allows(s))),
        ]
        if not caps.supports_negative_prompt:
            choices.append(("negative_prompt", vst.prompts()))
        if not caps.supports_seed:
            choices.append(("seed", st.integers(0, vst.SEED_MAX)))
        if not caps.supports_motion_strength:
            choices.append(("motion_strength", st.floats(0, 1)))
        if caps.prompt_max_chars is not None:
            limit = caps.prompt_max_chars
            choices.append(("prompt", st.integers(limit + 1, limit + 50).map(lambda n: "p" * n)))

        @st.composite
        def build(draw: st.DrawFn) -> tuple[str, VideoRequest]:
            base = draw(vst.requests_within(caps, ctx.name))
            field, strategy = draw(st.sampled_from(choices))
            return field, attrs.evolve(base, **{field: draw(strategy)})

        return build()

    def test_strict_refuses_values_outside_capabilities(self, contract: ContractContext) -> None:
        """In strict mode a value outside the capabilities raises ``UnsupportedParameter``
        naming the field, before any I/O.

        Fix: make the capabilities describe exactly what the service accepts.
        """
        ctx = contract

        @contract_settings("pure")
        @given(self._outside(ctx))
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
        @given(self._outside(ctx))
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

    # -- service behaviour --------------------------------------------------------------------

    def _simple_request(self, ctx: ContractContext, seed: int = 4242) -> VideoRequest:
        caps = ctx.caps
        size = _first_size(caps)
        request = VideoRequest(
            prompt="a lighthouse at dawn",
            duration=caps.durations.nearest(caps.durations.minimum),
            fps=caps.fps.nearest(caps.fps.minimum),
            size=size,
            seed=seed if caps.supports_seed else None,
        )
        return ctx.normalized(ctx.with_local_image(request))

    def _check_error(
        self, kind: str, where: str, error: VideogateError | None, caps: Capabilities
    ) -> None:
        expected = expectation(kind)
        if where == "submit" and kind == Fault.TIMEOUT:
            # The task may exist: retrying could pay twice unless submits are idempotent.
            expected = Expectation(expected.classes, caps.idempotent_submit)
        assert error is not None, f"fault {kind!r} on {where}: the call succeeded"
        assert expected.matches(error), (
            f"fault {kind!r} on {where} must map to {expected.describe()}, got {error!r}"
        )
        assert error.retryable is expected.retryable, (
            f"fault {kind!r} on {where}: retryable must be {expected.retryable}, got "
            f"{error.retryable} ({error!r}); a 4xx-type refusal is never retryable"
        )
        assert error.message.strip(), f"fault {kind!r} on {where}: the message is empty"
        if kind == Fault.RATE_LIMITED and error.retry_after is not None:
            assert math.isclose(error.retry_after, 7.0, rel_tol=0.01), (
                f"rate_limited: retry_after must be the service's 7 s, got {error.retry_after}"
            )
        if kind == Fault.TASK_FAILED:
            assert error.code == "Algo.RenderFailed", (
                f"task_failed: the error must carry the service's code, got {error.code!r}"
            )

    @pytest.mark.parametrize("kind", [str(k) for k in SUBMIT_FAULTS])
    def test_submit_fault_maps_to_the_right_error(self, fresh: ContractContext, kind: str) -> None:
        """Each fault the service can raise on submit becomes the right videogate error with
        the right ``retryable``, a non-empty message, no raw exception, and no task created
        for refusals.

        Fix: map the service's status/code in ``map_error`` (or raise the videogate error).
        """
        double = fresh.require_fault(kind)
        provider = fresh.provider
        native = provider.prepare(self._simple_request(fresh))
        double.fault(kind, on="submit", **_FAULT_PARAMS.get(kind, {}))
        _, error = settle(provider, lambda: provider.submit(native))
        self._check_error(kind, "submit", error, fresh.caps)
        if kind not in (Fault.TIMEOUT, Fault.MALFORMED, Fault.UNAVAILABLE):
            assert double.submissions == 0, f"a refused submit ({kind}) created a task"

    @pytest.mark.parametrize("kind", [str(k) for k in POLL_FAULTS])
    def test_poll_fault_maps_to_the_right_error(self, fresh: ContractContext, kind: str) -> None:
        """Each fault the service can answer to a poll becomes the right videogate error
        (raised, or in a ``FAILED`` state) with the right ``retryable``.

        Fix: map task statuses and error codes in ``poll``/``map_error``.
        """
        double = fresh.require_fault(kind)
        provider = fresh.provider
        native = provider.prepare(self._simple_request(fresh))
        double.fault(kind, on="poll", **_FAULT_PARAMS.get(kind, {}))
        task, error = settle(provider, lambda: provider.submit(native))
        assert error is None and task is not None, f"submit failed: {error!r}"
        state, error = settle(provider, lambda: provider.poll(task))
        if state is not None and state.status is TaskStatus.FAILED:
            error = state.error
        elif state is not None:
            raise AssertionError(f"fault {kind!r} on poll was reported as {state.status}")
        self._check_error(kind, "poll", error, fresh.caps)

    def test_results_are_normalized(self, fresh: ContractContext) -> None:
        """A succeeded task reports only what it produced: ``TaskOutput`` fps, duration and
        size agree with the video file, and the seed is the one sent (or none).

        Fix: report the service's values when it gives them, else leave them ``None``;
        never copy the request's values into the output.
        """
        double = fresh.require_double()
        provider = fresh.provider
        request = self._simple_request(fresh)
        double.script(["succeeded"])
        _, state, error = fresh.run_task(provider, provider.prepare(request))
        assert error is None and state is not None, f"the task failed: {error!r}"
        assert state.status is TaskStatus.SUCCEEDED, f"the task ended {state.status}"
        output = state.output
        assert output is not None
        probe = fresh.probe(output)
        if output.fps is not None:
            assert math.isclose(output.fps, probe.fps, rel_tol=0.01), (
                f"results are normalized: TaskOutput.fps={output.fps:g} but the video has "
                f"{probe.fps:g} fps (an invented fps value)"
            )
        if output.duration is not None:
            slack = max(2 / probe.fps, 0.05 * probe.duration)
            assert abs(output.duration - probe.duration) <= slack, (
                f"results are normalized: TaskOutput.duration={output.duration:g} s but the "
                f"video lasts {probe.duration:g} s"
            )
        if output.size is not None:
            assert output.size == probe.size, (
                f"results are normalized: TaskOutput.size={output.size} but the video is "
                f"{probe.size}"
            )
        caps = fresh.caps
        if caps.supports_seed and output.seed is not None:
            assert output.seed == request.seed, (
                f"results are normalized: the seed sent was {request.seed} but TaskOutput "
                f"reports seed {output.seed} (an invented seed value)"
            )
        if not caps.supports_seed and not caps.output_seed_echoed:
            assert output.seed is None, (
                f"results are normalized: the provider takes no seed yet reports seed "
                f"{output.seed} (an invented seed value)"
            )
        if caps.output_seed_echoed and caps.supports_seed:
            assert output.seed == request.seed, "output_seed_echoed, but no seed echoed"

    def test_cancel_is_honored(self, fresh: ContractContext) -> None:
        """Cancelling a queued task stops it: ``cancel`` says ``CANCELLED`` and the next
        poll reports ``CANCELLED``; a provider that cannot cancel says so and never raises.

        Fix: call the service's cancel in ``cancel`` and report its answer truthfully.
        """
        double = fresh.require_double()
        if "queued" not in double.scriptable:
            pytest.skip("the service double cannot hold a task in the queue")
        provider = fresh.provider
        double.script(["queued"] * 50 + ["succeeded"])
        task, error = settle(
            provider, lambda: provider.submit(provider.prepare(self._simple_request(fresh)))
        )
        assert error is None and task is not None, f"submit failed: {error!r}"
        outcome, error = settle(provider, lambda: provider.cancel(task))
        assert error is None, f"cancel must not raise: {error!r}"
        assert isinstance(outcome, CancelOutcome), (
            f"cancel must return a CancelOutcome: {outcome!r}"
        )
        if not fresh.caps.can_cancel:
            assert outcome in (CancelOutcome.NOT_SUPPORTED, CancelOutcome.TOO_LATE), (
                f"capabilities say can_cancel=False but cancel said {outcome}"
            )
            return
        assert outcome is CancelOutcome.CANCELLED, (
            f"cancel of a queued task must take (can_cancel=True), it said {outcome}"
        )
        state, error = settle(provider, lambda: provider.poll(task))
        assert error is None and state is not None, f"poll after cancel failed: {error!r}"
        assert state.status is TaskStatus.CANCELLED, (
            f"cancel said CANCELLED but the task went on: the next poll says {state.status} "
            "(the provider ignores cancel)"
        )

    # -- cache keys -------------------------------------------------------------------------------

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
        fields = _variable_fields(ctx.caps, ctx.option_values)

        def key(request: VideoRequest) -> str:
            return cache_key(request, provider=ctx.name, model=model, mode="strict")

        @contract_settings("pure")
        @given(self._requests(ctx), st.data())
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
            value = data.draw(st.composite(lambda d: _other_value(d, ctx, request, field))())
            attr = "options" if field.startswith("options.") else field
            assert key(attrs.evolve(request, **{attr: value})) != key(request), (
                f"cache keys change with every field: changing {field} kept the key"
            )

        keys()

    # -- secrets ---------------------------------------------------------------------------

    def test_api_key_never_leaks(self, fresh: ContractContext) -> None:
        """A canary API key never appears in any error, repr, log record, task handle,
        native parameters or result, whatever the service answers.

        Fix: wrap the key in :class:`videogate.Secret` as soon as it is read, reveal it
        only where it is sent, and never put it in messages.
        """
        double = fresh.require_double()
        canary = "vgcanary" + secrets.token_hex(12)
        provider = double.make_provider(api_key=canary)
        records = _Records()
        root = logging.getLogger()
        saved_level = root.level
        root.addHandler(records)
        root.setLevel(logging.DEBUG)
        seen: list[tuple[str, str]] = [("repr(provider)", repr(provider))]
        try:
            request = self._simple_request(fresh)
            native = provider.prepare(request)
            seen.append(("native parameters", json.dumps(native, default=str)))
            double.script(["running", "succeeded"])
            task, state, error = fresh.run_task(provider, native)
            seen += [("task", repr(task)), ("state", repr(state))]
            if task is not None:
                seen.append(("task.data", json.dumps(task.data, default=str)))
            if error is not None:
                seen += list(_texts_of_error(error))
            for kind in double.supported_faults:
                if kind in SUBMIT_FAULTS:
                    double.reset()
                    double.fault(kind, on="submit", **_FAULT_PARAMS.get(kind, {}))
                    _, error = settle(provider, lambda: provider.submit(native))
                    if error is not None:
                        seen += [(f"{kind}: {w}", t) for w, t in _texts_of_error(error)]
                if kind in POLL_FAULTS:
                    double.reset()
                    double.fault(kind, on="poll", **_FAULT_PARAMS.get(kind, {}))
                    task, error = settle(provider, lambda: provider.submit(native))
                    if task is None:
                        continue
                    state, error = settle(provider, functools.partial(provider.poll, task))
                    if state is not None and state.error is not None:
                        error = state.error
                    if error is not None:
                        seen += [(f"{kind}: {w}", t) for w, t in _texts_of_error(error)]
        finally:
            root.removeHandler(records)
            root.setLevel(saved_level)
            provider.close()
        seen += [("log record", text) for text in records.texts]
        leaks = [where for where, text in seen if canary in text]
        assert not leaks, f"API key leaked: the canary key appears in {', '.join(leaks)}"

    # -- the engine ----------------------------------------------------------------------------

    def test_engine_state_machine(self, fresh: ContractContext) -> None:
        """The engine, driving this provider against its double through arbitrary sequences
        of statuses and transient faults, always terminates, never submits twice for one
        job, and ends in the state the sequence implies (see docs/contract-tests.md).

        Fix: usually a mis-mapped status or error in ``poll``, or a ``retryable`` flag.
        """
        from videogate_contracts._machine import run_engine_machine

        run_engine_machine(fresh, self._simple_request)

    # -- the guard ----------------------------------------------------------------------------

    def test_no_overrides_DO_NOT_OVERRIDE(self) -> None:
        """Contract tests are neither deleted nor overridden without
        ``@pytest.mark.xfail(reason=...)`` explaining why the provider cannot pass them."""
        problems = []
        for name, base in vars(ProviderContract).items():
            if not name.startswith("test_") or name == "test_no_overrides_DO_NOT_OVERRIDE":
                continue
            mine = getattr(type(self), name, None)
            if mine is base:
                continue
            if mine is None or not callable(mine):
                problems.append(f"{name} was deleted")
                continue
            marks = [m for m in getattr(mine, "pytestmark", []) if m.name == "xfail"]
            if not any(str(m.kwargs.get("reason", "")).strip() for m in marks):
                problems.append(f"{name} is overridden without @pytest.mark.xfail(reason=...)")
        assert not problems, (
            "contract tests must not be weakened: "
            + "; ".join(problems)
            + ". Note: reason is required to explain why the contract test is expected to fail."
        )


def _first_size(caps: Capabilities) -> Size:
    rule = caps.sizes
    if rule.sizes:
        return rule.sizes[0]
    return rule.nearest(Size(1280, 720))
