"""Reading long job histories page by page, so memory stays bounded however long they are."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol, runtime_checkable

from videogate._state.journal import JobRecord, Journal

__all__ = ["PagedJournal", "iter_jobs"]


@runtime_checkable
class PagedJournal(Protocol):
    """A journal that lists by pages in job-id order (both built-in journals do)."""

    def page(
        self, *, unfinished: bool = False, before: str | None = None, size: int | None = None
    ) -> list[JobRecord]:
        """Up to ``size`` jobs older than ``before``, newest first."""
        ...


def iter_jobs(
    journal: Journal, *, unfinished: bool = False, limit: int | None = None, page: int = 500
) -> Iterator[JobRecord]:
    """Jobs newest first, at most ``limit``, read ``page`` rows at a time (keyset paging
    on the job-id index: each page costs the same however deep it is)."""
    if not isinstance(journal, PagedJournal):
        yield from journal.list(unfinished=unfinished, limit=limit)
        return
    before: str | None = None
    left = limit
    while left is None or left > 0:
        size = page if left is None else min(page, left)
        rows = journal.page(unfinished=unfinished, before=before, size=size)
        yield from rows
        if len(rows) < size:
            return
        before = rows[-1].job_id
        if left is not None:
            left -= len(rows)
