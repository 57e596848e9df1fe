"""Capabilities: discrete value sets and declared option values."""

import pytest

from videogate import Capabilities, NumberRange, Size, SizeRule


def test_a_discrete_set_allows_its_values_only():
    fps = NumberRange.of(25, 12)
    assert (fps.minimum, fps.maximum, fps.values) == (12.0, 25.0, (12.0, 25.0))
    assert fps.contains(12) and fps.contains(25.0)
    assert not fps.contains(18) and not fps.contains(30)
    assert not fps.fixed


def test_a_discrete_set_snaps_to_its_nearest_value_ties_going_up():
    fps = NumberRange.of(12, 25)
    assert fps.nearest(14) == 12
    assert fps.nearest(18.5) == 25
    assert fps.nearest(60) == 25


def test_ranges_describe_themselves_readably():
    assert NumberRange.of(12, 25).describe() == "12, 25"
    assert NumberRange.of(24).describe() == "24"
    assert NumberRange(2, 15, 1).describe() == "2..15 step 1"


@pytest.mark.parametrize(
    "make",
    [
        lambda: NumberRange.of(),
        lambda: NumberRange(1, 30, 1, values=(1, 30)),
        lambda: NumberRange(1, 30, values=(12, 25)),
    ],
)
def test_inconsistent_sets_are_refused(make):
    with pytest.raises(ValueError):
        make()


def _caps(**kwargs):
    return Capabilities(
        sizes=SizeRule(sizes=(Size(64, 48),)),
        durations=NumberRange(1, 2),
        fps=NumberRange.of(12, 25),
        **kwargs,
    )


def test_option_values_are_declared_per_option():
    caps = _caps(options=("audio", "style"), option_values={"audio": [True, False]})
    assert caps.values_of("audio") == (True, False)
    assert caps.values_of("style") == ()
    assert hash(caps) == hash(
        _caps(options=("audio", "style"), option_values={"audio": (True, False)})
    )


def test_option_values_must_name_declared_options_and_give_a_value():
    with pytest.raises(ValueError, match="not in options"):
        _caps(options=("audio",), option_values={"style": ["noir"]})
    with pytest.raises(ValueError, match="at least one value"):
        _caps(options=("audio",), option_values={"audio": []})
