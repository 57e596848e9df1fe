"""Reference images: kinds, hashing and errors."""

import base64
import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from videogate import ImageRef, InvalidRequest

PNG_HEAD = b"\x89PNG\r\n\x1a\n"


def test_url_is_kept_and_hashed_by_its_text():
    ref = ImageRef.parse("https://example.com/cat.png")
    assert ref.kind == "url"
    assert ref.location == "https://example.com/cat.png"
    assert ref.sha256 == hashlib.sha256(b"https://example.com/cat.png").hexdigest()


def test_path_is_resolved_and_hashed_by_content(tmp_path):
    image = tmp_path / "a.png"
    image.write_bytes(PNG_HEAD + b"x" * 3_000_000)
    ref = ImageRef.parse("a.png")  # relative to the test's working folder
    assert ref.kind == "path"
    assert ref.location == str(image)
    assert ref.sha256 == hashlib.sha256(image.read_bytes()).hexdigest()
    assert ref.media_type == "image/png"


def test_path_bytes_and_data_uri_share_the_content_hash(tmp_path):
    data = PNG_HEAD + b"payload"
    (tmp_path / "b.png").write_bytes(data)
    uri = "data:image/png;base64," + base64.b64encode(data).decode()
    hashes = {ImageRef.parse(v).sha256 for v in (tmp_path / "b.png", data, uri)}
    assert hashes == {hashlib.sha256(data).hexdigest()}


def test_file_url_is_a_path(tmp_path):
    (tmp_path / "c.png").write_bytes(PNG_HEAD)
    assert ImageRef.parse(f"file://{tmp_path}/c.png").kind == "path"


def test_missing_file_names_the_path():
    with pytest.raises(InvalidRequest) as info:
        ImageRef.parse("no/such/picture.png")
    assert "no/such/picture.png" in str(info.value)
    assert info.value.field == "reference_image"


@pytest.mark.parametrize(
    ("value", "needle"),
    [
        (b"", "empty"),
        ("   ", "empty"),
        ("ftp://example.com/a.png", "scheme"),
        ("data:image/png,notbase64", "base64"),
        ("data:image/png;base64,@@@", "base64"),
        (12, "got int"),
    ],
)
def test_bad_references_are_invalid_requests(value, needle):
    with pytest.raises(InvalidRequest, match=needle):
        ImageRef.parse(value)


def test_a_directory_is_not_an_image(tmp_path):
    with pytest.raises(InvalidRequest, match="not a regular file"):
        ImageRef.parse(tmp_path)


@given(st.binary(min_size=1, max_size=2048))
def test_bytes_round_trip_through_json(data):
    ref = ImageRef.parse(data)
    again = ImageRef.parse(ref.to_json())
    assert again == ref
    assert again.data == data


def test_repr_never_shows_the_bytes():
    ref = ImageRef.from_bytes(b"secret-pixels" * 10)
    assert "secret-pixels" not in repr(ref)
    assert "secret-pixels" not in ref.describe()


def test_url_has_no_local_content():
    with pytest.raises(InvalidRequest, match="no local content"):
        ImageRef.parse("https://example.com/a.png").open()
