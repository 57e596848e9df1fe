"""Contract test of the optional task listing (:class:`videogate.TaskLister`): a provider that
lists its tasks must list the task it just created, inside the window asked, and nothing
outside it; ``videogate resume`` relies on it to find the task of a lost submit answer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from videogate import TaskLister, TaskSummary
from videogate_contracts._context import ContractContext
from videogate_contracts._requests import simple_request
from videogate_contracts._skips import contract_skip

__all__ = ["ListingChecks"]


class ListingChecks:
    """The task-listing test of :class:`~videogate_contracts.ProviderContract`."""

    def test_task_list_finds_the_task_just_submitted(self, fresh: ContractContext) -> None:
        """``list_tasks(since, until)`` returns :class:`TaskSummary` items with timezone-aware
        creation times inside the window, of the provider's model; it includes a task
        submitted in the window and excludes it from a window long past.

        Fix: page through the provider's whole list, convert its times to aware datetimes,
        and filter by the window (and model) the engine asked for.
        """
        provider = fresh.provider
        if not isinstance(provider, TaskLister):
            contract_skip(f"{fresh.name} has no task list (optional: TaskLister)")
        fresh.require_double()
        before = datetime.now(UTC) - timedelta(minutes=5)
        task = provider.submit(provider.prepare(simple_request(fresh)))
        after = datetime.now(UTC) + timedelta(minutes=5)
        listed = provider.list_tasks(before, after)
        assert isinstance(listed, list), f"list_tasks returned {type(listed).__name__}"
        for item in listed:
            assert isinstance(item, TaskSummary), f"list_tasks returned {item!r}"
            assert item.created_at.tzinfo is not None, f"{item.task_id}: naive created_at"
            assert before <= item.created_at <= after, f"{item.task_id} is outside the window"
            assert item.model in (None, provider.model), f"{item.task_id} is of {item.model}"
        assert task.task_id in {t.task_id for t in listed}, (
            f"the task just submitted ({task.task_id}) is not in the list"
        )
        long_ago = datetime(2001, 1, 1, tzinfo=UTC)
        past = provider.list_tasks(long_ago, long_ago + timedelta(hours=1))
        assert task.task_id not in {t.task_id for t in past}, (
            "a task created now is listed in a window of 2001"
        )
