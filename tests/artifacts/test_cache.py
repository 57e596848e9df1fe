"""The result cache: SQLite for real, hit/miss/vanished against real storages, key properties."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import threading

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

import videogate
from videogate import ConfigError, Size, VideoRequest, VideoResult, cache_key
from videogate._cli import main
from videogate._contract.result import ResultWarning
from videogate._contract.secrets import register_secret
from videogate._plugins.config import config_from_dict
from videogate._plugins.registry import make_plugin_manager
from videogate._state.cache import SqliteCache, cached_result, open_cache


def make_result(**changes) -> VideoResult:
    base = VideoResult(
        video_url="file:///out/kenburns/videos/job/abc.mp4",
        duration=4.0,
        fps=24.0,
        seed=7,
        size=Size(1280, 720),
        provider="kenburns",
        model="kenburns-1",
        task_id="t-1",
        sha256="ab" * 32,
        timings={"total": 1.5},
        warnings=(ResultWarning(field="fps", message="mapped", requested="25", actual="24"),),
    )
    return attrs.evolve(base, **changes)


def test_put_get_delete_clear(tmp_path):
    cache = SqliteCache(tmp_path / "state" / "v.sqlite3")
    assert cache.get("k1") is None
    result = make_result(cached=True)
    cache.put("k1", result, "job/abc.mp4")
    entry = cache.get("k1")
    assert entry is not None
    assert entry.result == attrs.evolve(result, cached=False)
    assert entry.object_key == "job/abc.mp4"
    cache.put("k2", make_result(provider="wan"), "job2/x.mp4")
    stats = cache.stats()
    assert stats["entries"] == 2 and stats["providers"] == {"kenburns": 1, "wan": 1}
    cache.delete("k1")
    assert cache.get("k1") is None
    assert cache.clear() == 1
    assert cache.stats()["entries"] == 0


def test_sqlite_file_uses_wal_and_holds_no_bytes_nor_secrets(tmp_path):
    secret = "sk-cache-test-0123456789"
    register_secret(secret)
    path = tmp_path / "v.sqlite3"
    cache = SqliteCache(path)
    cache.put("k", make_result(source_url=f"https://oss.example/v.mp4?key={secret}"), "j/a.mp4")
    cache.close()
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        (text,) = conn.execute("SELECT result FROM cache").fetchone()
    assert secret not in text
    assert json.loads(text)["video_url"].startswith("file://")


def test_unreadable_row_is_a_miss(tmp_path):
    path = tmp_path / "v.sqlite3"
    cache = SqliteCache(path)
    cache.put("k", make_result(), "j/a.mp4")
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE cache SET result = '{\"nope\": 1}'")
    assert cache.get("k") is None
    assert cache.stats()["entries"] == 0


def test_threads_and_processes_share_the_file(tmp_path):
    """Two connections in threads and a separate process write the same file at once."""
    path = tmp_path / "v.sqlite3"
    caches = [SqliteCache(path), SqliteCache(path)]
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import attrs, sys\n"
            "from videogate._state.cache import SqliteCache\n"
            "from videogate import VideoResult, Size\n"
            "c = SqliteCache(sys.argv[1])\n"
            "r = VideoResult(video_url='u', duration=1.0, fps=1.0, seed=None,"
            " size=Size(2, 2), provider='p', model='m')\n"
            "for i in range(50): c.put(f'p{i}', r, 'o')\n",
            str(path),
        ]
    )

    def write(index: int) -> None:
        for i in range(50):
            caches[index].put(f"t{index}-{i}", make_result(), "o")

    threads = [threading.Thread(target=write, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert child.wait(timeout=60) == 0
    assert caches[0].stats()["entries"] == 150


def test_hit_miss_and_vanished_object(storage, tmp_path):
    """A hit needs the stored object; a vanished object is a miss and the entry is dropped."""
    cache = SqliteCache(tmp_path / "v.sqlite3")
    stored = storage.put_stream([b"video"], "job/abc.mp4")
    cache.put("key", make_result(video_url=stored.url), stored.key)
    hit = cached_result(cache, storage, "key")
    assert hit is not None and hit.cached and hit.video_url == stored.url
    assert cached_result(cache, storage, "other") is None
    storage.delete(stored.key)
    assert cached_result(cache, storage, "key") is None
    assert cache.get("key") is None


def test_open_cache_follows_configuration(tmp_path):
    assert open_cache(config_from_dict({"cache": {"enabled": False}})) is None
    default = open_cache(config_from_dict({}))
    assert isinstance(default, SqliteCache)
    assert (
        default.path == tmp_path / "home" / ".local" / "state" / "videogate" / "videogate.sqlite3"
    )
    custom = open_cache(config_from_dict({"cache": {"path": str(tmp_path / "c.db")}}))
    assert isinstance(custom, SqliteCache) and custom.path == tmp_path / "c.db"
    with pytest.raises(ConfigError, match="unknown backend 'redis'"):
        open_cache(config_from_dict({"cache": {"backend": "redis"}}), make_plugin_manager())


def test_register_cache_hook(tmp_path):
    made: dict[str, object] = {}

    class Plugin:
        @videogate.hookimpl
        def register_cache(self, register):
            def factory(**options):
                made.update(options)
                return SqliteCache(tmp_path / "plugged.db")

            register("plugged", factory)

    manager = make_plugin_manager()
    manager.register(Plugin(), name="plugged")
    config = config_from_dict({"cache": {"backend": "plugged", "options": {"dsn": "x://y"}}})
    cache = open_cache(config, manager)
    assert isinstance(cache, SqliteCache) and made == {"dsn": "x://y"}


REQUEST = {"prompt": "a red kite over hills", "duration": 4, "fps": 24, "size": "1280*720"}


def key_of(request: dict, **kw) -> str:
    return cache_key(
        VideoRequest(**request),
        provider=kw.get("provider", "kenburns"),
        model=kw.get("model", "m1"),
        mode=kw.get("mode", "strict"),
    )


@given(
    spelling=st.sampled_from(["1280*720", "1280x720", "1280X720", " 1280 x 720 ", (1280, 720)]),
    duration=st.sampled_from([4, 4.0]),
    fps=st.sampled_from([24, 24.0]),
)
def test_equivalent_spellings_hit_the_same_entry(tmp_path_factory, spelling, duration, fps):
    cache = SqliteCache(tmp_path_factory.mktemp("c") / "v.sqlite3")
    cache.put(key_of(REQUEST), make_result(), "j/a.mp4")
    other = {**REQUEST, "size": spelling, "duration": duration, "fps": fps}
    assert cache.get(key_of(other)) is not None


CHANGES = st.one_of(
    st.builds(lambda p: {"prompt": p}, st.text(min_size=1).filter(lambda t: t.strip())),
    st.builds(lambda d: {"duration": d}, st.floats(0.1, 60).filter(lambda d: d != 4)),
    st.builds(lambda f: {"fps": f}, st.floats(1, 120).filter(lambda f: f != 24)),
    st.builds(lambda w: {"size": f"{w}*720"}, st.integers(2, 4000).filter(lambda w: w != 1280)),
    st.builds(lambda s: {"seed": s}, st.integers(0, 2**31 - 1)),
    st.builds(lambda n: {"negative_prompt": n}, st.text()),
    st.builds(lambda m: {"motion_strength": m}, st.floats(0, 1)),
    st.builds(lambda v: {"options": {"kenburns": {"fit": v}}}, st.sampled_from(["crop", "pad"])),
    st.builds(lambda b: {"reference_image": b}, st.binary(min_size=1, max_size=64)),
)


@given(change=CHANGES)
def test_any_changed_field_misses(tmp_path_factory, change):
    cache = SqliteCache(tmp_path_factory.mktemp("c") / "v.sqlite3")
    cache.put(key_of(REQUEST), make_result(), "j/a.mp4")
    changed = {**REQUEST, **change}
    if changed == REQUEST:
        return
    assert cache.get(key_of(changed)) is None


@pytest.mark.parametrize(
    "context", [{"provider": "wan"}, {"model": "m2"}, {"mode": "adjust"}, {"mode": "conform"}]
)
def test_provider_model_and_mode_are_part_of_the_key(tmp_path, context):
    cache = SqliteCache(tmp_path / "v.sqlite3")
    cache.put(key_of(REQUEST), make_result(), "j/a.mp4")
    assert cache.get(key_of(REQUEST, **context)) is None


def test_cli_stats_get_clear(tmp_path, capsys):
    config = tmp_path / "videogate.toml"
    config.write_text(f'[cache]\npath = "{tmp_path / "c.db"}"\n')
    SqliteCache(tmp_path / "c.db").put("k" * 64, make_result(), "j/a.mp4")
    assert main(["cache", "stats", "--json", "--config", str(config)]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert stats["entries"] == 1 and stats["providers"] == {"kenburns": 1}
    assert main(["cache", "get", "k" * 64, "--json", "--config", str(config)]) == 0
    got = json.loads(capsys.readouterr().out)
    assert got["object_key"] == "j/a.mp4" and got["result"]["provider"] == "kenburns"
    assert main(["cache", "get", "z" * 64, "--json", "--config", str(config)]) == 1
    assert json.loads(capsys.readouterr().out) == {"found": False, "key": "z" * 64}
    assert main(["cache", "clear", "--json", "--config", str(config)]) == 0
    assert json.loads(capsys.readouterr().out) == {"cleared": 1}
    assert main(["cache", "stats", "--config", str(config)]) == 0
    assert "entries: 0" in capsys.readouterr().out


def test_cli_with_cache_disabled(tmp_path, capsys):
    (tmp_path / "videogate.toml").write_text("[cache]\nenabled = false\n")
    assert main(["cache", "stats", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"enabled": False}


def test_cli_bad_config_is_exit_2(tmp_path, capsys):
    (tmp_path / "videogate.toml").write_text("[cache]\nenabeld = true\n")
    assert main(["cache", "stats", "--json"]) == 2
    assert json.loads(capsys.readouterr().out)["error"] == "ConfigError"
