"""Ingestion: turn queue messages (S3 object-created notifications, API submissions) into
pipeline executions. Ingestion only enqueues and starts: the pipeline does the work.

Keys follow ``incoming/<tenant>/<anything>``: the second segment names the tenant (a key with
fewer segments belongs to the default tenant). A task's id is derived from the object's identity
(bucket, key, and the event's sequencer), so a notification delivered twice starts one execution.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import asdict, dataclass
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote_plus

from sluiceway.errors import InvalidEvent

if TYPE_CHECKING:
    from sluiceway.ports import Orchestrator
    from sluiceway.runtime.deps import Deps

INCOMING = "incoming"
# API uploads live under their own prefix: S3 notifies `incoming/` only, so an uploaded document
# is started once (by its API submission), not a second time by its S3 notification.
UPLOADS = "uploads"
INGEST_QUEUE = "ingest"
INGEST_FUNCTION = "ingest"


@dataclass(frozen=True)
class Submission:
    task_id: str
    tenant_id: str
    pipeline: str
    bucket: str
    key: str
    filename: str

    def execution_input(self) -> dict[str, Any]:
        return {
            "task_id": self.task_id,
            "tenant_id": self.tenant_id,
            "bucket": self.bucket,
            "key": self.key,
            "filename": self.filename,
        }


def tenant_of(key: str, default: str) -> str:
    parts = PurePosixPath(key).parts
    return parts[1] if len(parts) >= 3 and parts[0] in (INCOMING, UPLOADS) else default


def _from_s3_record(record: dict[str, Any], pipeline: str, tenant: str) -> Submission | None:
    if record.get("eventSource") != "aws:s3" or not str(record.get("eventName", "")).startswith(
        "ObjectCreated:"
    ):
        return None
    try:
        bucket = record["s3"]["bucket"]["name"]
        obj = record["s3"]["object"]
        key = unquote_plus(obj["key"])
    except (KeyError, TypeError):
        raise InvalidEvent("an S3 record without s3.bucket.name and s3.object.key") from None
    identity = obj.get("sequencer") or obj.get("versionId") or obj.get("eTag") or ""
    task_id = uuid.uuid5(uuid.NAMESPACE_URL, f"s3://{bucket}/{key}?{identity}").hex
    return Submission(
        task_id=task_id,
        tenant_id=tenant_of(key, tenant),
        pipeline=pipeline,
        bucket=bucket,
        key=key,
        filename=PurePosixPath(key).name,
    )


def parse_message(body: str, *, pipeline: str, default_tenant: str) -> list[Submission]:
    """The submissions in one ingest-queue message body."""
    try:
        data = json.loads(body)
    except ValueError:
        raise InvalidEvent(f"the message body is not JSON: {body[:80]!r}") from None
    if not isinstance(data, dict):
        raise InvalidEvent("the message body must be a JSON object")
    if data.get("Event") == "s3:TestEvent":  # S3 sends this when notifications are configured
        return []
    if "Records" in data:
        records = data["Records"]
        if not isinstance(records, list):
            raise InvalidEvent("'Records' must be a list")
        found = [
            _from_s3_record(r, pipeline, default_tenant) for r in records if isinstance(r, dict)
        ]
        return [s for s in found if s is not None]
    if isinstance(data.get("submission"), dict):
        try:
            return [Submission(**data["submission"])]
        except TypeError as exc:
            raise InvalidEvent(f"invalid submission: {exc}") from None
    raise InvalidEvent("neither an S3 notification nor a submission")


def submission_message(submission: Submission) -> str:
    """The ingest-queue message for a submission (what the API enqueues)."""
    return json.dumps({"submission": asdict(submission)})


def start(orchestrator: Orchestrator, submission: Submission) -> bool:
    """Start the submission's execution; False if it had been started already."""
    return orchestrator.start_execution(
        submission.pipeline,
        submission.task_id,
        submission.execution_input(),
        submission.tenant_id,
        submission.filename,
    )


def process_message(
    body: str, orchestrator: Orchestrator, *, pipeline: str, default_tenant: str
) -> int:
    """Start every submission in a message; returns how many executions were new."""
    submissions = parse_message(body, pipeline=pipeline, default_tenant=default_tenant)
    return sum(start(orchestrator, s) for s in submissions)


def process_deps_message(body: str, deps: Deps) -> int:
    """The ingest function's record handler: starts executions through the process's ports."""
    settings = deps.settings
    return process_message(
        body, deps.orchestrator, pipeline=settings.ingest_pipeline, default_tenant=settings.tenant
    )
