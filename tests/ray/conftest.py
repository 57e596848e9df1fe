"""The session's local Ray instance, shared by the Ray tests: one ``ray.init`` (about 10 s)
that the test process drives and that a separate driver (the ``videogate`` CLI) can join by
address."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator

import attrs
import pytest

#: What any driver of the session's cluster needs in its environment. Ray reads these once,
#: when it is imported, so they are set before any test module imports it:
#: - under ``uv run`` Ray would otherwise rebuild the environment for every worker (and the
#:   driver dies inside ray.wait); workers run the driver's interpreter instead;
#: - the cluster's token comes from here, so Ray writes none into the user's home, and a
#:   child driver (the CLI) joins with the same one.
JOINING = {
    "RAY_ENABLE_UV_RUN_RUNTIME_ENV": "0",
    "RAY_AUTH_MODE": "token",
    "RAY_AUTH_TOKEN": secrets.token_hex(32),
}
os.environ.update(JOINING)


@attrs.frozen
class RayCluster:
    """A running local cluster: its GCS address and what another driver needs to join it."""

    address: str
    env: dict[str, str]


@pytest.fixture(scope="session")
def ray_local() -> Iterator[RayCluster]:
    """A local Ray instance (2 CPUs) for the session."""
    ray = pytest.importorskip("ray")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        yield RayCluster(address=ray.get_runtime_context().gcs_address, env=dict(JOINING))
    finally:
        ray.shutdown()
