"""The offline default embedder: signed feature hashing of words, word bigrams and char 3-grams.

Deterministic across processes and machines (crc32, not Python's salted ``hash``), fast, and
lexical only: it finds documents that share words, not paraphrases. A real model replaces it
through the ``Embedder`` port.
"""

from __future__ import annotations

import re
import zlib
from itertools import pairwise
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from collections.abc import Sequence

    from numpy.typing import NDArray

_WORD = re.compile(r"\w+", re.UNICODE)


class HashingEmbedder:
    def __init__(self, dimensions: int = 384) -> None:
        if dimensions <= 0:
            raise ValueError("dimensions must be positive")
        self.dimensions = dimensions

    def _features(self, text: str) -> list[str]:
        words = _WORD.findall(text.lower())
        feats = [f"w:{w}" for w in words]
        feats += [f"b:{a} {b}" for a, b in pairwise(words)]
        for w in words:
            padded = f" {w} "
            feats += [f"c:{padded[i : i + 3]}" for i in range(len(padded) - 2)]
        return feats

    def embed_one(self, text: str) -> NDArray[np.float32]:
        vec = np.zeros(self.dimensions, dtype=np.float32)
        for feat in self._features(text):
            h = zlib.crc32(feat.encode("utf-8"))
            vec[h % self.dimensions] += 1.0 if (h >> 31) & 1 else -1.0
        norm = float(np.linalg.norm(vec))
        return vec / norm if norm > 0 else vec

    def embed(self, texts: Sequence[str]) -> NDArray[np.float32]:
        if not texts:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        return np.stack([self.embed_one(t) for t in texts])
