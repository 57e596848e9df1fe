"""kenburns passes the videogate contract suite, rendering for real (its double declares the
service faults a local renderer never meets; those checks are skipped with the reason)."""

from typing import ClassVar

from videogate_contracts import ProviderContract


class TestKenBurnsContract(ProviderContract):
    provider_name = "kenburns"
    option_values: ClassVar = {"fit": ["crop", "pad"]}
