"""The override guard: which contract tests a subclass deleted or overrode without an xfail."""

from __future__ import annotations

__all__ = ["weakened_tests"]

_GUARD = "test_no_overrides_DO_NOT_OVERRIDE"


def weakened_tests(cls: type, base: type) -> list[str]:
    """One problem per test of ``base`` that ``cls`` deleted, or overrode without
    ``@pytest.mark.xfail(reason=...)``, in the order pytest runs them."""
    names = dict.fromkeys(
        name
        for holder in reversed(base.__mro__)
        for name in vars(holder)
        if name.startswith("test_") and name != _GUARD
    )
    problems = []
    for name in names:
        mine = getattr(cls, name, None)
        if mine is getattr(base, name):
            continue
        if mine is None or not callable(mine):
            problems.append(f"{name} was deleted")
            continue
        marks = [m for m in getattr(mine, "pytestmark", []) if m.name == "xfail"]
        if not any(str(m.kwargs.get("reason", "")).strip() for m in marks):
            problems.append(f"{name} is overridden without @pytest.mark.xfail(reason=...)")
    return problems
