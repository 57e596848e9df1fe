"""Size parsing and canonical text."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from videogate import InvalidRequest, Size

dims = st.integers(min_value=1, max_value=99999)


@given(dims, dims, st.sampled_from(["*", "x", "X", " * ", " x "]))
def test_every_spelling_parses_to_the_same_size(width, height, sep):
    assert Size.parse(f"{width}{sep}{height}") == Size(width, height)


@given(dims, dims)
def test_canonical_text_round_trips(width, height):
    size = Size(width, height)
    assert str(size) == f"{width}*{height}"
    assert Size.parse(str(size)) == size


def test_pairs_and_mappings_are_accepted():
    assert Size.parse((1280, 720)) == Size(1280, 720)
    assert Size.parse([1280, 720]) == Size(1280, 720)
    assert Size.parse({"width": 1280, "height": 720}) == Size(1280, 720)


@pytest.mark.parametrize(
    "bad", ["1280", "1280*", "*720", "1280*720*3", "big", "", "-5*3", b"1280*720", (1, 2, 3), 7]
)
def test_malformed_sizes_name_the_field_and_the_expected_form(bad):
    with pytest.raises(InvalidRequest) as info:
        Size.parse(bad)
    assert info.value.field == "size"
    assert "size: " in str(info.value)


@pytest.mark.parametrize("bad", [(0, 720), (1280, 0), (1280.5, 720), (True, 720)])
def test_dimensions_must_be_positive_integers(bad):
    with pytest.raises(InvalidRequest, match="size: "):
        Size.parse(bad)


def test_pixels_and_aspect():
    assert Size(1280, 720).pixels == 921600
    assert Size(1280, 720).aspect == pytest.approx(16 / 9)
