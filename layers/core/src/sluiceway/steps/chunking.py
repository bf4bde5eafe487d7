"""Split text into overlapping chunks for embedding and retrieval.

Chunks end at the strongest boundary available near the size limit: a paragraph break (a blank
line), else a sentence end, else a line break, else a space between words. A single word longer
than ``max_chars`` is cut hard. Each chunk after the first starts a little before the previous one
ended (up to ``overlap`` characters, always at the start of a word), so a sentence cut at a chunk
edge is still whole in one of the two.

Guarantees, for any text and valid arguments:

- ``chunk.text == text[chunk.start:chunk.end]`` and ``1 <= len(chunk.text) <= max_chars``;
- a chunk never starts or ends with whitespace, so no chunk is empty or blank;
- every non-whitespace character of ``text`` is in at least one chunk;
- starts and ends strictly increase; ``next.start >= previous.end - overlap``, and when chunks do
  overlap, the next one starts at the beginning of a word;
- a chunk ends inside a word only when that word is longer than ``max_chars``;
- the result depends only on the arguments (deterministic), and is computed in time linear in the
  length of the text plus the total length of the chunks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

__all__ = ["Chunk", "chunk_text"]


@dataclass(frozen=True)
class Chunk:
    """One chunk: ``text == source[start:end]``; ``index`` counts from 0."""

    index: int
    start: int
    end: int
    text: str


# Boundary strengths. A boundary of one strength also counts for every weaker one.
_WORD: Final = 0
_LINE: Final = 1
_SENTENCE: Final = 2
_PARAGRAPH: Final = 3

_WHITESPACE_RUN: Final = re.compile(r"\s+")
_NON_WHITESPACE: Final = re.compile(r"\S")
_SENTENCE_END: Final = frozenset(".!?…‼⁇⁈⁉。！？")
_CLOSERS: Final = frozenset("\"')]}»”’›」』")
_PARAGRAPH_MARKS: Final = frozenset("\u2029\x0c")
_LINE_MARKS: Final = frozenset("\n\r\x0b\x85\u2028")

# A structural boundary (paragraph, sentence, line) is used only if it leaves the chunk at least
# this fraction of its new (non-overlapping) room filled; otherwise a weaker boundary further on
# is preferred, so chunks do not come out tiny.
_MIN_FILL: Final = 4  # 1/4


class _LastAtMost:
    """``value(limit)``: the largest item <= limit of a sorted list, for non-decreasing limits."""

    def __init__(self, items: list[int]) -> None:
        self._items = items
        self._next = 0

    def value(self, limit: int) -> int | None:
        items, i = self._items, self._next
        while i < len(items) and items[i] <= limit:
            i += 1
        self._next = i
        return items[i - 1] if i else None


class _FirstAtLeast:
    """``value(floor)``: the smallest item >= floor of a sorted list, for non-decreasing floors."""

    def __init__(self, items: list[int]) -> None:
        self._items = items
        self._next = 0

    def value(self, floor: int) -> int | None:
        items, i = self._items, self._next
        while i < len(items) and items[i] < floor:
            i += 1
        self._next = i
        return items[i] if i < len(items) else None


def _strength(text: str, start: int, end: int) -> int:
    """Strength of the boundary formed by the whitespace run ``text[start:end]``."""
    run = text[start:end]
    newlines = run.count("\n") or run.count("\r")
    if newlines >= 2 or any(c in _PARAGRAPH_MARKS for c in run):
        return _PARAGRAPH
    i = start - 1
    while i > 0 and text[i] in _CLOSERS:
        i -= 1
    if text[i] in _SENTENCE_END:
        return _SENTENCE
    if newlines or any(c in _LINE_MARKS for c in run):
        return _LINE
    return _WORD


def chunk_text(text: str, *, max_chars: int = 1200, overlap: int = 150) -> list[Chunk]:
    """Split ``text`` into chunks of at most ``max_chars`` characters (see the module doc).

    Raises ``ValueError`` unless ``0 < max_chars`` and ``0 <= overlap < max_chars``. Text that is
    empty or only whitespace gives ``[]``.
    """
    if isinstance(max_chars, bool) or not isinstance(max_chars, int) or max_chars <= 0:
        raise ValueError(f"max_chars must be a positive integer, got {max_chars!r}")
    if isinstance(overlap, bool) or not isinstance(overlap, int) or overlap < 0:
        raise ValueError(f"overlap must be a non-negative integer, got {overlap!r}")
    if overlap >= max_chars:
        raise ValueError(f"overlap ({overlap}) must be smaller than max_chars ({max_chars})")

    first_match = _NON_WHITESPACE.search(text)
    if first_match is None:
        return []
    first = first_match.start()
    last = len(text.rstrip())  # end of the last non-whitespace character

    # Candidate chunk ends (just after a non-whitespace character, before a whitespace run) by
    # minimum strength, and the starts of words (for overlaps).
    ends: list[list[int]] = [[], [], [], []]
    word_starts: list[int] = [first]
    for run in _WHITESPACE_RUN.finditer(text, first, last):
        run_start, run_end = run.span()
        for strength in range(_strength(text, run_start, run_end) + 1):
            ends[strength].append(run_start)
        word_starts.append(run_end)
    last_end = [_LastAtMost(positions) for positions in ends]
    next_word = _FirstAtLeast(word_starts)

    chunks: list[Chunk] = []
    start = previous_end = first
    while True:
        limit = start + max_chars
        if limit >= last:
            chunks.append(Chunk(len(chunks), start, last, text[start:last]))
            return chunks
        end = _choose_end(last_end, previous_end, limit)
        if end is None:
            if start < previous_end:
                # Only the overlap keeps the next word from fitting: drop the overlap.
                start = _next_non_whitespace(text, previous_end)
                continue
            end = limit  # one word longer than max_chars: cut it
        chunks.append(Chunk(len(chunks), start, end, text[start:end]))

        following = None
        if overlap:
            candidate = next_word.value(max(end - overlap, start + 1))
            if candidate is not None and candidate < end:
                following = candidate
        start = following if following is not None else _next_non_whitespace(text, end)
        previous_end = end


def _choose_end(last_end: list[_LastAtMost], previous_end: int, limit: int) -> int | None:
    """The best chunk end in ``(previous_end, limit]``, or None if there is no boundary at all."""
    floor = previous_end + (limit - previous_end) // _MIN_FILL
    for strength in (_PARAGRAPH, _SENTENCE, _LINE):
        candidate = last_end[strength].value(limit)
        if candidate is not None and candidate > floor and candidate > previous_end:
            return candidate
    candidate = last_end[_WORD].value(limit)
    if candidate is not None and candidate > previous_end:
        return candidate
    return None


def _next_non_whitespace(text: str, position: int) -> int:
    match = _NON_WHITESPACE.search(text, position)
    if match is None:  # pragma: no cover - callers only ask while text remains
        return len(text)
    return match.start()
