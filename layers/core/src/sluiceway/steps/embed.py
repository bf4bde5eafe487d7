"""Embed: one Map iteration, embedding a batch of chunks into pgvector."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sluiceway.domain.steps import EmbedInput, EmbedOutput

if TYPE_CHECKING:
    from sluiceway.runtime.deps import Deps


def run(event: EmbedInput, deps: Deps) -> EmbedOutput:
    rows = deps.vectors.chunk_texts(event.task_id, event.batch.first, event.batch.last)
    vectors = deps.embedder.embed([text for _, text in rows])
    deps.vectors.set_embeddings(event.task_id, {idx: vectors[i] for i, (idx, _) in enumerate(rows)})
    return EmbedOutput(embedded=len(rows), dimensions=deps.embedder.dimensions)
