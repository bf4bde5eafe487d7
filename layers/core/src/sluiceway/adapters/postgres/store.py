"""The Postgres state store: tasks, checkpoints, events, documents (one SQL text for all servers)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from psycopg.types.json import Jsonb

from sluiceway.adapters.postgres.db import Database, Row, q
from sluiceway.domain.tasks import StepProgress, Task
from sluiceway.runtime.commits import hand_over

if TYPE_CHECKING:
    from sluiceway.adapters.postgres.writer import GroupCommitWriter
    from sluiceway.ports import DocumentRecord, StepRecord


# The checkpoints of the execution running in this context, loaded once when it starts: a worker
# holds its task's lease, so nobody else completes its steps meanwhile.
_known: ContextVar[tuple[str, dict[tuple[str, str], dict[str, Any]]] | None] = ContextVar(
    "sluiceway_checkpoints", default=None
)


# Statements a running step asked to commit together with its checkpoint (see ``defer``).
_pending: ContextVar[list[tuple[str, dict[str, Any]]] | None] = ContextVar(
    "sluiceway_pending", default=None
)


class PostgresStateStore:
    """Implements the ``StateStore`` port, plus the task operations the runtimes and CLI use.

    With a :class:`GroupCommitWriter`, writes of many executions share transactions: progress
    events are queued without waiting, checkpoints wait for their commit."""

    def __init__(self, db: Database, writer: GroupCommitWriter | None = None) -> None:
        self.db = db
        self.writer = writer

    # Durable steps ------------------------------------------------------------------------------

    def load_checkpoints(
        self, task_id: str, *, first_execution: bool
    ) -> dict[tuple[str, str], dict[str, Any]]:
        """The task's checkpoints by (step, item); a first execution has none to load."""
        if first_execution:
            return {}
        return {
            (row["step"], row["item"]): dict(row["output"])
            for row in self.db.fetch_all("task_checkpoint_outputs", task_id=task_id)
        }

    def use_checkpoints(
        self, task_id: str, found: dict[tuple[str, str], dict[str, Any]]
    ) -> Token[Any]:
        """Serve ``get_checkpoint`` for this task from ``found`` in the current context (and the
        threads it starts). Returns the token to reset it with."""
        return _known.set((task_id, found))

    def forget_checkpoints(self, token: Token[Any]) -> None:
        _known.reset(token)

    @contextmanager
    def collecting(self) -> Iterator[None]:
        """While a durable step runs: statements given to :meth:`defer` commit with its
        checkpoint, in one transaction (or not at all, if the step fails)."""
        token = _pending.set([])
        try:
            yield
        finally:
            _pending.reset(token)

    def defer(self, query: str, /, **params: Any) -> None:
        """Run a named statement with the current step's checkpoint (at once outside a step):
        the step's writes and its completion become durable together."""
        pending = _pending.get()
        if pending is None:
            self.db.execute(query, **params)
        else:
            pending.append((query, params))

    def get_checkpoint(self, task_id: str, step: str, item: str) -> dict[str, Any] | None:
        known = _known.get()
        if known is not None and known[0] == task_id:
            return known[1].get((step, item))
        row = self.db.fetch_one("get_checkpoint", task_id=task_id, step=step, item=item)
        return None if row is None else dict(row["output"])

    def _write(self, statements: list[tuple[str, dict[str, Any]]], *, wait: bool = True) -> None:
        if self.writer is not None:
            future = self.writer.submit(statements)
            if wait and not hand_over(future):
                future.result()
            return
        with self.db.connection() as conn:
            for name, params in statements:
                conn.execute(q(name), params)

    @staticmethod
    def _event_params(
        task_id: str, kind: str, step: str | None, item: str | None, **detail: Any
    ) -> dict[str, Any]:
        return {
            "task_id": task_id,
            "kind": kind,
            "step": step,
            "item": item,
            "detail": Jsonb(detail),
            "at": datetime.now(UTC),
        }

    def _event(
        self, task_id: str, kind: str, step: str | None, item: str | None, **detail: Any
    ) -> None:
        self._write(
            [("add_event", self._event_params(task_id, kind, step, item, **detail))], wait=False
        )

    def step_started(self, task_id: str, step: str, item: str) -> None:
        self._event(task_id, "step.started", step, item)

    def step_resumed(self, task_id: str, step: str, item: str) -> None:
        self._event(task_id, "step.resumed", step, item)

    def step_failed(self, task_id: str, step: str, item: str, error: str, message: str) -> None:
        self._event(task_id, "step.failed", step, item, error=error, message=message)

    def step_succeeded(
        self,
        task_id: str,
        step: str,
        item: str,
        record: StepRecord | None,
        started_at: datetime | None,
    ) -> None:
        """The checkpoint and its event commit together, before the step is reported complete
        (the writer waits here, or hands the commit to an invoker that awaits it)."""
        usage = record.usage if record else None
        pending = _pending.get()
        statements: list[tuple[str, dict[str, Any]]] = list(pending or [])
        if pending:
            pending.clear()
        if record is not None:
            statements.append(
                (
                    "save_checkpoint",
                    {
                        "task_id": task_id,
                        "step": step,
                        "item": item,
                        "output": Jsonb(record.output),
                        "model": usage.model if usage else None,
                        "tokens_in": usage.tokens_in if usage else None,
                        "tokens_out": usage.tokens_out if usage else None,
                        "cost_usd": usage.cost_usd if usage else None,
                        "started_at": started_at,
                    },
                )
            )
            known = _known.get()
            if known is not None and known[0] == task_id:
                known[1][(step, item)] = record.output
        detail = {"model": usage.model} if usage else {}
        statements.append(
            ("add_event", self._event_params(task_id, "step.succeeded", step, item, **detail))
        )
        self._write(statements)

    # Documents ----------------------------------------------------------------------------------

    def save_document(self, doc: DocumentRecord) -> None:
        self.db.execute("upsert_document", **vars(doc))

    def set_document_type(self, task_id: str, document_type: str) -> None:
        self.db.execute("set_document_type", task_id=task_id, document_type=document_type)

    def set_document_fields(self, task_id: str, fields: dict[str, Any]) -> None:
        self.db.execute("set_document_fields", task_id=task_id, fields=Jsonb(fields))

    def record_result(self, task_id: str, result: dict[str, Any], document_type: str) -> None:
        self.db.execute(
            "record_result", id=task_id, result=Jsonb(result), document_type=document_type
        )

    def record_error(self, task_id: str, error: str, cause: str | None) -> None:
        self.db.execute("record_error", id=task_id, error=error, cause=cause)

    def task_cost(self, task_id: str) -> float:
        with self.db.connection() as conn:
            row = conn.execute(
                "SELECT coalesce(sum(cost_usd), 0) AS cost FROM step_checkpoints WHERE task_id = %s",
                (task_id,),
            ).fetchone()
        return float(row["cost"]) if row else 0.0

    # Tasks --------------------------------------------------------------------------------------

    def create_task(
        self,
        task_id: str,
        tenant_id: str,
        pipeline: str,
        input: dict[str, Any],
        source_name: str | None,
        *,
        if_absent: bool = False,
    ) -> bool:
        """Create a PENDING task (and wake idle workers). With ``if_absent``, an existing task of
        that id is left alone and False is returned: starting twice is a no-op."""
        with self.db.connection() as conn:
            row = conn.execute(
                q("insert_task_if_absent" if if_absent else "insert_task"),
                {
                    "id": task_id,
                    "tenant_id": tenant_id,
                    "pipeline": pipeline,
                    "input": Jsonb(input),
                    "source_name": source_name,
                },
            ).fetchone()
            if row is not None:
                conn.execute(q("notify_tasks"), {"pipeline": pipeline})
            return row is not None

    def ensure_manual_task(self, task_id: str, tenant_id: str, input: dict[str, Any]) -> None:
        self.db.execute("ensure_manual_task", id=task_id, tenant_id=tenant_id, input=Jsonb(input))

    def fail_exhausted_tasks(self, max_executions: int) -> int:
        """End (FAILED) the tasks whose worker died during each of ``max_executions`` runs."""
        return self.db.execute("fail_exhausted_tasks", max_executions=max_executions)

    def claim_tasks(self, owner: str, limit: int, lease_seconds: float) -> list[Row]:
        return self.db.fetch_all(
            "claim_tasks", owner=owner, limit=limit, lease_seconds=lease_seconds
        )

    def renew_leases(self, owner: str, ids: list[str], lease_seconds: float) -> None:
        if ids:
            self.db.execute("renew_leases", owner=owner, ids=ids, lease_seconds=lease_seconds)

    def finish_task(
        self, task_id: str, owner: str, status: str, error: str | None, cause: str | None
    ) -> None:
        """Record how the execution ended (only the lease holder can), with its event."""
        self._write(
            [
                (
                    "finish_task",
                    {
                        "id": task_id,
                        "owner": owner,
                        "status": status,
                        "error": error,
                        "cause": cause,
                    },
                )
            ]
        )

    def requeue_task(self, task_id: str) -> bool:
        return self.db.fetch_one("requeue_task", id=task_id) is not None

    def redrive_task(self, task_id: str) -> bool:
        return self.db.fetch_one("redrive_task", id=task_id) is not None

    def cancel_task(self, task_id: str) -> bool:
        return self.db.fetch_one("cancel_task", id=task_id) is not None

    def status_counts(self, ids: list[str]) -> dict[str, int]:
        return {r["status"]: int(r["n"]) for r in self.db.fetch_all("count_statuses", ids=ids)}

    def all_status_counts(self) -> dict[str, int]:
        return {r["status"]: int(r["n"]) for r in self.db.fetch_all("count_all_statuses")}

    def finished_steps(self, ids: list[str]) -> int:
        row = self.db.fetch_one("count_finished_steps", ids=ids)
        return int(row["n"]) if row else 0

    def get_task(self, task_id: str, *, with_steps: bool = True) -> Task | None:
        row = self.db.fetch_one("get_task", id=task_id)
        if row is None:
            return None
        task = Task.model_validate(row)
        if with_steps:
            task.steps = self.step_progress(task_id)
        return task

    def get_tasks(self, ids: list[str]) -> list[Task]:
        tasks = [Task.model_validate(r) for r in self.db.fetch_all("get_tasks", ids=ids)]
        for task in tasks:
            task.steps = self.step_progress(task.id)
        return tasks

    def list_tasks(self, tenant_id: str, status: str | None = None, limit: int = 50) -> list[Task]:
        rows = self.db.fetch_all("list_tasks", tenant_id=tenant_id, status=status, limit=limit)
        return [Task.model_validate(r) for r in rows]

    def step_progress(self, task_id: str) -> list[StepProgress]:
        steps = []
        for r in self.db.fetch_all("step_progress", task_id=task_id):
            kind = r["last_kind"]
            status = {
                "step.started": "RUNNING",
                "step.succeeded": "SUCCEEDED",
                "step.failed": "FAILED",
                "step.resumed": "RESUMED",
            }[kind]
            finished = r["finished_at"] if status != "RUNNING" else None
            steps.append(
                StepProgress(
                    name=r["step"],
                    status=status,
                    started_at=r["started_at"],
                    finished_at=finished,
                    items_done=int(r["items_done"]),
                )
            )
        return steps

    def record_history(self, params: dict[str, Any]) -> None:
        self._write([("add_history_event", params)], wait=False)

    def execution_history(self, task_id: str, execution: int | None = None) -> list[Row]:
        return self.db.fetch_all("execution_history", task_id=task_id, execution=execution)

    def list_events(self, task_id: str, after: int = 0) -> list[Row]:
        return self.db.fetch_all("list_events", task_id=task_id, after=after)

    def list_checkpoints(self, task_id: str) -> list[Row]:
        return self.db.fetch_all("list_checkpoints", task_id=task_id)
