"""DashScope's task list (``GET /api/v1/tasks``): the window in service time, every page,
each row as a :class:`videogate.TaskSummary`. ``videogate resume`` uses it to find the task
of a submit whose answer was lost."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta, timezone
from http import HTTPStatus
from typing import Any

from videogate import MalformedResponse, TaskStatus, TaskSummary, VideogateError
from videogate_wan._capabilities import MODEL

__all__ = ["SERVICE_TZ", "fetch_task_list"]

#: Task times are written in the service's local time (UTC+8 in Beijing and Singapore).
SERVICE_TZ = timezone(timedelta(hours=8))


def fetch_task_list(
    since: datetime,
    until: datetime,
    *,
    api_key: str,
    workspace: str | None,
    base_url: str,
    refused: Callable[[Any], VideogateError],
) -> list[TaskSummary]:
    """``wan2.6-i2v-flash`` tasks created between ``since`` and ``until``, every page, newest
    first (the SDK's ``VideoSynthesis.list``).

    :param refused: the error for an answer that is not 200 OK.
    :raises MalformedResponse: an answer without a task list.
    """
    from dashscope import VideoSynthesis

    lister: Any = VideoSynthesis  # ``list`` comes from the SDK's BaseAsyncApi
    found: dict[str, TaskSummary] = {}
    page = 1
    while page <= _LIST_MAX_PAGES:
        response = lister.list(
            start_time=service_stamp(since),
            end_time=service_stamp(until),
            model_name=MODEL,
            page_no=page,
            page_size=_LIST_PAGE,
            api_key=api_key,
            workspace=workspace,
            base_address=base_url,
        )
        if response.status_code != HTTPStatus.OK:
            raise refused(response)
        output = response.output
        rows = output.get("tasks") if isinstance(output, Mapping) else None
        if not isinstance(rows, list):
            raise MalformedResponse(
                "DashScope answered the task list without tasks",
                provider="wan",
                request_id=response.request_id or None,
            )
        for row in rows:
            summary = _summary_of(row)
            if summary is not None:
                found[summary.task_id] = summary
        total = output.get("total")
        if len(rows) < _LIST_PAGE or (isinstance(total, int) and page * _LIST_PAGE >= total):
            break
        page += 1
    return sorted(found.values(), key=lambda t: t.created_at, reverse=True)


_LIST_PAGE = 100
_LIST_MAX_PAGES = 50


def service_stamp(moment: datetime) -> str:
    """``moment`` as the task list's ``start_time``/``end_time``: service time, to seconds."""
    return moment.astimezone(SERVICE_TZ).strftime("%Y%m%d%H%M%S")


def _service_moment(text: Any) -> datetime | None:
    if not isinstance(text, str):
        return None
    for pattern in ("%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%d %H:%M:%S", "%Y%m%d%H%M%S"):
        try:
            return datetime.strptime(text.strip(), pattern).replace(tzinfo=SERVICE_TZ)
        except ValueError:
            continue
    return None


def _summary_of(row: Any) -> TaskSummary | None:
    """One row of the task list, or ``None`` when it lacks an id or a creation time."""
    if not isinstance(row, Mapping) or not row.get("task_id"):
        return None
    created = next(
        (
            moment
            for moment in map(_service_moment, (row.get(k) for k in _CREATED_KEYS))
            if moment is not None
        ),
        None,
    )
    if created is None:
        return None
    model = row.get("model_name") or row.get("model")
    status = str(row.get("task_status") or "")
    return TaskSummary(
        task_id=str(row["task_id"]),
        created_at=created.astimezone(UTC),
        model=str(model) if model else None,
        status=_LIST_STATUS.get(status),
        data={"model": str(model) if model else MODEL, "adopted": True},
    )


_CREATED_KEYS = ("gmt_create", "submit_time", "create_time", "created_at")
_LIST_STATUS = {
    "PENDING": TaskStatus.QUEUED,
    "RUNNING": TaskStatus.RUNNING,
    "SUCCEEDED": TaskStatus.SUCCEEDED,
    "FAILED": TaskStatus.FAILED,
    "CANCELED": TaskStatus.CANCELLED,
}
