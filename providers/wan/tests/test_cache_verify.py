"""A damaged cached video is never served: the next identical generate pays for a new one."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

import pytest

from videogate import Engine, load_config


@pytest.fixture
def engine(tmp_path, emu, monkeypatch):
    monkeypatch.setenv("DASHSCOPE_API_KEY", "sk-emulated-key-for-tests")
    config = tmp_path / "videogate.toml"
    config.write_text(
        'default_provider = "wan"\npoll_interval_min = 0.01\npoll_interval_max = 0.05\n'
        f'[providers.wan]\nplugin = "wan"\nbase_url = "{emu.base_url}"\n',
        encoding="utf-8",
    )
    with Engine(load_config(str(config))) as engine:
        yield engine


def _path(result) -> Path:
    return Path(urlparse(result.video_url).path)


@pytest.mark.parametrize("damage", ["same_size", "truncated", "removed"])
def test_a_damaged_cached_file_is_a_miss(engine, emu, request_for, damage):
    first = engine.generate(request_for(duration=2))
    path = _path(first)
    assert engine.generate(request_for(duration=2)).cached
    data = bytearray(path.read_bytes())
    if damage == "same_size":
        data[len(data) // 2] ^= 0xFF
        path.write_bytes(bytes(data))
    elif damage == "truncated":
        path.write_bytes(bytes(data[: len(data) // 2]))
    else:
        path.unlink()
    again = engine.generate(request_for(duration=2))
    assert not again.cached
    assert emu.stats()["submissions"] == 2
    fresh = _path(again)
    assert fresh != path and fresh.is_file()
    import hashlib

    assert hashlib.sha256(fresh.read_bytes()).hexdigest() == again.sha256
    assert not path.exists()  # the damaged file is removed with its cache row
    assert engine.generate(request_for(duration=2)).cached
