"""The architecture holds: no import cycle anywhere, and the layer linter catches a breach."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("videogate", "videogate_wan", "videogate_kenburns", "videogate_contracts")


def _cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Each import ``a -> b`` with a way back from ``b`` to ``a``, as the modules of the loop."""
    loops = set()
    for importer in graph.modules:
        for imported in graph.find_modules_directly_imported_by(importer):
            back = graph.find_shortest_chain(importer=imported, imported=importer)
            if back:
                loops.add(tuple(sorted(back)))
    return sorted(list(loop) for loop in loops)


def test_no_import_cycle_in_core_providers_or_contracts():
    """Every import counts: module level, inside functions and under TYPE_CHECKING."""
    graph = grimp.build_graph(*PACKAGES)
    assert _cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle(tmp_path, monkeypatch):
    """The check above can fail: two modules importing each other are reported."""
    pkg = tmp_path / "loopy"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from loopy import b\n")
    (pkg / "b.py").write_text("def f():\n    from loopy import a\n")
    (pkg / "c.py").write_text("from loopy import a\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert _cycles(grimp.build_graph("loopy", cache_dir=None)) == [["loopy.a", "loopy.b"]]


def test_the_layer_linter_catches_the_contract_importing_the_engine(tmp_path):
    """A copy of core whose contract imports the engine breaks the layers contract."""
    copy = tmp_path / "src"
    shutil.copytree(ROOT / "core" / "src" / "videogate", copy / "videogate")
    size = copy / "videogate" / "_contract" / "size.py"
    size.write_text(size.read_text() + "\nfrom videogate._engine import engine  # noqa\n")
    settings = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    (layers,) = [c for c in settings["contracts"] if c["type"] == "layers"]
    config = tmp_path / "layers.toml"
    config.write_text(
        '[tool.importlinter]\nroot_packages = ["videogate"]\n\n'
        "[[tool.importlinter.contracts]]\n"
        f'name = "core layers"\ntype = "layers"\nlayers = {json.dumps(layers["layers"])}\n'
    )
    lint = Path(sys.executable).with_name("lint-imports")
    clean = subprocess.run(
        [str(lint), "--config", str(config), "--no-cache"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert clean.returncode == 0, clean.stdout
    broken = subprocess.run(
        [str(lint), "--config", str(config), "--no-cache"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={"PYTHONPATH": str(copy), "PATH": "/usr/bin:/bin"},
    )
    assert broken.returncode == 1, broken.stdout
    assert "videogate._contract.size -> videogate._engine.engine" in broken.stdout
