"""The docs cover every hook, every configuration key and every error class."""

from pathlib import Path

import attrs

import videogate
from videogate._plugins.config import (
    BudgetConfig,
    CacheConfig,
    Config,
    RetryConfig,
    StateConfig,
    StorageConfig,
)
from videogate._plugins.registry import make_plugin_manager

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_every_hook_is_documented_with_its_signature():
    text = (DOCS / "plugin-hooks.md").read_text()
    pm = make_plugin_manager()
    hooks = [name for name in dir(pm.hook) if not name.startswith("_")]
    assert hooks, "no hooks found"
    for name in hooks:
        caller = getattr(pm.hook, name)
        args = ", ".join(caller.spec.argnames)
        assert f"## {name}({args})" in text, f"hook {name}({args}) is not documented"


def test_every_config_key_is_documented():
    text = (DOCS / "configuration.md").read_text()
    sections = {
        "": Config,
        "[cache]": CacheConfig,
        "[storage]": StorageConfig,
        "[retry]": RetryConfig,
        "[state]": StateConfig,
        "[budget]": BudgetConfig,
    }
    for heading, cls in sections.items():
        body = text.split(f"## `{heading}`")[1].split("\n## ")[0] if heading else text
        for field in attrs.fields(cls):
            if field.name in (
                "cache",
                "storage",
                "retry",
                "state",
                "budget",
                "providers",
                "source",
                "files",
                "sources",
            ):
                continue
            assert f"| `{field.name}` |" in body, f"{heading or 'top-level'} {field.name}"


def test_every_error_class_is_documented():
    text = (DOCS / "errors.md").read_text()
    for name in videogate.__all__:
        obj = getattr(videogate, name, None)
        if isinstance(obj, type) and issubclass(obj, videogate.VideogateError):
            assert name in text, name
