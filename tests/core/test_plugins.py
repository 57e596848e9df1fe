"""Plugin discovery through real entry points: isolation of broken plugins, loud misspellings,
the VIDEOGATE_LOAD_PLUGINS allow-list, and lazy provider imports."""

import subprocess
import sys
import textwrap

import pytest

import videogate
from videogate import ProviderSpec, UnknownProvider, load_registry

GOOD = """
import videogate
from videogate import Capabilities, NumberRange, ProviderSpec, SizeRule

CAPS = Capabilities(sizes=SizeRule(), durations=NumberRange(1, 5), fps=NumberRange(24, 24))

@videogate.hookimpl
def register_providers(register):
    register(ProviderSpec(name="good", factory="good_heavy:Provider", capabilities=CAPS))
"""
HEAVY = "raise ImportError('the heavy SDK must not be imported at discovery')\n"
BROKEN = "import does_not_exist_anywhere\n"
MISSPELLED = """
import videogate

@videogate.hookimpl
def register_provider(register):
    pass
"""
RAISING = """
import videogate

@videogate.hookimpl
def register_providers(register):
    raise RuntimeError("cannot start")
"""


@pytest.fixture
def plugin_site(tmp_path, monkeypatch):
    """A folder on sys.path holding real distributions with ``videogate`` entry points."""
    site = tmp_path / "site"
    site.mkdir()

    def install(dist, modules, entry_points):
        for name, source in modules.items():
            (site / f"{name}.py").write_text(textwrap.dedent(source))
        info = site / f"{dist}-0.1.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 0.1\n")
        lines = "\n".join(f"{k} = {v}" for k, v in entry_points.items())
        (info / "entry_points.txt").write_text(f"[videogate]\n{lines}\n")

    monkeypatch.syspath_prepend(str(site))
    install("good-plugin", {"good_plugin": GOOD, "good_heavy": HEAVY}, {"good": "good_plugin"})
    install("broken-plugin", {"broken_plugin": BROKEN}, {"broken": "broken_plugin"})
    install("typo-plugin", {"typo_plugin": MISSPELLED}, {"typo": "typo_plugin"})
    install("raising-plugin", {"raising_plugin": RAISING}, {"raising": "raising_plugin"})
    yield site
    for name in ("good_plugin", "good_heavy", "broken_plugin", "typo_plugin", "raising_plugin"):
        sys.modules.pop(name, None)


def test_good_plugins_load_and_broken_ones_are_reported(plugin_site):
    registry = load_registry()
    assert "good" in registry.providers
    reasons = {b.name: b.reason for b in registry.broken}
    assert "does_not_exist_anywhere" in reasons["broken"]
    assert "unknown hook(s) register_provider" in reasons["typo"]
    assert "cannot start" in reasons["raising"]
    assert "good_heavy" not in sys.modules  # the factory is imported only when used


def test_broken_provider_lookup_says_why(plugin_site):
    registry = load_registry()
    with pytest.raises(UnknownProvider, match="broken"):
        registry.get("broken")
    with pytest.raises(UnknownProvider, match="no provider named 'nope'"):
        registry.get("nope")


def test_using_the_provider_imports_its_factory(plugin_site):
    spec = load_registry().get("good")
    with pytest.raises(ImportError, match="heavy SDK"):
        spec.load_factory()


def test_allow_list_restricts_loading(plugin_site, monkeypatch):
    monkeypatch.setenv("VIDEOGATE_LOAD_PLUGINS", "good, typo")
    registry = load_registry()
    assert set(registry.providers) == {"good"}
    assert {b.name for b in registry.broken} == {"typo"}
    monkeypatch.setenv("VIDEOGATE_LOAD_PLUGINS", "")
    assert load_registry().providers == {}


def test_in_process_plugins_and_duplicate_names():
    class Plugin:
        @videogate.hookimpl
        def register_providers(self, register):
            caps = videogate.Capabilities(
                sizes=videogate.SizeRule(),
                durations=videogate.NumberRange(1, 2),
                fps=videogate.NumberRange(1, 2),
            )
            register(ProviderSpec(name="mem", factory=lambda: None, capabilities=caps))

    registry = load_registry([("a", Plugin()), ("b", Plugin())], entrypoints=False)
    assert list(registry.providers) == ["mem"]
    assert [b.reason for b in registry.broken] == ["provider name 'mem' is already registered"]


def test_register_rejects_what_is_not_a_spec():
    class Plugin:
        @videogate.hookimpl
        def register_providers(self, register):
            register({"name": "dict"})

    registry = load_registry([("bad", Plugin())], entrypoints=False)
    assert "expects a ProviderSpec" in registry.broken[0].reason


def test_cli_lists_and_discovery_stays_light(plugin_site):
    code = (
        "import sys; from videogate._cli import main; rc = main(['providers']);"
        "heavy = [m for m in ('dashscope', 'av', 'PIL', 'numpy', 'httpx', 'rich', 'fsspec',"
        " 'cattrs') if m in sys.modules]; print('HEAVY', heavy); sys.exit(rc)"
    )
    env = {"PYTHONPATH": str(plugin_site), "PATH": "/usr/bin:/bin"}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False
    )
    assert out.returncode == 0, out.stderr
    assert "HEAVY []" in out.stdout
    assert "good" in out.stdout and "BROKEN" in out.stdout
