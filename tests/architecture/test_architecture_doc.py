"""docs/architecture.md stays true: every subpackage is described, every module it names exists."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CORE = ROOT / "core" / "src" / "videogate"
DOC = (ROOT / "docs" / "architecture.md").read_text()


def test_every_core_subpackage_is_described():
    subpackages = sorted(p.name for p in CORE.iterdir() if (p / "__init__.py").exists())
    assert subpackages  # the layout has subpackages at all
    for name in subpackages:
        assert f"`{name}`" in DOC or f"{name}/" in DOC, name


def test_every_module_the_doc_names_exists():
    named = set(re.findall(r"`(?:_[a-z]+/)?([a-z_]+\.py)`", DOC))
    existing = {p.name for p in CORE.rglob("*.py")}
    assert named, "the doc names modules"
    assert sorted(named - existing) == []


def test_the_doc_layers_are_the_linted_layers():
    import tomllib

    settings = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    (layers,) = [c["layers"] for c in settings["contracts"] if c["type"] == "layers"]
    drawn = "  >  ".join(name.removeprefix("videogate.") for name in layers)
    assert drawn in DOC
