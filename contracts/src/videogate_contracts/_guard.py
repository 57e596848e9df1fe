"""The override guard: which contract tests a subclass deleted or overrode without an xfail."""

from __future__ import annotations

__all__ = ["GUARD", "class_problems", "weakened_tests"]

GUARD = "test_no_overrides_DO_NOT_OVERRIDE"


def weakened_tests(cls: type, base: type) -> list[str]:
    """One problem per test of ``base`` that ``cls`` deleted, or overrode without
    ``@pytest.mark.xfail(reason=...)``, in the order pytest runs them."""
    names = dict.fromkeys(
        name
        for holder in reversed(base.__mro__)
        for name in vars(holder)
        if name.startswith("test_") and name != GUARD
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


def class_problems(cls: type, base: type) -> list[str]:
    """:func:`weakened_tests`, plus a guard that was overridden or deleted (checked by the
    plugin, outside the class, so that overriding the guard cannot hide it)."""
    problems = weakened_tests(cls, base)
    if getattr(cls, GUARD, None) is not getattr(base, GUARD):
        problems.insert(0, f"{GUARD} was overridden or deleted")
    return problems
