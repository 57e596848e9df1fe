"""The test module collected by ``pytest --videogate-provider NAME``: one generated class
that runs the whole contract on the installed provider named on the command line."""

from __future__ import annotations

from videogate_contracts.plugin import installed_contract_class

TestInstalledProvider = installed_contract_class()
