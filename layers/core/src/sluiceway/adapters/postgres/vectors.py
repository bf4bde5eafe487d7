"""Chunks and their embeddings in pgvector."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sluiceway.adapters.postgres.db import Database, q

if TYPE_CHECKING:
    from collections.abc import Sequence

    import numpy as np
    from numpy.typing import NDArray

    from sluiceway.ports import ChunkRecord


class PgVectorStore:
    """Implements the ``VectorStore`` port."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def replace_chunks(self, task_id: str, tenant_id: str, chunks: Sequence[ChunkRecord]) -> None:
        """Idempotent: re-chunking the same task overwrites rows and drops extra old ones."""
        with self.db.connection() as conn, conn.cursor() as cur:
            cur.executemany(
                q("upsert_chunk"),
                [
                    {
                        "task_id": task_id,
                        "idx": c.idx,
                        "tenant_id": tenant_id,
                        "start_char": c.start,
                        "end_char": c.end,
                        "text": c.text,
                    }
                    for c in chunks
                ],
            )
            cur.execute(q("delete_chunks_from"), {"task_id": task_id, "first_idx": len(chunks)})

    def chunk_texts(self, task_id: str, first: int, last: int) -> list[tuple[int, str]]:
        rows = self.db.fetch_all("get_chunks", task_id=task_id, first=first, last=last)
        return [(int(r["idx"]), str(r["text"])) for r in rows]

    def set_embeddings(self, task_id: str, vectors: dict[int, NDArray[np.float32]]) -> None:
        self.db.execute_many(
            "set_embedding",
            [{"task_id": task_id, "idx": idx, "embedding": vec} for idx, vec in vectors.items()],
        )

    def count_embedded(self, task_id: str) -> int:
        row = self.db.fetch_one("count_embedded", task_id=task_id)
        return int(row["n"]) if row else 0

    def search(
        self, tenant_id: str, query: NDArray[np.float32], limit: int
    ) -> list[dict[str, Any]]:
        return self.db.fetch_all("search_chunks", tenant_id=tenant_id, query=query, limit=limit)
