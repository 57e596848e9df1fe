"""Where the API key comes from: option, then $DASHSCOPE_API_KEY, then the INI file."""

from __future__ import annotations

import pytest

from videogate import AuthenticationError, ConfigError, Secret, redact
from videogate._contract.errors import exit_code_for
from videogate_wan._credentials import resolve_api_key
from videogate_wan._provider import WanProvider


def _ini(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def home(tmp_path):
    return tmp_path / "home"


def test_option_beats_env_beats_ini(monkeypatch, home):
    _ini(home / ".alibabacloud" / "credentials", "[default]\ndashscope_api_key = k-from-ini-1\n")
    assert resolve_api_key(None).reveal() == "k-from-ini-1"
    monkeypatch.setenv("DASHSCOPE_API_KEY", "k-from-env-1")
    assert resolve_api_key(None).reveal() == "k-from-env-1"
    assert resolve_api_key("k-from-option-1").reveal() == "k-from-option-1"


def test_ini_profile_from_environment(monkeypatch, home):
    _ini(
        home / ".alibabacloud" / "credentials",
        "[default]\ndashscope_api_key = k-default-1\n\n"
        "[work]\ndashscope_api_key = k-work-1  # inline comment\n\n"
        "[other]\nDASHSCOPE_API_KEY = k-other-1\n",
    )
    monkeypatch.setenv("ALICLOUD_PROFILE", "other")
    assert resolve_api_key(None).reveal() == "k-other-1"
    monkeypatch.setenv("ALIBABA_CLOUD_PROFILE", "work")
    assert resolve_api_key(None).reveal() == "k-work-1"


def test_credentials_ini_and_explicit_file(monkeypatch, home, tmp_path):
    _ini(home / ".alibabacloud" / "credentials.ini", "[default]\ndashscope_api_key=k-dot-ini\n")
    assert resolve_api_key(None).reveal() == "k-dot-ini"
    explicit = _ini(tmp_path / "elsewhere.ini", "[default]\ndashscope_api_key=k-explicit\n")
    monkeypatch.setenv("ALIBABA_CLOUD_CREDENTIALS_FILE", str(explicit))
    assert resolve_api_key(None).reveal() == "k-explicit"


def test_missing_key_says_where_it_looked(monkeypatch, home):
    monkeypatch.setenv("ALIBABA_CLOUD_PROFILE", "prod")
    _ini(home / ".alibabacloud" / "credentials", "[default]\ndashscope_api_key = k-default\n")
    with pytest.raises(ConfigError) as info:  # local configuration: exit 2, nothing sent
        resolve_api_key(None)
    assert info.value.code == "MissingApiKey"
    assert exit_code_for(info.value) == 2
    text = str(info.value)
    assert "DASHSCOPE_API_KEY" in text
    assert "api_key" in text
    assert "credentials (no [prod] section)" in text
    assert "credentials.ini (no such file)" in text
    assert not info.value.retryable


def test_broken_ini_is_a_config_error(home):
    _ini(home / ".alibabacloud" / "credentials", "dashscope_api_key = no section\n")
    with pytest.raises(ConfigError, match="not a valid INI"):
        resolve_api_key(None)


def test_key_is_a_registered_secret(monkeypatch):
    monkeypatch.setenv("DASHSCOPE_API_KEY", "k-registered-secret")
    key = resolve_api_key(None)
    assert isinstance(key, Secret)
    assert "k-registered-secret" not in repr(key) + str(key)
    assert redact("x k-registered-secret y") == "x *** y"


def test_key_is_resolved_lazily_and_missing_key_sends_nothing(emu, request_for):
    provider = WanProvider(base_url=emu.base_url)  # no key anywhere: construction is fine
    native = provider.prepare(request_for())
    with pytest.raises(ConfigError, match="no DashScope API key"):
        provider.submit(native)
    assert emu.stats()["requests"] == 0


def test_the_env_key_is_what_the_service_sees(monkeypatch, emu, request_for):
    emu.api_keys = {"k-env-accepted"}
    monkeypatch.setenv("DASHSCOPE_API_KEY", "k-env-accepted")
    provider = WanProvider(base_url=emu.base_url)
    provider.submit(provider.prepare(request_for()))
    assert emu.stats()["submissions"] == 1
    wrong = WanProvider(base_url=emu.base_url, api_key="k-option-rejected")
    with pytest.raises(AuthenticationError) as info:
        wrong.submit(wrong.prepare(request_for()))
    assert info.value.code == "InvalidApiKey"
    assert info.value.http_status == 401


def test_bom_and_quoted_values_are_tolerated(home):
    path = home / ".alibabacloud" / "credentials"
    path.parent.mkdir(parents=True)
    path.write_bytes(b'\xef\xbb\xbf[default]\ndashscope_api_key = "k-quoted-1"\n')
    assert resolve_api_key(None).reveal() == "k-quoted-1"
    path.write_text("[default]\ndashscope_api_key='k-quoted-2'\n", encoding="utf-8")
    assert resolve_api_key(None).reveal() == "k-quoted-2"


def test_a_file_readable_by_others_is_used_with_a_warning(home, caplog):
    path = _ini(home / ".alibabacloud" / "credentials", "[default]\ndashscope_api_key = k-w-1\n")
    path.chmod(0o600)
    with caplog.at_level("WARNING", logger="videogate.wan"):
        assert resolve_api_key(None).reveal() == "k-w-1"
    assert not caplog.records
    path.chmod(0o644)
    with caplog.at_level("WARNING", logger="videogate.wan"):
        assert resolve_api_key(None).reveal() == "k-w-1"
    assert "readable by other users" in caplog.text
    assert "k-w-1" not in caplog.text
