"""Plan: size up the document and decide how to process it (model tier, runner, chunking)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from sluiceway.documents.rules import classify as guess_type
from sluiceway.domain.steps import ChunkingPlan, PlanInput, PlanOutput

if TYPE_CHECKING:
    from sluiceway.runtime.deps import Deps

_SENTENCE_END = re.compile(r"[.!?](?:\s|$)")
_DIGITS_OR_SYMBOLS = re.compile(r"[\d%$€£§]")

# Above this many characters a document needs the large model's context window.
SMALL_MODEL_MAX_CHARS = 40_000


def complexity(text: str) -> float:
    """A cheap 0..1 score from sentence length, vocabulary and figures: long sentences, rich
    vocabulary and many numbers make extraction harder."""
    words = text.split()
    if not words:
        return 0.0
    sentences = max(1, len(_SENTENCE_END.findall(text)))
    avg_sentence = len(words) / sentences
    vocabulary = len({w.lower() for w in words[:5000]}) / min(len(words), 5000)
    figures = len(_DIGITS_OR_SYMBOLS.findall(text)) / max(1, len(text))
    score = 0.4 * min(avg_sentence / 40, 1.0) + 0.4 * vocabulary + 0.2 * min(figures * 10, 1.0)
    return round(min(max(score, 0.0), 1.0), 3)


def run(event: PlanInput, deps: Deps) -> PlanOutput:
    text = deps.objects.get(event.document.text_key).decode("utf-8")
    settings = deps.settings
    score = complexity(text)
    type_guess, _ = guess_type(text[:20_000])
    large = len(text) > SMALL_MODEL_MAX_CHARS or (
        score > 0.75 and type_guess in {"contract", "report"}
    )
    return PlanOutput(
        text_key=event.document.text_key,
        chars=len(text),
        words=len(text.split()),
        complexity=score,
        type_guess=type_guess,
        model_tier="large" if large else "small",
        runner="long" if len(text) > settings.long_document_chars else "lambda",
        chunking=ChunkingPlan(
            max_chars=settings.chunk_chars,
            overlap=settings.chunk_overlap,
            batch_size=settings.embed_batch_size,
        ),
    )
