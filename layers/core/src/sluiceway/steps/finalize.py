"""Finalize: record the task's result and what it cost."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sluiceway.domain.steps import FinalizeInput, FinalizeOutput

if TYPE_CHECKING:
    from sluiceway.runtime.deps import Deps


def run(event: FinalizeInput, deps: Deps) -> FinalizeOutput:
    cost = event.classification.usage.cost_usd + event.fields.usage.cost_usd
    result = FinalizeOutput(
        task_id=event.task_id,
        status="SUCCEEDED",
        document_type=event.classification.document_type,
        fields=event.fields.fields,
        chunks=event.chunks.count,
        cost_usd=round(cost, 8),
    )
    deps.store.record_result(event.task_id, result.model_dump(mode="json"), result.document_type)
    return result
