"""Execution history of the embedded runtime, kept in Postgres like Step Functions keeps it:
every event of every execution of a task (``sluiceway tasks history TASK_ID``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from psycopg.types.json import Jsonb

if TYPE_CHECKING:
    from sluiceway.adapters.postgres.store import PostgresStateStore
    from sluiceway.asl import HistoryEvent


class HistoryRecorder:
    """A listener for one execution: its events go through the store's writer (batched with
    other executions' writes; they never hold an execution up)."""

    def __init__(self, store: PostgresStateStore, task_id: str, execution: int) -> None:
        self.store = store
        self.task_id = task_id
        self.execution = execution

    def __call__(self, event: HistoryEvent) -> None:
        self.store.record_history(
            {
                "task_id": self.task_id,
                "execution": self.execution,
                "id": event.id,
                "previous_event_id": event.previous_event_id,
                "type": event.type,
                "at": event.timestamp,
                "details": Jsonb(event.details),
                "position": event.position,
                "next_state": event.next_state,
            }
        )


def as_events(rows: list[dict[str, Any]]) -> list[HistoryEvent]:
    """Rows of ``execution_history`` as the interpreter's events (to redrive from)."""
    from sluiceway.asl import HistoryEvent

    return [
        HistoryEvent(
            type=row["type"],
            timestamp=row["at"],
            details=row["details"],
            id=row["id"],
            previous_event_id=row["previous_event_id"],
            position=row["position"],
            next_state=row["next_state"],
        )
        for row in rows
    ]


def details_key(event_type: str) -> str:
    """The field GetExecutionHistory puts an event's details in: every ``...StateEntered`` shares
    ``stateEnteredEventDetails`` (likewise ``...StateExited``); the others are named after
    their type (``LambdaFunctionScheduled`` -> ``lambdaFunctionScheduledEventDetails``)."""
    for suffix in ("StateEntered", "StateExited"):
        if event_type.endswith(suffix):
            return "state" + suffix.removeprefix("State") + "EventDetails"
    return event_type[0].lower() + event_type[1:] + "EventDetails"


def as_get_execution_history(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Rows of ``execution_history`` in GetExecutionHistory's shape: each event's details under
    ``<lowerCamelType>EventDetails``."""
    events = []
    for row in rows:
        event: dict[str, Any] = {
            "timestamp": row["at"].isoformat(),
            "type": row["type"],
            "id": row["id"],
            "previousEventId": row["previous_event_id"],
        }
        if row["details"]:
            event[details_key(row["type"])] = row["details"]
        events.append({"execution": row["execution"], **event})
    return {"events": events}
