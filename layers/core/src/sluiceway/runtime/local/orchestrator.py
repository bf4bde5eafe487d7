"""The embedded runtime's ``Orchestrator``: starting an execution is creating its task row
(PENDING), which a worker claims; workers waiting for work are woken with NOTIFY."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sluiceway.adapters.postgres.store import PostgresStateStore


class LocalOrchestrator:
    def __init__(self, store: PostgresStateStore) -> None:
        self.store = store

    def start_execution(
        self,
        pipeline: str,
        task_id: str,
        input: dict[str, Any],
        tenant_id: str,
        source_name: str | None,
    ) -> bool:
        return self.store.create_task(
            task_id, tenant_id, pipeline, input, source_name, if_absent=True
        )

    def retry(self, pipeline: str, task_id: str) -> bool:
        """PENDING again: a worker claims it and replays it, finished steps from checkpoints."""
        return self.store.requeue_task(task_id)

    def redrive(self, pipeline: str, task_id: str) -> bool:
        """PENDING again, to go on from its unsuccessful states (the worker reads its history)."""
        return self.store.redrive_task(task_id)
