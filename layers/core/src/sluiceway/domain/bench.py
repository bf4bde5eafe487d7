"""The ``bench`` pipeline's events: parse -> classify -> embed -> store."""

from __future__ import annotations

from pydantic import BaseModel, Field

from sluiceway.domain.steps import StepInput


class BenchParseInput(StepInput):
    n: int = Field(ge=0)


class BenchParsed(BaseModel):
    text: str
    words: int
    sentences: int


class BenchClassifyInput(StepInput):
    text: str
    latency_ms: float = Field(default=0.0, ge=0)


class BenchClassified(BaseModel):
    label: str


class BenchEmbedInput(StepInput):
    text: str


class BenchEmbedded(BaseModel):
    vector: list[float]


class BenchStoreInput(StepInput):
    label: str
    words: int
    vector: list[float]


class BenchStored(BaseModel):
    stored: bool
