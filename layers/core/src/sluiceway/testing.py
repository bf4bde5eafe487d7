"""In-memory implementations of the ports, for unit tests of steps and of durable steps."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sluiceway.ports import DocumentRecord, StepRecord


@dataclass
class InMemoryStateStore:
    """Implements ``StateStore``; ``events`` is the list of (kind, step, item) in order."""

    checkpoints: dict[tuple[str, str, str], StepRecord] = field(default_factory=dict)
    events: list[tuple[str, str, str]] = field(default_factory=list)
    documents: dict[str, DocumentRecord] = field(default_factory=dict)
    results: dict[str, dict[str, Any]] = field(default_factory=dict)
    errors: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    document_types: dict[str, str] = field(default_factory=dict)
    fields: dict[str, dict[str, Any]] = field(default_factory=dict)

    @contextmanager
    def collecting(self) -> Iterator[None]:
        yield

    def get_checkpoint(self, task_id: str, step: str, item: str) -> dict[str, Any] | None:
        record = self.checkpoints.get((task_id, step, item))
        return None if record is None else record.output

    def step_started(self, task_id: str, step: str, item: str) -> None:
        self.events.append(("step.started", step, item))

    def step_resumed(self, task_id: str, step: str, item: str) -> None:
        self.events.append(("step.resumed", step, item))

    def step_failed(self, task_id: str, step: str, item: str, error: str, message: str) -> None:
        self.events.append(("step.failed", step, item))

    def step_succeeded(
        self, task_id: str, step: str, item: str, record: StepRecord | None, started_at: Any
    ) -> None:
        if record is not None:
            self.checkpoints.setdefault((task_id, step, item), record)
        self.events.append(("step.succeeded", step, item))

    def save_document(self, doc: DocumentRecord) -> None:
        self.documents[doc.task_id] = doc

    def set_document_type(self, task_id: str, document_type: str) -> None:
        self.document_types[task_id] = document_type

    def set_document_fields(self, task_id: str, fields: dict[str, Any]) -> None:
        self.fields[task_id] = fields

    def record_result(self, task_id: str, result: dict[str, Any], document_type: str) -> None:
        self.results[task_id] = result

    def record_error(self, task_id: str, error: str, cause: str | None) -> None:
        self.errors[task_id] = (error, cause)

    def task_cost(self, task_id: str) -> float:
        return sum(
            r.usage.cost_usd
            for (t, _, _), r in self.checkpoints.items()
            if t == task_id and r.usage
        )
