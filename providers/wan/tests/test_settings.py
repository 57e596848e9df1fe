"""Provider configuration and per-request options: the model rule, base URL, option types."""

from __future__ import annotations

import pytest

from videogate import ConfigError, InvalidRequest, UnsupportedParameter, normalize
from videogate_wan._provider import WanProvider
from videogate_wan._settings import REGIONS


@pytest.mark.parametrize(
    "model",
    [
        "wan2.6-i2v",
        "wan2.6-i2v-flash-2025-12-01",
        "WAN2.6-I2V-FLASH",
        " wan2.6-i2v-flash",
        "wan2.5-i2v-preview",
        "wan-i2v-flash",
        "",
        None,
        42,
    ],
)
def test_any_model_but_the_exact_name_is_refused(model):
    with pytest.raises(ConfigError) as info:
        WanProvider(model=model)
    assert "wan2.6-i2v-flash" in str(info.value)
    assert info.value.field == "model"


def test_the_exact_model_name_is_accepted():
    assert WanProvider(model="wan2.6-i2v-flash").model == "wan2.6-i2v-flash"
    assert WanProvider().model == "wan2.6-i2v-flash"


def test_unknown_and_mistyped_options_are_config_errors():
    with pytest.raises(ConfigError, match="unknown option"):
        WanProvider(regoin="singapore")
    with pytest.raises(ConfigError, match="audio"):
        WanProvider(audio="yes")
    with pytest.raises(ConfigError, match="region"):
        WanProvider(region="virginia")
    with pytest.raises(ConfigError, match="base_url"):
        WanProvider(base_url="ftp://x")
    with pytest.raises(ConfigError, match="request_timeout"):
        WanProvider(request_timeout=0)
    with pytest.raises(ConfigError, match="resolution"):
        WanProvider(resolution="4K")
    with pytest.raises(ConfigError, match="prompt_extend"):
        WanProvider(shot_type="multi", prompt_extend=False)


def test_base_url_precedence(monkeypatch):
    assert WanProvider().base_url == REGIONS["beijing"]
    assert WanProvider(region="singapore").base_url == REGIONS["singapore"]
    monkeypatch.setenv("DASHSCOPE_HTTP_BASE_URL", "http://127.0.0.1:9/api/v1/")
    assert WanProvider(region="singapore").base_url == "http://127.0.0.1:9/api/v1"
    assert WanProvider(base_url="http://127.0.0.1:8/api/v1").base_url == "http://127.0.0.1:8/api/v1"


def test_instances_do_not_share_the_sdk_base_url(emu, photo, request_for):
    """Two providers on different bases each reach their own server; the SDK's module
    global is left alone."""
    import dashscope

    from videogate_wan.emulator.testing import running_emulator

    before = dashscope.base_http_api_url
    with running_emulator() as other:
        first = WanProvider(base_url=emu.base_url, api_key="k-first-123")
        second = WanProvider(base_url=other.base_url, api_key="k-second-123")
        first.submit(first.prepare(request_for()))
        second.submit(second.prepare(request_for()))
        second.submit(second.prepare(request_for()))
        assert emu.stats()["submissions"] == 1
        assert other.stats()["submissions"] == 2
    assert dashscope.base_http_api_url == before


def test_resolution_option_narrows_the_tiers(request_for):
    provider = WanProvider(resolution="720P")
    assert provider.capabilities.sizes.pixel_tiers == (1280 * 720,)
    with pytest.raises(UnsupportedParameter) as info:
        normalize(request_for(size="1920*1080"), provider.capabilities, provider="wan")
    assert info.value.field == "size"
    adjusted = normalize(
        request_for(size="1920*1080"), provider.capabilities, "adjust", provider="wan"
    )
    assert provider.prepare(adjusted.request)["parameters"]["resolution"] == "720P"


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"audio": "true"}, "options.wan.audio"),
        ({"prompt_extend": 1}, "options.wan.prompt_extend"),
        ({"watermark": None}, "options.wan.watermark"),
        ({"shot_type": "double"}, "options.wan.shot_type"),
        ({"resolution": "480P"}, "options.wan.resolution"),
        ({"resolution": "1080P"}, "options.wan.resolution"),
        ({"audio_url": 3}, "options.wan.audio_url"),
        ({"audio_url": "missing.wav", "audio": True}, "options.wan.audio_url"),
        ({"audio_url": "https://example.com/a.mp3"}, "options.wan.audio_url"),
        ({"shot_type": "multi", "prompt_extend": False}, "options.wan.shot_type"),
    ],
)
def test_bad_request_options_name_their_field(request_for, options, field):
    provider = WanProvider()
    with pytest.raises(InvalidRequest) as info:
        provider.prepare(request_for(options={"wan": options}))
    assert info.value.field == field
    assert field in str(info.value)


def test_unknown_request_options_are_unsupported(request_for):
    provider = WanProvider()
    request = request_for(options={"wan": {"fps": 24}})
    with pytest.raises(UnsupportedParameter) as info:
        normalize(request, provider.capabilities, "adjust", provider="wan")
    assert info.value.field == "options.wan.fps"
    with pytest.raises(UnsupportedParameter):
        provider.prepare(request)


def test_request_options_override_configured_defaults(request_for):
    provider = WanProvider(watermark=True, prompt_extend=False)
    default = provider.prepare(request_for())["parameters"]
    assert default["audio"] is False
    assert default["watermark"] is True
    assert default["prompt_extend"] is False
    overridden = provider.prepare(
        request_for(
            options={
                "wan": {
                    "audio": True,
                    "watermark": False,
                    "prompt_extend": True,
                    "shot_type": "multi",
                    "resolution": "720p",
                    "audio_url": "https://example.com/a.mp3",
                }
            }
        )
    )
    assert overridden["parameters"] == {
        "resolution": "720P",
        "duration": 5,
        "prompt_extend": True,
        "watermark": False,
        "audio": True,
        "seed": 7,
        "shot_type": "multi",
    }
    assert overridden["audio_url"] == "https://example.com/a.mp3"
