"""pytest plugin of videogate-contracts (entry point ``pytest11``).

Adds ``--videogate-provider NAME`` (run the contract on an installed provider with no test
code), ``--videogate-profile`` (``videogate-ci``/``videogate-dev``), registers the
hypothesis profiles, and adds a summary of the contract tests that were skipped, and why.
Everything heavy is imported inside the hooks, so loading this plugin costs nothing.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

__all__ = ["installed_contract_class"]

_RUNNER = str(Path(__file__).with_name("_runner_module.py"))
_provider_name: str | None = None


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("videogate", "videogate contract suite")
    group.addoption(
        "--videogate-provider",
        metavar="NAME",
        default=None,
        help="run the contract suite on the installed provider NAME (found by entry point)",
    )
    group.addoption(
        "--videogate-profile",
        metavar="PROFILE",
        default=None,
        choices=("videogate-ci", "videogate-dev"),
        help="hypothesis profile of the contract properties (default: "
        "$VIDEOGATE_CONTRACT_PROFILE or videogate-ci)",
    )


def pytest_configure(config: pytest.Config) -> None:
    global _provider_name
    from videogate_contracts import _profiles

    _profiles.register_profiles()
    _profiles.select(config.getoption("videogate_profile"))
    _provider_name = config.getoption("videogate_provider")
    if _provider_name:
        if config.args_source is not pytest.Config.ArgsSource.ARGS:
            config.args[:] = [_RUNNER]
        elif _RUNNER not in config.args:
            config.args.append(_RUNNER)


def installed_contract_class() -> type[Any]:
    """The contract test class for the provider named by ``--videogate-provider``."""
    from videogate_contracts.suite import ProviderContract

    name = _provider_name or os.environ.get("VIDEOGATE_CONTRACT_PROVIDER")
    if not name:
        raise pytest.UsageError("the installed-provider contract needs --videogate-provider NAME")
    return type(
        "TestInstalledProvider",
        (ProviderContract,),
        {"provider_name": name, "__doc__": f"The contract suite on provider {name!r}."},
    )


def _is_contract_item(item: pytest.Item) -> bool:
    cls = getattr(item, "cls", None)
    suite = __import__("sys").modules.get("videogate_contracts.suite")
    return cls is not None and suite is not None and issubclass(cls, suite.ProviderContract)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if _is_contract_item(item):
            item.user_properties.append(("videogate_contract", True))


def pytest_terminal_summary(terminalreporter: Any) -> None:
    skipped = [
        r
        for r in terminalreporter.stats.get("skipped", [])
        if ("videogate_contract", True) in getattr(r, "user_properties", [])
    ]
    if not skipped:
        return
    terminalreporter.section("videogate contract: skipped checks")
    for report in skipped:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        reason = reason.removeprefix("Skipped: ")
        terminalreporter.line(f"SKIPPED {report.nodeid}: {reason}")
