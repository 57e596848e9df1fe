"""Claims: which job, of which process, may pay for a cache key.

Before a paid submit a job *claims* its cache key in the journal: one row per key naming the
job, its owner (a process, see :func:`new_owner`) and a lease the owner renews while it works
(its heartbeat). Whoever asks for the key while the lease runs is told to *follow* that job
to its result instead of submitting. When the lease has expired (or the owner is a process of
this machine that is gone), the next asker *adopts* the job: it takes the claim over and
finishes the job from its journal row (polling its task, or finding the task of a lost submit
answer), never submitting it again. A claim is removed when its job ends.

The decision is made by the journal in one transaction (see :meth:`Journal.claim`), so every
backend (SQLite for one machine, a server database for many) gives the same guarantees.
"""

from __future__ import annotations

import enum
import os
import socket
import uuid

import attrs

from videogate._processes import process_gone

__all__ = ["Claim", "ClaimRole", "new_owner", "owner_gone"]


class ClaimRole(enum.StrEnum):
    """What a :meth:`Journal.claim` call made of the caller."""

    OWNER = "owner"
    """The key was free (or its job never sent anything): the caller's job may submit."""
    FOLLOWER = "follower"
    """Another owner's lease runs: wait for its job (``Claim.job_id``) to end."""
    ADOPTER = "adopter"
    """The owner's lease expired after its job was (or may have been) submitted: the caller
    now owns ``Claim.job_id`` and finishes it without submitting again."""


@attrs.frozen(kw_only=True)
class Claim:
    """The claim on a cache key, as one :meth:`Journal.claim` call left it.

    :ivar key: the cache key.
    :ivar job_id: the job that pays for the key (the caller's, or the one to follow/adopt).
    :ivar owner: the owner holding the lease.
    :ivar expires_at: Unix time the lease ends unless renewed.
    :ivar role: what the call made of the caller.
    """

    key: str
    job_id: str
    owner: str
    expires_at: float
    role: ClaimRole


def new_owner() -> str:
    """A fresh owner id for this process: ``host/pid/random``. Unique even for two engines
    of one process; its host and pid let :func:`owner_gone` spot a dead owner at once."""
    return f"{socket.gethostname()}/{os.getpid()}/{uuid.uuid4().hex[:12]}"


def owner_gone(owner: str) -> bool:
    """Whether ``owner`` is a process of this machine that no longer runs (its lease need
    not be waited for). Owners of other machines are never judged here: their lease decides."""
    host, _, rest = owner.partition("/")
    pid_text = rest.partition("/")[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    return process_gone(int(pid_text))
