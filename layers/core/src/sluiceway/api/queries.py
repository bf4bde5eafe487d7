"""``ApiData`` over Postgres (named queries in ``adapters/postgres/sql/api.sql``), and API keys."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sluiceway.api.auth import check_tenant, display_prefix, hash_key, new_key
from sluiceway.api.backend import QueuedSubmission
from sluiceway.api.models import EventOut, SearchHit, TaskSummary
from sluiceway.domain.tasks import Task
from sluiceway.ingest import Submission

if TYPE_CHECKING:
    from sluiceway.adapters.postgres.db import Database
    from sluiceway.runtime.deps import Deps


def create_api_key(db: Database, tenant_id: str, name: str | None = None) -> str:
    """A new key for ``tenant_id``; only its hash is stored, so this is the one chance to see it."""
    key = new_key()
    db.execute(
        "api_insert_key",
        key_hash=hash_key(key),
        tenant_id=check_tenant(tenant_id),
        prefix=display_prefix(key),
        name=name,
    )
    return key


class PostgresApiData:
    """Implements ``ApiData`` with the process's store, vectors and embedder."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps
        self.db = deps.db

    def ping(self) -> None:
        self.db.fetch_one("api_ping")

    def tenant_for_key(self, key_hash: str) -> str | None:
        row = self.db.fetch_one("api_key_tenant", key_hash=key_hash)
        return None if row is None else str(row["tenant_id"])

    def add_submission(self, submission: Submission) -> bool:
        row = self.db.fetch_one(
            "api_insert_submission",
            task_id=submission.task_id,
            tenant_id=submission.tenant_id,
            pipeline=submission.pipeline,
            bucket=submission.bucket,
            key=submission.key,
            filename=submission.filename,
        )
        return row is not None

    def remove_submission(self, task_id: str) -> None:
        self.db.execute("api_delete_submission", task_id=task_id)

    def get_submission(self, tenant_id: str, task_id: str) -> QueuedSubmission | None:
        row = self.db.fetch_one("api_get_submission", tenant_id=tenant_id, task_id=task_id)
        if row is None:
            return None
        created_at = row.pop("created_at")
        return QueuedSubmission(Submission(**row), created_at)

    def get_task(self, tenant_id: str, task_id: str) -> Task | None:
        row = self.db.fetch_one("api_get_task", tenant_id=tenant_id, task_id=task_id)
        if row is None:
            return None
        task = Task.model_validate(row)
        task.steps = self.deps.store.step_progress(task_id)
        return task

    def task_cost(self, task_id: str) -> float:
        return self.deps.store.task_cost(task_id)

    def list_tasks(self, tenant_id: str, status: str | None, limit: int) -> list[TaskSummary]:
        rows = self.db.fetch_all("api_list_tasks", tenant_id=tenant_id, status=status, limit=limit)
        return [TaskSummary.model_validate(r) for r in rows]

    def list_events(self, task_id: str, after: int, limit: int) -> list[EventOut]:
        rows = self.db.fetch_all("api_list_events", task_id=task_id, after=after, limit=limit)
        return [EventOut.model_validate(r) for r in rows]

    def requeue_task(self, task_id: str) -> bool:
        """Run the task again from its start, finished steps from checkpoints (a new execution)."""
        task = self.deps.store.get_task(task_id, with_steps=False)
        if task is None:
            return False
        return self.deps.orchestrator.retry(task.pipeline, task_id)

    def redrive_task(self, task_id: str) -> bool:
        """RedriveExecution: go on from the execution's unsuccessful states."""
        task = self.deps.store.get_task(task_id, with_steps=False)
        if task is None:
            return False
        return self.deps.orchestrator.redrive(task.pipeline, task_id)

    def cancel_task(self, task_id: str) -> bool:
        return self.deps.store.cancel_task(task_id)

    def search(self, tenant_id: str, query: str, limit: int) -> list[SearchHit]:
        vector = self.deps.embedder.embed([query])[0]
        return [
            SearchHit(
                task_id=hit["task_id"],
                chunk=int(hit["idx"]),
                filename=hit["filename"],
                document_type=hit["document_type"],
                score=round(float(hit["score"]), 4),
                text=hit["text"],
            )
            for hit in self.deps.vectors.search(tenant_id, vector, limit)
        ]
