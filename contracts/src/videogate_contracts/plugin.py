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
#: Ways the contract was weakened in this session (each fails the run).
_WEAKENED = pytest.StashKey[list[str]]()


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
    config.stash[_WEAKENED] = []
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


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tag contract tests, make their ``xfail`` marks strict, and note every way a contract
    class was weakened (an overridden or deleted test or guard, a ``skip`` mark)."""
    from videogate_contracts._guard import class_problems
    from videogate_contracts.suite import ProviderContract

    weakened = config.stash.get(_WEAKENED, [])
    classes: dict[type, None] = {}
    for item in items:
        if not _is_contract_item(item):
            continue
        item.user_properties.append(("videogate_contract", True))
        classes[item.cls] = None  # type: ignore[attr-defined]
        for mark in list(item.iter_markers("xfail")):
            strict = pytest.mark.xfail(*mark.args, **{**mark.kwargs, "strict": True})
            item.add_marker(strict, append=False)
        if any(item.iter_markers("skip")) or any(item.iter_markers("skipif")):
            weakened.append(f"{item.nodeid} carries a skip mark")
    for cls in classes:
        weakened += [f"{cls.__qualname__}: {p}" for p in class_problems(cls, ProviderContract)]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """A contract test may be skipped only by the suite itself (no double, an opted-out
    fault); any other skip weakens the contract."""
    report = yield
    if report.skipped and not hasattr(report, "wasxfail") and _is_contract_item(item):
        from videogate_contracts._skips import ContractSkip

        if call.excinfo is not None and not isinstance(call.excinfo.value, ContractSkip):
            weakened = item.config.stash.get(_WEAKENED, [])
            weakened.append(f"{item.nodeid} was skipped outside the suite ({call.excinfo.value})")
    return report


def pytest_sessionfinish(session: pytest.Session) -> None:
    if session.config.stash.get(_WEAKENED, []) and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: Any) -> None:
    weakened = terminalreporter.config.stash.get(_WEAKENED, [])
    if weakened:
        terminalreporter.section("videogate contract: WEAKENED (the run fails)", red=True)
        for problem in dict.fromkeys(weakened):
            terminalreporter.line(f"WEAKENED {problem}")
        terminalreporter.line(
            "Contract tests may not be skipped, deleted or overridden, except by "
            "@pytest.mark.xfail(reason=...) (made strict); see docs/contract-tests.md."
        )
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
