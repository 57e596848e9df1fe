"""wan passes the videogate contract suite against the DashScope emulator (the option values
it sends are those the capabilities declare)."""

from videogate_contracts import ProviderContract


class TestWanContract(ProviderContract):
    provider_name = "wan"
