"""``POST /v1/tasks``: store or check the document, remember the submission, enqueue it on the
ingest queue, answer 202. The pipeline is started by the ingest function, never here."""

from __future__ import annotations

import uuid
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from sluiceway.api.errors import DocumentTooLarge, Forbidden, InvalidRequest, ObjectNotFound
from sluiceway.api.framework import Response
from sluiceway.api.models import ReferenceTask, Submitted, UploadTask
from sluiceway.ingest import UPLOADS, Submission, submission_message
from sluiceway.ports import OutgoingMessage

if TYPE_CHECKING:
    from sluiceway.api.framework import Call, Request

IDEMPOTENCY_HEADER = "Idempotency-Key"


def task_links(request: Request, task_id: str) -> dict[str, str]:
    return {
        "self": request.link(f"/tasks/{task_id}"),
        "events": request.link(f"/tasks/{task_id}/events"),
    }


def invalid(loc: str, message: str, kind: str) -> InvalidRequest:
    return InvalidRequest(
        f"{loc}: {message}", details=[{"loc": loc, "message": message, "type": kind}]
    )


def _new_task_id(call: Call) -> str:
    """A fresh id; with an ``Idempotency-Key``, the same id for the same key and tenant, so a
    client retrying a POST whose answer it lost submits the document once."""
    key = call.request.header(IDEMPOTENCY_HEADER)
    if key is None:
        return uuid.uuid4().hex
    if not 1 <= len(key) <= 255:
        raise invalid(IDEMPOTENCY_HEADER, "must be 1 to 255 characters", "string_length")
    return uuid.uuid5(uuid.NAMESPACE_URL, f"sluiceway-api:{call.tenant}:{key}").hex


def _submitted(call: Call, submission: Submission) -> Response:
    body = Submitted(
        task_id=submission.task_id,
        pipeline=submission.pipeline,
        bucket=submission.bucket,
        key=submission.key,
        filename=submission.filename,
        links=task_links(call.request, submission.task_id),
    )
    return Response(202, body, {"Location": body.links["self"]})


def _existing(call: Call, task_id: str) -> Submission | None:
    """What an earlier request with the same idempotency key submitted."""
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
        raise invalid("content_base64", "the document is empty (no bytes)", "empty_document")
    if len(content) > backend.max_document_bytes:
        raise DocumentTooLarge(
            f"the document is {len(content)} bytes; the limit is {backend.max_document_bytes}"
        )
    key = f"{UPLOADS}/{call.tenant}/{task_id}/{body.filename}"
    backend.objects.put(key, content)
    return backend.objects.bucket, key, body.filename


def _check_reference(call: Call, body: ReferenceTask) -> tuple[str, str, str]:
    """Only the caller's own prefix: a tenant cannot have another tenant's documents read."""
    objects = call.backend.objects
    if body.bucket != objects.bucket:
        raise invalid("bucket", f"unknown bucket; documents live in {objects.bucket!r}", "bucket")
    prefix = f"{UPLOADS}/{call.tenant}/"
    segments = body.key.split("/")
    if (
        not body.key.startswith(prefix)
        or len(segments) < 3
        or not segments[-1]
        or any(s in ("", ".", "..") for s in segments)
    ):
        raise Forbidden(f"the key must name an object under your tenant's prefix {prefix}")
    if not objects.exists(body.key):
        raise ObjectNotFound(f"no object {body.key!r} in bucket {objects.bucket!r}")
    return objects.bucket, body.key, body.filename or PurePosixPath(body.key).name


def submit_task(call: Call) -> Response:
    backend = call.backend
    body = call.body
    if not isinstance(body, UploadTask | ReferenceTask):
        raise TypeError("submit_task needs a validated SubmitTask body")
    pipeline = body.pipeline or backend.default_pipeline
    known = backend.pipelines()
    if known and pipeline not in known:
        raise invalid("pipeline", f"unknown pipeline; known: {', '.join(sorted(known))}", "enum")
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
