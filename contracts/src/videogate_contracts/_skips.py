"""The suite's own skips: the only skips a contract test may end with.

Any other skip of a contract test (a ``skip`` mark, ``pytest.skip`` in an overridden fixture)
weakens the contract; the plugin fails the run when it sees one.
"""

from __future__ import annotations

from typing import NoReturn

import pytest

__all__ = ["ContractSkip", "contract_skip"]


class ContractSkip(pytest.skip.Exception):  # type: ignore[name-defined,misc]
    """A skip the suite decided (no double, a fault the double opted out of)."""

    # Shown as "Skipped: reason", like pytest's own skips.
    __module__ = "builtins"
    __qualname__ = "Skipped"


def contract_skip(reason: str) -> NoReturn:
    """Skip the running contract test for ``reason`` (shown in the summary)."""
    raise ContractSkip(reason, allow_module_level=False)
