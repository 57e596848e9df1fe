"""Configuration: where it is found, what it accepts, and errors that name key and file."""

import pytest

from videogate import ConfigError, Mode, load_config


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_without_any_file(tmp_path, monkeypatch):
    monkeypatch.delenv("OUTPUT_DIR")
    config = load_config()
    assert config.default_provider == "kenburns"
    assert config.mode is Mode.STRICT
    assert config.output_dir == "output"
    assert config.cache.enabled and config.source is None


def test_videogate_toml_in_the_working_folder_is_found(tmp_path):
    write(
        tmp_path / "videogate.toml",
        'default_provider = "fast"\nmode = "adjust"\n'
        '[providers.fast]\nplugin = "wan"\naudio = false\n',
    )
    config = load_config()
    assert config.default_provider == "fast"
    assert config.mode is Mode.ADJUST
    entry = config.provider_entry("fast")
    assert (entry.plugin, entry.options) == ("wan", {"audio": False})
    assert config.provider_entry("kenburns").plugin == "kenburns"


def test_pyproject_tool_section_is_used(tmp_path):
    write(tmp_path / "pyproject.toml", '[project]\nname="x"\n[tool.videogate]\ntimeout = 60\n')
    config = load_config()
    assert config.timeout == 60.0
    assert config.source.endswith("pyproject.toml")


def test_explicit_path_beats_env_which_beats_the_working_folder(tmp_path, monkeypatch):
    write(tmp_path / "videogate.toml", "workers = 1\n")
    env_file = write(tmp_path / "env.toml", "workers = 2\n")
    flag_file = write(tmp_path / "flag.toml", "workers = 3\n")
    assert load_config().workers == 1
    monkeypatch.setenv("VIDEOGATE_CONFIG", str(env_file))
    assert load_config().workers == 2
    assert load_config(flag_file).workers == 3


def test_output_dir_env_overrides_the_file(tmp_path, monkeypatch):
    write(tmp_path / "videogate.toml", 'output_dir = "from-file"\n')
    monkeypatch.setenv("OUTPUT_DIR", "/data/videos")
    assert load_config().output_dir == "/data/videos"


def test_explicit_overrides_win():
    assert load_config(mode="conform").mode is Mode.CONFORM


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("colour = 1\n", "unknown key(s) colour"),
        ("[cache]\nenable = true\n", "unknown key(s) cache.enable"),
        ('mode = "loose"\n', "mode: invalid value 'loose'"),
        ('timeout = "soon"\n', "timeout: invalid value 'soon'"),
        ("timeout = -1\n", "timeout: invalid value -1"),
        ("workers = 2.5\n", "workers: invalid value 2.5"),
        ('cache = "yes"\n', "cache: expected a table"),
        ("[cache]\nenabled = 3\n", "cache.enabled: invalid value 3"),
        ('[storage]\nfit = "stretch"\n', "storage.fit: must be crop or pad"),
        ("[providers]\nwan = 1\n", "providers.wan: expected a table"),
        ("[providers.w]\nplugin = 3\n", "providers.w.plugin: expected a plugin name"),
        ("this is = not toml [\n", "invalid TOML"),
    ],
)
def test_bad_files_name_the_key_and_the_file(tmp_path, text, needle):
    path = write(tmp_path / "videogate.toml", text)
    with pytest.raises(ConfigError) as info:
        load_config()
    assert needle in str(info.value)
    assert str(path.name) in str(info.value)


def test_missing_explicit_file_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="configuration file not found"):
        load_config(tmp_path / "nope.toml")


def test_state_path_defaults_to_the_user_state_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("OUTPUT_DIR", str(tmp_path / "o"))
    expected = tmp_path / "home" / ".local" / "state" / "videogate" / "videogate.sqlite3"
    assert load_config().state_path == expected
    monkeypatch.setenv("VIDEOGATE_STATE_DIR", str(tmp_path / "s"))
    config = load_config()
    assert config.state_path == tmp_path / "s" / "videogate.sqlite3"
    assert config.sources["state_dir"] == "$VIDEOGATE_STATE_DIR"


def test_an_existing_state_file_in_the_output_folder_stays_in_use(tmp_path, monkeypatch):
    monkeypatch.setenv("OUTPUT_DIR", str(tmp_path / "o"))
    (tmp_path / "o").mkdir()
    (tmp_path / "o" / "videogate.sqlite3").write_bytes(b"")
    config = load_config()
    assert config.state_path == tmp_path / "o" / "videogate.sqlite3"
    assert "older layout" in config.sources["state_dir"]


def test_the_project_file_is_found_from_a_subfolder(tmp_path, monkeypatch):
    write(tmp_path / "videogate.toml", 'default_provider = "k"\n[providers.k]\nplugin = "x"\n')
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    monkeypatch.chdir(deep)
    config = load_config()
    assert config.default_provider == "k"
    assert config.source == str(tmp_path / "videogate.toml")
    assert config.providers["k"].source == str(tmp_path / "videogate.toml")


def test_relative_paths_in_a_file_are_relative_to_its_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("OUTPUT_DIR")
    write(tmp_path / "videogate.toml", 'journal = "state/j.db"\n')
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "sub")
    config = load_config()
    assert config.state_path == tmp_path / "state" / "j.db"
    assert config.output_path == tmp_path / "output"


def test_user_file_is_a_layer_under_the_project_file(tmp_path, monkeypatch):
    user_dir = tmp_path / "userconf"
    user_dir.mkdir()
    monkeypatch.setenv("VIDEOGATE_CONFIG_DIR", str(user_dir))
    write(user_dir / "videogate.toml", 'mode = "adjust"\ntimeout = 60\n[cache]\nenabled = false\n')
    write(tmp_path / "videogate.toml", "timeout = 90\n")
    config = load_config()
    assert (config.mode, config.timeout, config.cache.enabled) == (Mode.ADJUST, 90.0, False)
    assert config.sources["mode"] == str(user_dir / "videogate.toml")
    assert config.sources["timeout"] == str(tmp_path / "videogate.toml")
    assert config.sources["cache.enabled"] == str(user_dir / "videogate.toml")
    assert config.files == (str(user_dir / "videogate.toml"), str(tmp_path / "videogate.toml"))


def test_unknown_keys_suggest_the_closest(tmp_path):
    write(tmp_path / "videogate.toml", "[cache]\nenable = true\n")
    with pytest.raises(
        ConfigError, match=r"cache.enable in .*videogate.toml.*did you mean 'enabled'"
    ):
        load_config()
    write(tmp_path / "videogate.toml", 'defualt_provider = "x"\n')
    with pytest.raises(ConfigError, match="did you mean 'default_provider'"):
        load_config()
