"""Classify: ask a model which type of document this is."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

from sluiceway.domain.fields import DOCUMENT_TYPES
from sluiceway.domain.steps import ClassifyInput, ClassifyOutput
from sluiceway.ports import ModelRequest
from sluiceway.steps.model_calls import ask_json

if TYPE_CHECKING:
    from sluiceway.runtime.deps import Deps

# Classification needs the beginning of a document, not all of it.
CLASSIFY_CHARS = 8_000

SYSTEM = (
    "TASK: classify\n"
    "You classify business documents. Answer with a JSON object "
    '{"document_type": one of ' + ", ".join(f'"{t}"' for t in DOCUMENT_TYPES) + ", "
    '"confidence": a number between 0 and 1}.'
)


class _Answer(BaseModel):
    document_type: str
    confidence: float = Field(ge=0.0, le=1.0)


def run(event: ClassifyInput, deps: Deps) -> ClassifyOutput:
    text = deps.objects.get(event.plan.text_key).decode("utf-8")[:CLASSIFY_CHARS]
    request = ModelRequest(
        tenant=event.tenant_id,
        purpose="classify",
        tier="small",
        messages=[{"role": "system", "content": SYSTEM}, {"role": "user", "content": text}],
    )
    answer, usage = ask_json(deps.models, request, _Answer)
    doc_type = answer.document_type if answer.document_type in DOCUMENT_TYPES else "other"
    deps.store.set_document_type(event.task_id, doc_type)
    return ClassifyOutput(document_type=doc_type, confidence=answer.confidence, usage=usage)
