"""RecordFailure: keep a failed task's typed error and a readable message (the input stays in the
bucket, so nothing is lost and the task can be retried)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from sluiceway.domain.steps import RecordFailureInput, RecordFailureOutput

if TYPE_CHECKING:
    from sluiceway.runtime.deps import Deps


def readable_cause(cause: str | None) -> str:
    """Lambda's cause is JSON (``errorMessage``, ``errorType``, ``stackTrace``): keep the message."""
    if not cause:
        return ""
    try:
        parsed = json.loads(cause)
    except ValueError:
        return cause
    message = parsed.get("errorMessage") if isinstance(parsed, dict) else None
    return message if isinstance(message, str) else cause


def run(event: RecordFailureInput, deps: Deps) -> RecordFailureOutput:
    message = readable_cause(event.error.cause)
    deps.store.record_error(event.task_id, event.error.error, message)
    return RecordFailureOutput(
        task_id=event.task_id, status="FAILED", error=event.error.error, message=message
    )
