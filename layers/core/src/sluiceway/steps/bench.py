"""The ``bench`` pipeline: the workload other durable task systems were measured on.

Each task is a ~2 KB text generated from the task number; ``parse`` splits sentences and counts
words, ``classify`` simulates a model call (sleep ``latency_ms``, then a label from a hash of the
text), ``embed`` computes a 384-dimension feature-hashing vector, ``store`` inserts one row.
"""

from __future__ import annotations

import hashlib
import re
import time
from typing import TYPE_CHECKING

import numpy as np

from sluiceway.domain.bench import (
    BenchClassified,
    BenchClassifyInput,
    BenchEmbedded,
    BenchEmbedInput,
    BenchParsed,
    BenchParseInput,
    BenchStored,
    BenchStoreInput,
)

if TYPE_CHECKING:
    from sluiceway.runtime.deps import Deps

LABELS = ("invoice", "contract", "letter", "report")
_VOCABULARY = [
    "the",
    "a",
    "of",
    "to",
    "and",
    "in",
    "for",
    "on",
    "with",
    "by",
    "from",
    "at",
    "as",
    "order",
    "invoice",
    "payment",
    "contract",
    "party",
    "term",
    "report",
    "quarter",
    "revenue",
    "growth",
    "customer",
    "supplier",
    "delivery",
    "amount",
    "total",
    "due",
    "date",
    "account",
    "service",
    "agreement",
    "notice",
    "period",
    "review",
    "data",
    "model",
    "pipeline",
    "document",
    "table",
    "figure",
    "result",
    "analysis",
    "team",
    "project",
    "budget",
    "cost",
    "risk",
    "plan",
    "market",
    "price",
    "value",
    "share",
    "update",
    "request",
]
_SENTENCE = re.compile(r"(?<=[.!?])\s+")
TEXT_BYTES = 2048


def text_for(n: int) -> str:
    """A deterministic ~2 KB text for task ``n`` (a linear congruential generator picks words)."""
    state = (n * 2654435761 + 12345) & 0xFFFFFFFF
    words: list[str] = []
    size = 0
    sentence_left = 0
    while size < TEXT_BYTES:
        state = (state * 1103515245 + 12345) & 0x7FFFFFFF
        if sentence_left == 0:
            sentence_left = 8 + state % 9
        word = _VOCABULARY[state % len(_VOCABULARY)]
        sentence_left -= 1
        if sentence_left == 0:
            word += "."
        words.append(word)
        size += len(word) + 1
    return " ".join(words).capitalize()


def parse(event: BenchParseInput, _deps: Deps) -> BenchParsed:
    text = text_for(event.n)
    return BenchParsed(text=text, words=len(text.split()), sentences=len(_SENTENCE.split(text)))


def classify(event: BenchClassifyInput, _deps: Deps) -> BenchClassified:
    if event.latency_ms:
        time.sleep(event.latency_ms / 1000)
    digest = hashlib.sha256(event.text.encode()).digest()
    return BenchClassified(label=LABELS[digest[0] % len(LABELS)])


def embed(event: BenchEmbedInput, deps: Deps) -> BenchEmbedded:
    vector = deps.embedder.embed([event.text])[0]
    rounded: list[float] = np.round(vector.astype(np.float64), 6).tolist()
    return BenchEmbedded(vector=rounded)


def store(event: BenchStoreInput, deps: Deps) -> BenchStored:
    # Committed with the step's checkpoint: the row and the step's completion are one transaction.
    deps.store.defer(
        "insert_bench_result",
        task_id=event.task_id,
        label=event.label,
        words=event.words,
        embedding=np.asarray(event.vector, dtype=np.float32),
    )
    return BenchStored(stored=True)
