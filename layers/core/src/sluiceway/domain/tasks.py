"""Tasks and their progress, as the store and the CLI see them."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel

TaskStatus = Literal["PENDING", "RUNNING", "SUCCEEDED", "FAILED", "CANCELLED"]
TERMINAL: frozenset[str] = frozenset({"SUCCEEDED", "FAILED", "CANCELLED"})
StepStatus = Literal["RUNNING", "SUCCEEDED", "FAILED", "RESUMED"]


class StepProgress(BaseModel):
    """One step of a task (a Map step folds all its items into one row)."""

    name: str
    status: StepStatus
    started_at: datetime | None
    finished_at: datetime | None
    items_done: int = 0


class Task(BaseModel):
    id: str
    tenant_id: str
    pipeline: str
    status: TaskStatus
    input: dict[str, Any]
    source_name: str | None = None
    document_type: str | None = None
    result: dict[str, Any] | None = None
    error: str | None = None
    cause: str | None = None
    executions: int = 0
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    steps: list[StepProgress] = []

    @property
    def duration_seconds(self) -> float | None:
        if self.started_at is None or self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()
