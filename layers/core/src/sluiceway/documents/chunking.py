"""Split text into overlapping chunks for embedding and retrieval.

Chunks end at the strongest boundary available near the size limit: a paragraph break (a blank
line), else a sentence end, else a line break, else a space between words. A single word longer
than ``max_chars`` is cut hard. Each chunk after the first starts a little before the previous one
ended (up to ``overlap`` characters, at the start of the first sentence that begins in that span,
else at the start of a word), so text cut at a chunk edge is still whole in one of the two.

Guarantees, for any text and valid arguments:

- ``chunk.text == text[chunk.start:chunk.end]`` and ``1 <= len(chunk.text) <= max_chars``;
- a chunk never starts or ends with whitespace, so no chunk is empty or blank;
- every non-whitespace character of ``text`` is in at least one chunk;
- starts and ends strictly increase; ``next.start >= previous.end - overlap``, and when chunks do
  overlap, the next one starts at the beginning of a word;
- a chunk ends inside a word (a run of non-whitespace) only right after CJK sentence punctuation
  (Chinese and Japanese put no space between sentences), or when the word is longer than
  ``max_chars``;
- the result depends only on the arguments (deterministic), and is computed in time linear in the
  length of the text plus the total length of the chunks.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Iterator
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
# ASCII, ellipsis, double marks, and CJK full stop / fullwidth exclamation and question marks
_SENTENCE_END: Final = frozenset(".!?\u2026\u203c\u2047\u2048\u2049\u3002\uff01\uff1f")
# Closing quotes and brackets that may follow a sentence end (ASCII, guillemets, curly, CJK)
_CLOSERS: Final = frozenset("\"')]}\u00bb\u201d\u2019\u203a\u300d\u300f")
# CJK sentence ends directly followed by more text: a boundary without whitespace.
_CJK_SENTENCE_END: Final = re.compile(r"[\u3002\uff01\uff1f]+[\u300d\u300f\uff09\u3011]*(?=\S)")
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

    # Candidate chunk ends (each just after a non-whitespace character) by minimum strength, and
    # where the text after each boundary starts (the places an overlap may begin).
    ends: list[list[int]] = [[], [], [], []]
    word_starts: list[int] = [first]
    sentence_starts: list[int] = [first]
    for boundary, strength, next_start in heapq.merge(
        _whitespace_boundaries(text, first, last), _cjk_boundaries(text, first, last)
    ):
        for level in range(strength + 1):
            ends[level].append(boundary)
        word_starts.append(next_start)
        if strength >= _SENTENCE:
            sentence_starts.append(next_start)
    last_end = [_LastAtMost(positions) for positions in ends]
    next_word = _FirstAtLeast(word_starts)
    next_sentence = _FirstAtLeast(sentence_starts)

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
            # The overlap starts at the first sentence that begins inside it, else at a word.
            floor = max(end - overlap, start + 1)
            for candidate in (next_sentence.value(floor), next_word.value(floor)):
                if candidate is not None and candidate < end:
                    following = candidate
                    break
        start = following if following is not None else _next_non_whitespace(text, end)
        previous_end = end


def _whitespace_boundaries(text: str, first: int, last: int) -> Iterator[tuple[int, int, int]]:
    for run in _WHITESPACE_RUN.finditer(text, first, last):
        run_start, run_end = run.span()
        yield run_start, _strength(text, run_start, run_end), run_end


def _cjk_boundaries(text: str, first: int, last: int) -> Iterator[tuple[int, int, int]]:
    for mark in _CJK_SENTENCE_END.finditer(text, first, last):
        yield mark.end(), _SENTENCE, mark.end()


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
