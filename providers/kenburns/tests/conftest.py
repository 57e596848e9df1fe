"""Fixtures of the kenburns tests: a provider writing to a temporary folder, test images,
a poll loop, and PyAV helpers that look at what was really written."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from videogate import TaskState, VideoRequest
from videogate_kenburns import KenBurnsProvider

sys.path.insert(0, str(Path(__file__).parent))

from kb_helpers import draw_picture, local_path, wait


@pytest.fixture
def work_dir(tmp_path) -> Path:
    return tmp_path / "work"


@pytest.fixture
def provider(work_dir):
    made = KenBurnsProvider(work_dir=str(work_dir))
    yield made
    made.close()


@pytest.fixture
def picture(tmp_path):
    """Write a PNG test picture and return its path."""

    def make(size: tuple[int, int] = (320, 180), name: str = "picture.png", seed: int = 0) -> Path:
        path = tmp_path / name
        draw_picture(size, seed).save(path)
        return path

    return make


@pytest.fixture
def render(provider):
    """Run a request through prepare/submit/poll; return the output file and final state."""

    def run(request: VideoRequest | dict, on=None) -> tuple[Path, TaskState]:
        target = on or provider
        if isinstance(request, dict):
            request = VideoRequest(**request)
        task = target.submit(target.prepare(request))
        state, _ = wait(target, task)
        assert state.output is not None, f"render failed: {state.error!r}"
        return local_path(state.output.url), state

    return run
