"""The API's operations and its route table (the OpenAPI spec is generated from it)."""

from __future__ import annotations

import re
import uuid
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from sluiceway import __version__
from sluiceway.api.errors import (
    Conflict,
    Forbidden,
    InvalidRequest,
    MalformedJson,
    PayloadTooLarge,
    ServiceUnavailable,
    TaskNotFound,
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
    ReferenceTask,
    SearchQuery,
    SearchResults,
    StepOut,
    SubmitTask,
    Submitted,
    TaskAction,
    TaskDetail,
    TaskList,
    UploadTask,
)
from sluiceway.ingest import INCOMING, Submission, submission_message
from sluiceway.ports import OutgoingMessage

if TYPE_CHECKING:
    from sluiceway.api.framework import Request
    from sluiceway.domain.tasks import Task

IDEMPOTENCY_HEADER = "Idempotency-Key"
_TASK_ID = re.compile(TASK_ID_PATTERN)


def _links(request: Request, task_id: str) -> dict[str, str]:
    return {
        "self": request.link(f"/tasks/{task_id}"),
        "events": request.link(f"/tasks/{task_id}/events"),
    }


def _invalid(loc: str, message: str, kind: str) -> InvalidRequest:
    return InvalidRequest(
        f"{loc}: {message}", details=[{"loc": loc, "message": message, "type": kind}]
    )


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


# Submitting -----------------------------------------------------------------------------------


def _new_task_id(call: Call) -> str:
    """A fresh id; with an ``Idempotency-Key``, the same id for the same key and tenant, so a
    client retrying a POST whose answer it lost submits the document once."""
    key = call.request.header(IDEMPOTENCY_HEADER)
    if key is None:
        return uuid.uuid4().hex
    if not 1 <= len(key) <= 255:
        raise _invalid(IDEMPOTENCY_HEADER, "must be 1 to 255 characters", "string_length")
    return uuid.uuid5(uuid.NAMESPACE_URL, f"sluiceway-api:{call.tenant}:{key}").hex


def _submitted(call: Call, submission: Submission, status: int = 202) -> Response:
    body = Submitted(
        task_id=submission.task_id,
        pipeline=submission.pipeline,
        bucket=submission.bucket,
        key=submission.key,
        filename=submission.filename,
        links=_links(call.request, submission.task_id),
    )
    location = call.request.link(f"/tasks/{submission.task_id}")
    return Response(status, body, {"Location": location})


def _existing(call: Call, task_id: str) -> Submission | None:
    data = call.backend.data
    task = data.get_task(call.tenant, task_id)
    if task is not None:
        return Submission(
            task_id=task.id,
            tenant_id=task.tenant_id,
            pipeline=task.pipeline,
            bucket=str(task.input.get("bucket", "")),
            key=str(task.input.get("key", "")),
            filename=str(task.input.get("filename", "")),
        )
    queued = data.get_submission(call.tenant, task_id)
    return None if queued is None else queued.submission


def _store_upload(call: Call, body: UploadTask, task_id: str) -> tuple[str, str, str]:
    backend = call.backend
    content = body.content()
    if not content:
        raise _invalid("content_base64", "the document is empty (no bytes)", "empty_document")
    if len(content) > backend.max_document_bytes:
        raise PayloadTooLarge(
            f"the document is {len(content)} bytes; the limit is {backend.max_document_bytes}",
            error="DocumentTooLarge",
        )
    key = f"{INCOMING}/{call.tenant}/{task_id}/{body.filename}"
    backend.objects.put(key, content)
    return backend.objects.bucket, key, body.filename


def _check_reference(call: Call, body: ReferenceTask) -> tuple[str, str, str]:
    objects = call.backend.objects
    if body.bucket != objects.bucket:
        raise _invalid("bucket", f"unknown bucket; documents live in {objects.bucket!r}", "bucket")
    parts = PurePosixPath(body.key).parts
    prefix = f"{INCOMING}/{call.tenant}/"
    if (
        len(parts) < 3
        or not body.key.startswith(prefix)
        or any(p in ("..", ".") for p in body.key.split("/"))
    ):
        raise Forbidden(f"the key must be under your tenant's prefix {prefix}")
    if not objects.exists(body.key):
        raise InvalidRequest(
            f"no object {body.key!r} in bucket {objects.bucket!r}", error="ObjectNotFound"
        )
    return objects.bucket, body.key, body.filename or parts[-1]


def submit_task(call: Call) -> Response:
    backend = call.backend
    body = call.body
    assert isinstance(body, UploadTask | ReferenceTask)
    pipeline = body.pipeline or backend.default_pipeline
    known = backend.pipelines()
    if known and pipeline not in known:
        raise _invalid(
            "pipeline", f"unknown pipeline; known: {', '.join(sorted(known))}", "pipeline"
        )
    task_id = _new_task_id(call)
    existing = _existing(call, task_id)
    if existing is not None:
        return _submitted(call, existing)
    if isinstance(body, UploadTask):
        bucket, key, filename = _store_upload(call, body, task_id)
    else:
        bucket, key, filename = _check_reference(call, body)
    submission = Submission(task_id, call.tenant, pipeline, bucket, key, filename)
    if not backend.data.add_submission(submission):  # the same Idempotency-Key, concurrently
        return _submitted(call, submission)
    try:
        backend.ingest_queue().send(OutgoingMessage(body=submission_message(submission)))
    except BaseException:
        backend.data.remove_submission(task_id)
        raise
    return _submitted(call, submission)


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
        links=_links(call.request, task.id),
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
            links=_links(call.request, s.task_id),
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
        raise Conflict(
            f"task {task_id} is QUEUED: the ingest function has not started it yet; {action} it "
            "once it has",
            error="TaskNotStarted",
        )
    raise _not_found(task_id)


def retry_task(call: Call) -> Response:
    task = _started_task(call, "retry")
    if task.status not in ("FAILED", "CANCELLED") or not call.backend.data.requeue_task(task.id):
        raise Conflict(
            f"task {task.id} is {task.status}: only FAILED or CANCELLED tasks can be retried",
            error="TaskNotRetryable",
        )
    links = _links(call.request, task.id)
    return Response(
        202, TaskAction(task_id=task.id, status="PENDING", links=links), {"Location": links["self"]}
    )


def cancel_task(call: Call) -> Response:
    task = _started_task(call, "cancel")
    if task.status not in ("PENDING", "RUNNING") or not call.backend.data.cancel_task(task.id):
        raise Conflict(
            f"task {task.id} is {task.status}: only PENDING or RUNNING tasks can be cancelled",
            error="TaskNotCancellable",
        )
    links = _links(call.request, task.id)
    return Response(200, TaskAction(task_id=task.id, status="CANCELLED", links=links))


_BODY_ERRORS = (MalformedJson, InvalidRequest, PayloadTooLarge, UnsupportedMediaType)

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
        errors=(*_BODY_ERRORS, Forbidden),
        description="Stores an uploaded document under incoming/<tenant>/<task_id>/<filename> "
        "(or takes an object already under incoming/<tenant>/), enqueues it on the ingest queue "
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
        errors=(TaskNotFound, Conflict),
    ),
    Route(
        "POST",
        "/tasks/{task_id}/cancel",
        cancel_task,
        "cancelTask",
        "Cancel a PENDING or RUNNING task",
        response=TaskAction,
        errors=(TaskNotFound, Conflict),
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
