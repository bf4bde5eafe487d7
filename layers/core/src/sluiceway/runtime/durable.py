"""Durable steps: a completed step's output is checkpointed before the task moves on; a step that
already completed for (task, step, item) returns its checkpoint instead of running again, so a
resumed or redelivered task never repeats work (or pays twice for a model call)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sluiceway.domain.steps import Usage
from sluiceway.ports import StepRecord

if TYPE_CHECKING:
    from collections.abc import Callable

    from sluiceway.ports import StateStore


def durable_step(
    store: StateStore, task_id: str, step: str, item: str, compute: Callable[[], dict[str, Any]]
) -> dict[str, Any]:
    done = store.get_checkpoint(task_id, step, item)
    if done is not None:
        store.step_resumed(task_id, step, item)
        return done
    started_at = datetime.now(UTC)
    store.step_started(task_id, step, item)
    with store.collecting():
        try:
            output = compute()
        except Exception as exc:
            store.step_failed(task_id, step, item, type(exc).__name__, str(exc))
            raise
        raw_usage = output.get("usage")
        usage = Usage.model_validate(raw_usage) if isinstance(raw_usage, dict) else None
        record = StepRecord(output=output, usage=usage)
        store.step_succeeded(task_id, step, item, record, started_at)
    return output
