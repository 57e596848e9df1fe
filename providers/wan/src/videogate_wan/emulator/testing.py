"""pytest helpers: the ``wan_emulator`` fixture and the context managers behind it.

Use it from a ``conftest.py``::

    from videogate_wan.emulator.testing import wan_emulator  # noqa: F401  (a fixture)

or directly: ``with running_emulator(running_seconds=1) as emu: ...``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from videogate_wan.emulator._harness import EmulatorProcess, emulator_process, running_emulator
from videogate_wan.emulator._server import Emulator

__all__ = ["EmulatorProcess", "emulator_process", "running_emulator", "wan_emulator"]


@pytest.fixture
def wan_emulator(monkeypatch: pytest.MonkeyPatch) -> Iterator[Emulator]:
    """A fresh emulator (tasks succeed at the first poll) with ``DASHSCOPE_HTTP_BASE_URL``
    pointing at it for the test."""
    with running_emulator() as emulator:
        monkeypatch.setenv("DASHSCOPE_HTTP_BASE_URL", emulator.base_url)
        yield emulator
