"""Inputs and outputs of the ``document`` pipeline's steps (the events their handlers receive).

Every step input carries ``task_id``: checkpoints are keyed by (task, step, item), where ``item``
identifies a Map iteration (empty for ordinary steps).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

ModelTier = Literal["small", "large"]


class StepInput(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    task_id: str = Field(min_length=1, max_length=80)
    tenant_id: str = "default"
    item: str = ""


class Usage(BaseModel):
    """What a model call cost, recorded with the step's checkpoint."""

    model: str
    tokens_in: int = 0
    tokens_out: int = 0
    cost_usd: float = 0.0


# Extract ---------------------------------------------------------------------------------------


class ExtractInput(StepInput):
    bucket: str
    key: str
    filename: str | None = None


class DocumentInfo(BaseModel):
    filename: str
    media_type: str
    title: str | None
    pages: int | None
    chars: int
    encoding: str | None
    sha256: str
    size_bytes: int
    text_key: str


class ExtractOutput(DocumentInfo):
    pass


# Plan ------------------------------------------------------------------------------------------


class PlanInput(StepInput):
    document: DocumentInfo


class ChunkingPlan(BaseModel):
    max_chars: int
    overlap: int
    batch_size: int


class PlanOutput(BaseModel):
    text_key: str
    chars: int
    words: int
    complexity: float = Field(ge=0.0, le=1.0)
    type_guess: str
    model_tier: ModelTier
    runner: Literal["lambda", "long"]
    chunking: ChunkingPlan


# Chunk -----------------------------------------------------------------------------------------


class ChunkInput(StepInput):
    plan: PlanOutput


class ChunkBatch(BaseModel):
    first: int
    last: int  # exclusive


class ChunkOutput(BaseModel):
    count: int
    batches: list[ChunkBatch]


# Classify --------------------------------------------------------------------------------------


class ClassifyInput(StepInput):
    plan: PlanOutput


class ClassifyOutput(BaseModel):
    document_type: str
    confidence: float
    usage: Usage


# Embed (a Map iteration over chunk batches) ----------------------------------------------------


class EmbedInput(StepInput):
    batch: ChunkBatch


class EmbedOutput(BaseModel):
    embedded: int
    dimensions: int


# ExtractFields ---------------------------------------------------------------------------------


class ExtractFieldsInput(StepInput):
    document_type: str
    plan: PlanOutput


class ExtractFieldsOutput(BaseModel):
    document_type: str
    fields: dict[str, Any]
    usage: Usage


# Finalize / RecordFailure ----------------------------------------------------------------------


class FinalizeInput(StepInput):
    document: DocumentInfo
    classification: ClassifyOutput
    fields: ExtractFieldsOutput
    chunks: ChunkOutput


class FinalizeOutput(BaseModel):
    task_id: str
    status: Literal["SUCCEEDED"]
    document_type: str
    fields: dict[str, Any]
    chunks: int
    cost_usd: float


class ErrorInfo(BaseModel):
    """The error output of a caught failure, as Step Functions builds it."""

    error: str = Field(alias="Error")
    cause: str | None = Field(default=None, alias="Cause")


class RecordFailureInput(StepInput):
    error: ErrorInfo


class RecordFailureOutput(BaseModel):
    task_id: str
    status: Literal["FAILED"]
    error: str
    message: str
