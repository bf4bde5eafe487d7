"""The API's operations and its route table (the OpenAPI spec is generated from it)."""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from sluiceway import __version__
from sluiceway.api.errors import (
    Conflict,
    DocumentTooLarge,
    Forbidden,
    InvalidRequest,
    MalformedJson,
    ObjectNotFound,
    PayloadTooLarge,
    ServiceUnavailable,
    TaskNotCancellable,
    TaskNotFound,
    TaskNotRedrivable,
    TaskNotRetryable,
    TaskNotStarted,
    UnsupportedMediaType,
)
from sluiceway.api.framework import Call, Response, Route
from sluiceway.api.models import (
    QUEUED,
    TASK_ID_PATTERN,
    EventList,
    EventsQuery,
    Health,
    ListTasksQuery,
    SearchQuery,
    SearchResults,
    StepOut,
    SubmitTask,
    Submitted,
    TaskAction,
    TaskDetail,
    TaskList,
)
from sluiceway.api.submit import submit_task, task_links

if TYPE_CHECKING:
    from collections.abc import Callable

    from sluiceway.domain.tasks import Task

_TASK_ID = re.compile(TASK_ID_PATTERN)


# Health and spec ------------------------------------------------------------------------------


def health(call: Call) -> Response:
    try:
        call.backend.data.ping()
    except Exception as exc:
        raise ServiceUnavailable(f"the database is not reachable: {type(exc).__name__}") from exc
    return Response(200, Health(version=__version__))


def openapi(_call: Call) -> Response:
    from sluiceway.api.openapi import spec

    return Response(200, spec())


# Reading --------------------------------------------------------------------------------------


def _task_id(call: Call) -> str:
    task_id = call.params["task_id"]
    if not _TASK_ID.match(task_id):
        raise TaskNotFound(f"no task {task_id!r}: task ids are letters, digits, '.', '_', '-'")
    return task_id


def _not_found(task_id: str) -> TaskNotFound:
    return TaskNotFound(f"no task {task_id} (a task is visible to its own tenant only)")


def _filename(task: Task) -> str | None:
    name = task.input.get("filename")
    if isinstance(name, str):
        return name
    return PurePosixPath(task.source_name).name if task.source_name else None


def _detail(call: Call, task: Task) -> TaskDetail:
    result = task.result or {}
    fields = result.get("fields")
    return TaskDetail(
        task_id=task.id,
        status=task.status,
        pipeline=task.pipeline,
        filename=_filename(task),
        document_type=task.document_type,
        error=task.error,
        message=task.cause,
        created_at=task.created_at,
        started_at=task.started_at,
        finished_at=task.finished_at,
        fields=fields if isinstance(fields, dict) else None,
        cost_usd=round(call.backend.data.task_cost(task.id), 8),
        duration_seconds=task.duration_seconds,
        executions=task.executions,
        steps=[StepOut.model_validate(s.model_dump()) for s in task.steps],
        links=task_links(call.request, task.id),
    )


def get_task(call: Call) -> Response:
    task_id = _task_id(call)
    data = call.backend.data
    task = data.get_task(call.tenant, task_id)
    if task is not None:
        return Response(200, _detail(call, task))
    queued = data.get_submission(call.tenant, task_id)
    if queued is None:
        raise _not_found(task_id)
    s = queued.submission
    return Response(
        200,
        TaskDetail(
            task_id=s.task_id,
            status=QUEUED,
            pipeline=s.pipeline,
            filename=s.filename,
            created_at=queued.created_at,
            cost_usd=0.0,
            steps=[],
            links=task_links(call.request, s.task_id),
        ),
    )


def list_tasks(call: Call) -> Response:
    query = call.query_as(ListTasksQuery)
    tasks = call.backend.data.list_tasks(call.tenant, query.status, query.limit)
    return Response(200, TaskList(tasks=tasks))


def list_events(call: Call) -> Response:
    query = call.query_as(EventsQuery)
    task_id = _task_id(call)
    data = call.backend.data
    task = data.get_task(call.tenant, task_id)
    if task is None:
        if data.get_submission(call.tenant, task_id) is None:
            raise _not_found(task_id)
        return Response(
            200, EventList(task_id=task_id, status=QUEUED, events=[], next_after=query.after)
        )
    events = data.list_events(task_id, query.after, query.limit)
    next_after = events[-1].id if events else query.after
    return Response(
        200, EventList(task_id=task_id, status=task.status, events=events, next_after=next_after)
    )


def search(call: Call) -> Response:
    query = call.query_as(SearchQuery)
    hits = call.backend.data.search(call.tenant, query.q, query.limit)
    return Response(200, SearchResults(query=query.q, results=hits))


# Acting on a task ------------------------------------------------------------------------------


def _started_task(call: Call, action: str) -> Task:
    task_id = _task_id(call)
    data = call.backend.data
    task = data.get_task(call.tenant, task_id)
    if task is not None:
        return task
    if data.get_submission(call.tenant, task_id) is not None:
        raise TaskNotStarted(
            f"task {task_id} is QUEUED: the ingest function has not started it yet; {action} it "
            "once it has"
        )
    raise _not_found(task_id)


def retry_task(call: Call) -> Response:
    return _run_again(call, "retry", call.backend.data.requeue_task, TaskNotRetryable)


def redrive_task(call: Call) -> Response:
    return _run_again(call, "redrive", call.backend.data.redrive_task, TaskNotRedrivable)


def _run_again(
    call: Call, action: str, again: Callable[[str], bool], refused: type[Conflict]
) -> Response:
    """Retry or redrive: only a FAILED or CANCELLED task goes back to PENDING (202)."""
    task = _started_task(call, action)
    if task.status not in ("FAILED", "CANCELLED") or not again(task.id):
        done = {"retry": "retried", "redrive": "redriven"}[action]
        raise refused(
            f"task {task.id} is {task.status}: only FAILED or CANCELLED tasks can be {done}"
        )
    links = task_links(call.request, task.id)
    return Response(
        202, TaskAction(task_id=task.id, status="PENDING", links=links), {"Location": links["self"]}
    )


def cancel_task(call: Call) -> Response:
    task = _started_task(call, "cancel")
    if task.status not in ("PENDING", "RUNNING") or not call.backend.data.cancel_task(task.id):
        raise TaskNotCancellable(
            f"task {task.id} is {task.status}: only PENDING or RUNNING tasks can be cancelled"
        )
    links = task_links(call.request, task.id)
    return Response(200, TaskAction(task_id=task.id, status="CANCELLED", links=links))


_BODY_ERRORS = (
    MalformedJson,
    InvalidRequest,
    ObjectNotFound,
    Forbidden,
    PayloadTooLarge,
    DocumentTooLarge,
    UnsupportedMediaType,
)

ROUTES: tuple[Route, ...] = (
    Route(
        "GET",
        "/health",
        health,
        "getHealth",
        "Liveness, with the database reachable",
        response=Health,
        auth=False,
        errors=(ServiceUnavailable,),
    ),
    Route(
        "GET",
        "/openapi.json",
        openapi,
        "getOpenApi",
        "This API's OpenAPI 3.1 description",
        auth=False,
    ),
    Route(
        "POST",
        "/tasks",
        submit_task,
        "submitTask",
        "Submit a document",
        status=202,
        response=Submitted,
        body=SubmitTask,
        errors=_BODY_ERRORS,
        description="Stores an uploaded document under uploads/<tenant>/<task_id>/<filename> "
        "(or takes an object already under uploads/<tenant>/), enqueues it on the ingest queue "
        "and answers 202 with the task id and a Location header. The task is QUEUED until the "
        "ingest function starts its execution. Send an Idempotency-Key header to make retries "
        "of the same request submit the document once.",
    ),
    Route(
        "GET",
        "/tasks",
        list_tasks,
        "listTasks",
        "The tenant's tasks, newest first",
        query=ListTasksQuery,
        response=TaskList,
        errors=(InvalidRequest,),
    ),
    Route(
        "GET",
        "/tasks/{task_id}",
        get_task,
        "getTask",
        "A task with its per-step progress, extracted fields and cost",
        response=TaskDetail,
        errors=(TaskNotFound,),
    ),
    Route(
        "GET",
        "/tasks/{task_id}/events",
        list_events,
        "listTaskEvents",
        "A task's progress events (poll with ?after=next_after)",
        query=EventsQuery,
        response=EventList,
        errors=(InvalidRequest, TaskNotFound),
    ),
    Route(
        "POST",
        "/tasks/{task_id}/retry",
        retry_task,
        "retryTask",
        "Run a FAILED or CANCELLED task again from its last completed step",
        status=202,
        response=TaskAction,
        errors=(TaskNotFound, TaskNotStarted, TaskNotRetryable),
    ),
    Route(
        "POST",
        "/tasks/{task_id}/redrive",
        redrive_task,
        "redriveTask",
        "Go on from the unsuccessful states of a FAILED or CANCELLED task's execution "
        "(RedriveExecution: a failure caught into a Fail state fails again)",
        status=202,
        response=TaskAction,
        errors=(TaskNotFound, TaskNotStarted, TaskNotRedrivable),
    ),
    Route(
        "POST",
        "/tasks/{task_id}/cancel",
        cancel_task,
        "cancelTask",
        "Cancel a PENDING or RUNNING task",
        response=TaskAction,
        errors=(TaskNotFound, TaskNotStarted, TaskNotCancellable),
    ),
    Route(
        "GET",
        "/search",
        search,
        "search",
        "Semantic search over the tenant's document chunks",
        query=SearchQuery,
        response=SearchResults,
        errors=(InvalidRequest,),
    ),
)
