"""Hypothesis profiles of the contract suite: ``videogate-ci`` and ``videogate-dev``.

The suite applies them to its own properties only (never globally), so a project's own
hypothesis profile is left alone. Select one with ``--videogate-profile NAME`` or the
environment variable ``VIDEOGATE_CONTRACT_PROFILE``; the default is ``videogate-ci``.
"""

from __future__ import annotations

import os
from typing import Any

from hypothesis import HealthCheck, settings

__all__ = ["PROFILES", "active_profile", "contract_settings", "register_profiles", "select"]

PROFILE_ENV = "VIDEOGATE_CONTRACT_PROFILE"
DEFAULT = "videogate-ci"
PROFILES = ("videogate-ci", "videogate-dev")

# Budgets per kind of property, as a share of the profile's max_examples: pure properties
# run them all, those that talk to the double a third, the engine state machine a fifth.
_SHARE = {"pure": 1.0, "service": 1 / 3, "engine": 1 / 5}

_selected: str | None = None


def register_profiles() -> None:
    """Register both profiles with hypothesis (idempotent)."""
    common: dict[str, Any] = {
        "deadline": None,
        "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
        "print_blob": True,
    }
    # CI: reproducible (derandomized) and broad enough to catch mapping gaps.
    settings.register_profile("videogate-ci", max_examples=40, derandomize=True, **common)
    # Dev: fast and random, for the edit-run loop.
    settings.register_profile("videogate-dev", max_examples=15, **common)


def select(name: str | None) -> None:
    """Choose the active profile (``None``: from the environment, else the default)."""
    global _selected
    chosen = name or os.environ.get(PROFILE_ENV) or DEFAULT
    if chosen not in PROFILES:
        raise ValueError(f"unknown contract profile {chosen!r} (choose {', '.join(PROFILES)})")
    _selected = chosen


def active_profile() -> str:
    """The name of the active profile."""
    if _selected is None:
        select(None)
    assert _selected is not None
    return _selected


def contract_settings(kind: str = "pure", **overrides: object) -> settings:
    """Settings for one contract property of ``kind`` (``pure``, ``service``, ``engine``)."""
    register_profiles()
    parent = settings.get_profile(active_profile())
    examples = max(3, round(parent.max_examples * _SHARE[kind]))
    return settings(parent, max_examples=examples, **overrides)  # type: ignore[arg-type]
