"""Reading a video with PyAV closes every demuxer it starts, even when it stops early (a probe
reads one frame): PyAV frees a demuxer's C buffers only when it is closed or read to the
end, so one left open per probe grew a long-running engine by ~150 bytes per job."""

from __future__ import annotations

from typing import Any

import av
import pytest

from videogate._artifacts.conform import ConformTarget, conform_video
from videogate._artifacts.contact_sheet import contact_sheet
from videogate._artifacts.probe import probe_video
from videogate._contract.size import Size


class Demuxer:
    """A container's demux generator, recording whether it was closed."""

    def __init__(self, packets: Any) -> None:
        self.packets = packets
        self.closed = False

    def __iter__(self) -> Demuxer:
        return self

    def __next__(self) -> Any:
        return next(self.packets)

    def close(self) -> None:
        self.closed = True
        self.packets.close()


class Container:
    """A PyAV input container whose demuxers are recorded; its ``decode`` (which cannot be
    closed by its caller) is not offered."""

    def __init__(self, real: Any, demuxers: list[Demuxer]) -> None:
        self._real = real
        self._demuxers = demuxers

    def __enter__(self) -> Container:
        return self

    def __exit__(self, *exc: object) -> None:
        self._real.close()

    def demux(self, *args: Any, **kwargs: Any) -> Demuxer:
        demuxer = Demuxer(self._real.demux(*args, **kwargs))
        self._demuxers.append(demuxer)
        return demuxer

    def decode(self, *args: Any, **kwargs: Any) -> Any:
        raise AssertionError("container.decode() leaves its demuxer open when stopped early")

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


@pytest.fixture
def demuxers(monkeypatch) -> list[Demuxer]:
    """Every demuxer started while reading (input containers only)."""
    started: list[Demuxer] = []
    real_open = av.open

    def recording_open(path: Any, mode: str = "r", **kwargs: Any) -> Any:
        container = real_open(path, mode, **kwargs)
        return Container(container, started) if mode == "r" else container

    monkeypatch.setattr(av, "open", recording_open)
    return started


def test_a_probe_closes_its_demuxer(make_video, demuxers):
    probe = probe_video(make_video(fps=8, frames=16))
    assert probe.frames == 16
    assert demuxers and all(d.closed for d in demuxers)


def test_conform_and_contact_sheets_close_theirs(make_video, tmp_path, demuxers):
    source = make_video(fps=8, frames=16)
    target = ConformTarget(duration=1.0, fps=8, size=Size(64, 48))
    conform_video(source, tmp_path / "short.mp4", target, probe_video(source))
    contact_sheet(source, tmp_path / "sheet.png", frames=4)
    assert len(demuxers) >= 1 + 1 + 4
    assert all(d.closed for d in demuxers)


def test_warm_up_imports_pyav_in_the_background_once():
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from videogate._artifacts import probe\n"
        "assert 'av' not in sys.modules\n"
        "probe.warm_up(); first = probe._warming; probe.warm_up()\n"
        "assert probe._warming is first and first.name == 'videogate-warm-av'\n"
        "first.join(60)\n"
        "assert 'av' in sys.modules\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
