"""wan passes the videogate contract suite against the DashScope emulator."""

from typing import ClassVar

from videogate_contracts import ProviderContract


class TestWanContract(ProviderContract):
    provider_name = "wan"
    option_values: ClassVar = {"audio": [True, False], "watermark": [True, False]}
