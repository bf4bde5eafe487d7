from __future__ import annotations

import numpy as np

from sluiceway.adapters.embeddings import HashingEmbedder


def test_vectors_are_normalized_deterministic_and_lexical() -> None:
    embedder = HashingEmbedder(384)
    vectors = embedder.embed(
        ["total amount due on the invoice", "invoice total due", "weather in Lisbon"]
    )
    assert vectors.shape == (3, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0)
    assert np.array_equal(
        vectors,
        embedder.embed(
            ["total amount due on the invoice", "invoice total due", "weather in Lisbon"]
        ),
    )
    assert float(vectors[0] @ vectors[1]) > float(vectors[0] @ vectors[2])


def test_empty_input() -> None:
    embedder = HashingEmbedder(8)
    assert embedder.embed([]).shape == (0, 8)
    assert not embedder.embed_one("").any()
