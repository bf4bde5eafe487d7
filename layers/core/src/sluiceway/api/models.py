"""Request and response bodies of the HTTP API (pydantic: validation, and the OpenAPI schemas)."""

from __future__ import annotations

import base64
import binascii
import re
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, field_validator

from sluiceway.domain.tasks import StepStatus, TaskStatus

#: A task submitted through the API whose execution the ingest function has not started yet.
QUEUED = "QUEUED"
ApiTaskStatus = Literal["QUEUED", "PENDING", "RUNNING", "SUCCEEDED", "FAILED", "CANCELLED"]
PIPELINE_PATTERN = r"^[a-z][a-z0-9_-]{0,63}$"
TASK_ID_PATTERN = r"^[A-Za-z0-9_.-]{1,80}$"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def check_filename(value: str) -> str:
    name = value.strip()
    if not name:
        raise ValueError("must not be empty")
    if "/" in name or "\\" in name or name in (".", ".."):
        raise ValueError("must be a file name, not a path")
    if _CONTROL.search(name):
        raise ValueError("must not contain control characters")
    return name


class UploadTask(_Request):
    """Upload a document in the request (base64). Requests are limited to 6 MiB (the Lambda
    payload limit): for larger documents put the object in the bucket and submit its key."""

    filename: str = Field(
        min_length=1,
        max_length=255,
        description="The document's file name; its extension "
        "tells the format (pdf, docx, html, md, txt, csv, json).",
        examples=["invoice.pdf"],
    )
    content_base64: str = Field(min_length=1, description="The document's bytes, base64.")
    pipeline: str | None = Field(
        default=None, pattern=PIPELINE_PATTERN, description="State machine (default: document)."
    )

    _check_filename = field_validator("filename")(check_filename)

    @field_validator("content_base64")
    @classmethod
    def _is_base64(cls, value: str) -> str:
        try:
            base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise ValueError("is not valid base64 (standard alphabet, with padding)") from None
        return value

    def content(self) -> bytes:
        return base64.b64decode(self.content_base64, validate=True)


class ReferenceTask(_Request):
    """Process an object already in the document bucket, under ``uploads/<tenant>/``."""

    bucket: str = Field(min_length=1, max_length=63, examples=["documents"])
    key: str = Field(min_length=1, max_length=1024, examples=["uploads/acme/2026-11/report.pdf"])
    filename: str | None = Field(
        default=None, min_length=1, max_length=255, description="Default: the key's last part."
    )
    pipeline: str | None = Field(
        default=None, pattern=PIPELINE_PATTERN, description="State machine (default: document)."
    )

    @field_validator("filename")
    @classmethod
    def _check_filename(cls, value: str | None) -> str | None:
        return None if value is None else check_filename(value)


def _submission_form(value: Any) -> str | None:
    if isinstance(value, dict):
        if "content_base64" in value or ("filename" in value and "key" not in value):
            return "upload"
        if "key" in value or "bucket" in value:
            return "reference"
    return None


SubmitTask = Annotated[
    Annotated[UploadTask, Tag("upload")] | Annotated[ReferenceTask, Tag("reference")],
    Discriminator(
        _submission_form,
        custom_error_type="invalid_submission",
        custom_error_message="give either filename and content_base64 (an upload) or bucket "
        "and key (an object already in the bucket)",
    ),
]


class ListTasksQuery(_Request):
    status: ApiTaskStatus | None = Field(default=None, description="Only tasks in this status.")
    limit: int = Field(default=50, ge=1, le=200, description="At most this many, newest first.")


class EventsQuery(_Request):
    after: int = Field(default=0, ge=0, description="Only events with an id above this one.")
    limit: int = Field(default=500, ge=1, le=1000)


class SearchQuery(_Request):
    q: str = Field(min_length=1, max_length=1000, description="What to look for.")
    limit: int = Field(default=5, ge=1, le=50)


# Responses ---------------------------------------------------------------------------------------


class Health(BaseModel):
    status: Literal["ok"] = "ok"
    version: str


class Submitted(BaseModel):
    task_id: str
    status: Literal["QUEUED"] = "QUEUED"
    pipeline: str
    bucket: str
    key: str
    filename: str
    links: dict[str, str]


class StepOut(BaseModel):
    name: str
    status: StepStatus
    started_at: datetime | None
    finished_at: datetime | None
    items_done: int = Field(description="Map steps: iterations completed.")


class TaskSummary(BaseModel):
    task_id: str
    status: ApiTaskStatus
    pipeline: str
    filename: str | None
    document_type: str | None = None
    error: str | None = Field(default=None, description="The typed error of a FAILED task.")
    message: str | None = Field(default=None, description="A readable cause of the error.")
    created_at: datetime = Field(description="When the task was started (QUEUED: submitted).")
    started_at: datetime | None = None
    finished_at: datetime | None = None


class TaskDetail(TaskSummary):
    fields: dict[str, Any] | None = Field(default=None, description="Extracted fields.")
    cost_usd: float = Field(description="Model calls so far, in US dollars.")
    duration_seconds: float | None = None
    executions: int = Field(default=0, description="How many times an execution ran it.")
    steps: list[StepOut] = Field(description="Per-step progress, in the order steps started.")
    links: dict[str, str]


class TaskList(BaseModel):
    tasks: list[TaskSummary]


class TaskAction(BaseModel):
    task_id: str
    status: TaskStatus
    links: dict[str, str]


class EventOut(BaseModel):
    id: int
    kind: str = Field(examples=["step.succeeded"])
    step: str | None
    item: str | None
    at: datetime
    detail: dict[str, Any]


class EventList(BaseModel):
    task_id: str
    status: ApiTaskStatus
    events: list[EventOut]
    next_after: int = Field(description="Pass as ?after= to get only newer events.")


class SearchHit(BaseModel):
    task_id: str
    chunk: int
    filename: str
    document_type: str | None
    score: float = Field(description="Cosine similarity, 1 is identical.")
    text: str


class SearchResults(BaseModel):
    query: str
    results: list[SearchHit]


class ErrorDetail(BaseModel):
    loc: str
    message: str
    type: str


class ErrorBody(BaseModel):
    error: str = Field(examples=["InvalidRequest"])
    message: str
    details: list[ErrorDetail] | None = None
    request_id: str | None = Field(default=None, description="On 500 errors: quote it.")
