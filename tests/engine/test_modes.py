"""Normalization modes, end to end: strict refuses before any I/O, adjust maps and warns,
conform delivers exactly what was asked."""

from __future__ import annotations

import pytest
from enginekit import REQUEST

from videogate import InvalidRequest, UnsupportedParameter

# (field, value, the value the fake provider can honor instead)
MISMATCHES = [
    ("duration", 1.3, 1.5),
    ("fps", 12.0, 8.0),
    ("size", "96*64", "64*48"),
]


@pytest.mark.parametrize(("field", "value", "_"), MISMATCHES)
def test_strict_refuses_before_any_call(engine, service, provider, field, value, _):
    with pytest.raises(UnsupportedParameter) as info:
        engine.generate({**REQUEST, field: value}, mode="strict")
    assert info.value.field == field
    assert service.counts["submit_calls"] == 0
    assert provider.prepared == []


def test_strict_is_the_default(engine, service):
    with pytest.raises(UnsupportedParameter):
        engine.generate({**REQUEST, "fps": 12})
    assert service.counts["submit_calls"] == 0


@pytest.mark.parametrize(
    ("field", "value"),
    [("motion_strength", 0.5), ("prompt", "x" * 41)],
)
def test_strict_refuses_unsupported_fields(engine, service, field, value):
    with pytest.raises(UnsupportedParameter):
        engine.generate({**REQUEST, field: value})
    assert service.counts["submit_calls"] == 0


@pytest.mark.parametrize(("field", "value", "honored"), MISMATCHES)
def test_adjust_maps_and_reports_true_values(engine, field, value, honored):
    result = engine.generate({**REQUEST, field: value}, mode="adjust")
    warned = [w for w in result.warnings if w.field == field]
    assert warned, result.warnings
    delivered = {"duration": result.duration, "fps": result.fps, "size": str(result.size)}
    assert (
        delivered[field] == pytest.approx(honored)
        if field != "size"
        else delivered[field] == honored
    )


@pytest.mark.parametrize(("field", "value", "_"), MISMATCHES)
def test_conform_delivers_the_requested_values(engine, field, value, _):
    request = {**REQUEST, field: value}
    result = engine.generate(request, mode="conform")
    assert any(w.field == field for w in result.warnings)
    expected = {**REQUEST, field: value}
    assert str(result.size) == expected["size"]
    assert result.fps == pytest.approx(float(expected["fps"]), rel=1e-3)
    assert abs(result.duration - float(expected["duration"])) <= 1 / result.fps + 1e-6
    # and no warning claims the delivered file differs from the request
    assert not [w for w in result.warnings if w.message.startswith("delivered")]


@pytest.mark.parametrize("mode", ["adjust", "conform"])
def test_dropped_fields_are_warned_in_every_lenient_mode(engine, mode):
    result = engine.generate({**REQUEST, "motion_strength": 0.4, "prompt": "y" * 50}, mode=mode)
    fields = {w.field for w in result.warnings}
    assert {"motion_strength", "prompt"} <= fields


def test_unknown_option_is_refused_in_every_mode(engine, service):
    for mode in ("strict", "adjust", "conform"):
        with pytest.raises(UnsupportedParameter):
            engine.generate({**REQUEST, "options": {"fake": {"nope": 1}}}, mode=mode)
    assert service.counts["submit_calls"] == 0


def test_invalid_request_mapping_fails_before_io(engine, service):
    with pytest.raises(InvalidRequest) as info:
        engine.generate({**REQUEST, "duration": -1})
    assert "duration" in str(info.value)
    with pytest.raises(InvalidRequest):
        engine.generate({**REQUEST, "colour": "red"})
    assert service.counts["submit_calls"] == 0


def test_bad_mode_is_invalid(engine):
    with pytest.raises(InvalidRequest):
        engine.generate(REQUEST, mode="loose")


def test_delivery_mismatch_is_warned(engine, service):
    service.deliver = {"fps": 10, "size": "48*64"}
    result = engine.generate(REQUEST)
    fields = {w.field for w in result.warnings if w.message.startswith("delivered")}
    assert fields == {"fps", "size"}
    assert result.fps == 10 and str(result.size) == "48*64"


def test_seed_is_the_one_sent_unless_echoed(engine, service, provider):
    result = engine.generate({**REQUEST, "seed": 7}, use_cache=False)
    assert result.seed == 7
    drawn = engine.generate({**REQUEST, "prompt": "other"}, use_cache=False)
    assert drawn.seed == provider.prepared[-1]["seed"]
    service.echo_seed = True
    echoed = engine.generate({**REQUEST, "seed": 7}, use_cache=False)
    assert echoed.seed == 8
