"""Chunk: split the text into overlapping chunks, store them, and plan the embedding batches."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sluiceway.documents import chunk_text
from sluiceway.domain.steps import ChunkBatch, ChunkInput, ChunkOutput
from sluiceway.ports import ChunkRecord

if TYPE_CHECKING:
    from sluiceway.runtime.deps import Deps


def run(event: ChunkInput, deps: Deps) -> ChunkOutput:
    plan = event.plan
    text = deps.objects.get(plan.text_key).decode("utf-8")
    chunks = chunk_text(text, max_chars=plan.chunking.max_chars, overlap=plan.chunking.overlap)
    deps.vectors.replace_chunks(
        event.task_id,
        event.tenant_id,
        [ChunkRecord(idx=c.index, start=c.start, end=c.end, text=c.text) for c in chunks],
    )
    size = plan.chunking.batch_size
    batches = [
        ChunkBatch(first=first, last=min(first + size, len(chunks)))
        for first in range(0, len(chunks), size)
    ]
    return ChunkOutput(count=len(chunks), batches=batches)
