"""Discovery: the plugin registers kenburns like any third party, without heavy imports, and
it is the default provider."""

from __future__ import annotations

import subprocess
import sys

from videogate import load_config, load_registry
from videogate_kenburns import KENBURNS_CAPABILITIES


def test_registered_through_the_entry_point():
    spec = load_registry().get("kenburns")
    assert spec.model == "kenburns-1"
    assert spec.namespace == "kenburns"
    assert not spec.needs_key
    assert spec.capabilities == KENBURNS_CAPABILITIES
    provider = spec.load_factory()()
    try:
        assert provider.name == "kenburns"
        assert provider.capabilities.sizes == KENBURNS_CAPABILITIES.sizes
    finally:
        provider.close()


def test_capabilities_are_honest():
    caps = KENBURNS_CAPABILITIES
    assert caps.sizes.max_side == 3840 and caps.sizes.max_pixels == 3840 * 2160
    assert caps.sizes.multiple_of == 2
    assert not caps.requires_reference_image
    assert caps.supports_seed and caps.supports_negative_prompt and caps.supports_motion_strength
    assert caps.can_cancel
    assert caps.options == ("fit",)


def test_discovery_imports_no_heavy_module():
    code = (
        "import sys, videogate\n"
        "registry = videogate.load_registry()\n"
        "assert 'kenburns' in registry.providers\n"
        "heavy = sorted(m for m in ('av', 'PIL', 'numpy') if m in sys.modules)\n"
        "print(','.join(heavy))\n"
    )
    env = {"VIDEOGATE_LOAD_PLUGINS": "kenburns", "PATH": ""}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    assert out.stdout.strip() == ""


def test_kenburns_is_the_default_provider():
    assert load_config().default_provider == "kenburns"
