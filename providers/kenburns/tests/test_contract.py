"""kenburns passes the videogate contract suite, rendering for real (its double opts out of
the service faults a local renderer never meets, with the reasons shown in the summary; the
option values it sends are those the capabilities declare)."""

from videogate_contracts import ProviderContract


class TestKenBurnsContract(ProviderContract):
    provider_name = "kenburns"
