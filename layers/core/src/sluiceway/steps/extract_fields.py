"""ExtractFields: ask a model for the fields of the document's type, validated against its schema."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from sluiceway.domain.fields import schema_for
from sluiceway.domain.steps import ExtractFieldsInput, ExtractFieldsOutput
from sluiceway.ports import ModelRequest
from sluiceway.steps.model_calls import ask_json, clip

if TYPE_CHECKING:
    from sluiceway.runtime.deps import Deps


def system_prompt(document_type: str) -> str:
    schema = schema_for(document_type).model_json_schema()
    return (
        f"TASK: extract_fields\nTYPE: {document_type}\n"
        f"Extract the fields of this {document_type} as a JSON object matching this JSON schema; "
        f"use null for a field the document does not state.\n{json.dumps(schema)}"
    )


def run(event: ExtractFieldsInput, deps: Deps) -> ExtractFieldsOutput:
    tier = event.plan.model_tier
    text = clip(deps.objects.get(event.plan.text_key).decode("utf-8"), tier)
    request = ModelRequest(
        tenant=event.tenant_id,
        purpose="extract_fields",
        tier=tier,
        messages=[
            {"role": "system", "content": system_prompt(event.document_type)},
            {"role": "user", "content": text},
        ],
    )
    fields, usage = ask_json(deps.models, request, schema_for(event.document_type))
    values = fields.model_dump(mode="json")
    deps.store.set_document_fields(event.task_id, values)
    return ExtractFieldsOutput(document_type=event.document_type, fields=values, usage=usage)
