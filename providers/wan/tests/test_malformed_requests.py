"""Ten thousand malformed requests (wrong types, out-of-range numbers, lone surrogates in any
text field, option name or value) through the engine with the wan provider: every one is a
typed error, and the emulator sees no request at all."""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from videogate import Engine, InvalidRequest, UnsupportedParameter, VideogateError, load_config

pytestmark = pytest.mark.slow

EXAMPLES = 10_000

SURROGATE = st.sampled_from(["\udcff", "\ud800", "\udfff", "\udc80"])
TEXT_FIELDS = ("prompt", "negative_prompt", "size", "reference_image")


@st.composite
def bad_text(draw: st.DrawFn) -> str:
    """Text holding at least one lone surrogate somewhere."""
    head = draw(st.text(max_size=8))
    tail = draw(st.text(max_size=8))
    return head + draw(SURROGATE) + tail


@st.composite
def malformed(draw: st.DrawFn, photo: str) -> dict:
    request: dict = {
        "prompt": "a red square slowly turning",
        "duration": 5,
        "fps": 30,
        "size": "1280*720",
        "reference_image": photo,
        "seed": 7,
    }
    how = draw(
        st.sampled_from(
            ["surrogate", "option_value", "option_name", "number", "type", "unknown", "missing"]
        )
    )
    if how == "surrogate":
        request[draw(st.sampled_from(TEXT_FIELDS))] = draw(bad_text())
    elif how == "option_value":
        value = draw(st.one_of(bad_text(), st.lists(bad_text(), min_size=1, max_size=2)))
        request["options"] = {"wan": {"shot_type": value}}
    elif how == "option_name":
        request["options"] = {"wan": {draw(bad_text()): True}}
    elif how == "number":
        field = draw(st.sampled_from(["duration", "fps", "seed", "motion_strength"]))
        bad = {
            "duration": st.one_of(st.sampled_from([math.nan, math.inf]), st.floats(max_value=0)),
            "fps": st.one_of(st.sampled_from([math.nan, -math.inf]), st.floats(max_value=0)),
            "seed": st.one_of(st.integers(max_value=-1), st.integers(min_value=2**31)),
            "motion_strength": st.one_of(
                st.sampled_from([math.nan, math.inf]), st.floats(min_value=1.0001)
            ),
        }[field]
        request[field] = draw(bad)
    elif how == "type":
        field = draw(st.sampled_from(["prompt", "duration", "fps", "size", "seed", "options"]))
        request[field] = draw(st.one_of(st.booleans(), st.lists(st.integers(), max_size=2)))
    elif how == "unknown":
        request[draw(st.text(min_size=1, max_size=6).filter(lambda k: k not in request))] = 1
    else:
        del request[draw(st.sampled_from(["prompt", "duration", "fps", "size"]))]
    return request


@pytest.fixture
def engine(tmp_path, emu, monkeypatch):
    monkeypatch.setenv("DASHSCOPE_API_KEY", "sk-emulated-key-for-tests")
    config = tmp_path / "videogate.toml"
    config.write_text(
        f'default_provider = "wan"\n[providers.wan]\nplugin = "wan"\nbase_url = "{emu.base_url}"\n',
        encoding="utf-8",
    )
    with Engine(load_config(str(config))) as engine:
        yield engine


def test_malformed_requests_are_typed_errors_before_any_network_call(engine, emu, photo):
    seen = {"typed": 0, "other": []}

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(malformed(str(photo)))
    def check(request: dict) -> None:
        try:
            engine.generate(request)
        except (InvalidRequest, UnsupportedParameter):
            seen["typed"] += 1
            return
        except VideogateError as err:
            seen["other"].append(repr(err))
            raise AssertionError(f"{request!r} gave {err!r}, not InvalidRequest") from None
        raise AssertionError(f"{request!r} was accepted")

    check()
    assert seen["typed"] >= EXAMPLES * 0.95  # hypothesis may stop early on duplicates
    assert not seen["other"]
    assert emu.stats()["requests"] == 0
