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
_P1, _P2, _P3, _P4 = (
    np.uint64(0x9E3779B97F4A7C15),
    np.uint64(0xC2B2AE3D27D4EB4F),
    np.uint64(0x165667B19E3779F9),
    np.uint64(0xBF58476D1CE4E5B9),
)


class HashingEmbedder:
    def __init__(self, dimensions: int = 384) -> None:
        if dimensions <= 0:
            raise ValueError("dimensions must be positive")
        self.dimensions = dimensions

    def _hashes(self, text: str) -> NDArray[np.uint32]:
        """One 32-bit hash per feature: words and word bigrams (crc32), and the character
        trigrams of each word padded with spaces (a multiplicative hash, vectorized)."""
        words = _WORD.findall(text.lower())
        if not words:
            return np.zeros(0, dtype=np.uint32)
        lexical = [zlib.crc32(b"w:" + w.encode()) for w in words]
        lexical += [zlib.crc32(f"b:{a} {b}".encode()) for a, b in pairwise(words)]
        # " w1  w2  w3 ": the trigrams of each padded word, minus those that span two words
        # (they are exactly the ones with two spaces in a row).
        joined = " " + "  ".join(words) + " "
        points = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
        a, b, c = points[:-2], points[1:-1], points[2:]
        inside = ~(((a == 32) & (b == 32)) | ((b == 32) & (c == 32)))
        mixed = (a * _P1) ^ (b * _P2) ^ (c * _P3)
        mixed = (mixed ^ (mixed >> np.uint64(29))) * _P4
        trigrams = (mixed[inside] >> np.uint64(32)).astype(np.uint32)
        return np.concatenate([np.asarray(lexical, dtype=np.uint32), trigrams])

    def embed_one(self, text: str) -> NDArray[np.float32]:
        hashes = self._hashes(text)
        if hashes.size == 0:
            return np.zeros(self.dimensions, dtype=np.float32)
        signs = np.where((hashes >> 31) & 1, 1.0, -1.0)
        vec = np.bincount(hashes % self.dimensions, weights=signs, minlength=self.dimensions)
        norm = float(np.linalg.norm(vec))
        return (vec / norm if norm > 0 else vec).astype(np.float32)

    def embed(self, texts: Sequence[str]) -> NDArray[np.float32]:
        if not texts:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        return np.stack([self.embed_one(t) for t in texts])
