"""Chunking: boundaries, overlap, validation, and the invariants as property tests."""

from __future__ import annotations

import re
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sluiceway.documents.chunking import Chunk, chunk_text


def after_cjk_sentence(text: str, position: int) -> bool:
    return bool(
        re.search(
            "[\u3002\uff01\uff1f][\u300d\u300f\uff09\u3011]*$",
            text[max(0, position - 10) : position],
        )
    )


def check_invariants(text: str, chunks: list[Chunk], max_chars: int, overlap: int) -> None:
    """Every guarantee documented in :mod:`sluiceway.documents.chunking`."""
    if not text.strip():
        assert chunks == []
        return
    assert chunks, "non-blank text must give at least one chunk"
    for i, chunk in enumerate(chunks):
        assert chunk.index == i
        assert chunk.text == text[chunk.start : chunk.end]
        assert 1 <= len(chunk.text) <= max_chars
        assert not chunk.text[0].isspace() and not chunk.text[-1].isspace()

    # Coverage: only whitespace lies outside the chunks.
    assert not text[: chunks[0].start].strip()
    assert not text[chunks[-1].end :].strip()
    for previous, following in pairwise(chunks):
        assert following.start > previous.start
        assert following.end > previous.end
        assert not text[previous.end : following.start].strip()  # empty when they overlap
        # Overlap bounded, and only at a word start.
        assert following.start >= previous.end - overlap
        if following.start < previous.end:
            assert text[following.start - 1].isspace() or after_cjk_sentence(text, following.start)
        # A chunk ends inside a word only after CJK sentence punctuation, or when that word is
        # longer than max_chars.
        if not text[previous.end].isspace() and not after_cjk_sentence(text, previous.end):
            word_start = previous.end
            while word_start > 0 and not text[word_start - 1].isspace():
                word_start -= 1
            word_end = previous.end
            while word_end < len(text) and not text[word_end].isspace():
                word_end += 1
            assert word_end - word_start > max_chars


# --------------------------------------------------------------------------------------------
# Examples
# --------------------------------------------------------------------------------------------


def test_blank_text_gives_no_chunks() -> None:
    assert chunk_text("") == []
    assert chunk_text(" \n\t\n ") == []


def test_short_text_is_one_trimmed_chunk() -> None:
    text = "\n\n  Invoice INV-1 total EUR 12.  \n"
    assert chunk_text(text) == [Chunk(0, 4, 31, "Invoice INV-1 total EUR 12.")]


def test_paragraph_boundaries_are_preferred() -> None:
    first = "Alpha paragraph sentence one. " * 10  # ~300 chars
    second = "Beta paragraph sentence two. " * 20  # ~580 chars
    text = first.strip() + "\n\n" + second.strip()
    chunks = chunk_text(text, max_chars=800, overlap=0)
    assert [c.text for c in chunks] == [first.strip(), second.strip()]
    check_invariants(text, chunks, 800, 0)


def test_sentences_are_used_inside_long_paragraphs() -> None:
    sentences = [f"Sentence number {i} talks about shipment {i * 13}." for i in range(40)]
    text = " ".join(sentences)
    chunks = chunk_text(text, max_chars=300, overlap=0)
    assert len(chunks) > 3
    for chunk in chunks:
        assert chunk.text.endswith(".")
        assert chunk.text.startswith("Sentence number")
    check_invariants(text, chunks, 300, 0)


def test_sentence_beats_line_break() -> None:
    # A PDF-like paragraph: hard-wrapped lines, sentences ending mid-line.
    text = (
        "The carrier collected\nthe pallets. Delivery\nwas on time and the\nreceiving clerk signed."
    )
    chunks = chunk_text(text, max_chars=60, overlap=0)
    assert chunks[0].text == "The carrier collected\nthe pallets."
    check_invariants(text, chunks, 60, 0)


def test_words_are_used_when_there_is_no_sentence_end() -> None:
    text = " ".join(f"word{i}" for i in range(200))
    chunks = chunk_text(text, max_chars=50, overlap=0)
    assert all(re.fullmatch(r"word\d+( word\d+)*", c.text) for c in chunks)
    assert " ".join(c.text for c in chunks) == text
    check_invariants(text, chunks, 50, 0)


def test_a_word_longer_than_max_chars_is_hard_split() -> None:
    long_word = "x" * 250
    text = f"start {long_word} end"
    chunks = chunk_text(text, max_chars=100, overlap=10)
    assert [c.text for c in chunks] == ["start", "x" * 100, "x" * 100, "x" * 50 + " end"]
    check_invariants(text, chunks, 100, 10)


def test_a_word_that_fits_is_not_split_because_of_overlap() -> None:
    text = "aa bb cc dd " + "y" * 95 + " zz"
    chunks = chunk_text(text, max_chars=100, overlap=20)
    assert [c.text for c in chunks] == ["aa bb cc dd", "y" * 95 + " zz"]
    check_invariants(text, chunks, 100, 20)


def test_overlap_starts_at_a_word_and_is_bounded() -> None:
    text = " ".join(f"token{i:03d}" for i in range(300))
    chunks = chunk_text(text, max_chars=200, overlap=50)
    assert len(chunks) > 5
    for previous, following in pairwise(chunks):
        shared = previous.end - following.start
        assert 0 < shared <= 50
        assert following.text.startswith("token")
    check_invariants(text, chunks, 200, 50)


def test_overlap_zero_gives_disjoint_chunks() -> None:
    text = "Lorem ipsum dolor sit amet. " * 100
    chunks = chunk_text(text, max_chars=120, overlap=0)
    for previous, following in pairwise(chunks):
        assert following.start > previous.end


def test_defaults_match_the_settings() -> None:
    text = "Quarterly revenue grew strongly in every region this year. " * 200
    chunks = chunk_text(text)
    assert all(len(c.text) <= 1200 for c in chunks)
    check_invariants(text, chunks, 1200, 150)


def test_unicode_text() -> None:
    text = "请在三十天内付款。发票编号为二零二六。" * 30 + " Zahlung bitte „sofort“. Ça marche!"
    chunks = chunk_text(text, max_chars=70, overlap=10)
    check_invariants(text, chunks, 70, 10)
    assert all(c.text.endswith("。") for c in chunks[:-1])
    assert chunks[-1].text.endswith("Ça marche!")


@pytest.mark.parametrize(
    ("max_chars", "overlap"),
    [(0, 0), (-5, 0), (10, -1), (10, 10), (10, 11)],
)
def test_invalid_arguments(max_chars: int, overlap: int) -> None:
    with pytest.raises(ValueError, match=r"max_chars|overlap"):
        chunk_text("some text", max_chars=max_chars, overlap=overlap)


def test_large_text_chunks_correctly() -> None:
    """About 1 MB of text keeps every guarantee, and two paragraphs fit in each chunk.

    Speed is measured by the benchmarks, not asserted here.
    """
    paragraph = "The warehouse shipped 1,204 parcels on Monday. Returns were low. " * 8
    text = "\n\n".join([paragraph] * 2000)  # 2,000 paragraphs of 520 characters
    chunks = chunk_text(text)
    check_invariants(text, chunks, 1200, 150)
    assert all(chunk.text.endswith("Returns were low.") for chunk in chunks)
    # Not one chunk per paragraph (2,000): about one per two paragraphs, the most that fit.
    assert len(text) // 1200 <= len(chunks) <= 1100


# --------------------------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------------------------

WORDS = st.text(alphabet="abcdefghij.,!?'\")(。」", min_size=1, max_size=25)
SEPARATORS = st.sampled_from([" ", " ", " ", "  ", "\n", "\n\n", "\n \n\n", "\t", ". ", "\u00a0"])


@st.composite
def documents(draw: st.DrawFn) -> str:
    parts = draw(st.lists(st.tuples(WORDS, SEPARATORS), max_size=120))
    lead = draw(st.sampled_from(["", " ", "\n\n"]))
    return lead + "".join(word + separator for word, separator in parts)


@st.composite
def sizes(draw: st.DrawFn) -> tuple[int, int]:
    max_chars = draw(st.integers(min_value=1, max_value=200))
    overlap = draw(st.integers(min_value=0, max_value=max_chars - 1))
    return max_chars, overlap


@settings(max_examples=300, deadline=None)
@given(text=documents(), size=sizes())
def test_invariants_on_structured_text(text: str, size: tuple[int, int]) -> None:
    max_chars, overlap = size
    chunks = chunk_text(text, max_chars=max_chars, overlap=overlap)
    check_invariants(text, chunks, max_chars, overlap)


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=400), size=sizes())
def test_invariants_on_arbitrary_text(text: str, size: tuple[int, int]) -> None:
    max_chars, overlap = size
    chunks = chunk_text(text, max_chars=max_chars, overlap=overlap)
    check_invariants(text, chunks, max_chars, overlap)


@settings(max_examples=100, deadline=None)
@given(text=documents(), size=sizes())
def test_chunking_is_deterministic(text: str, size: tuple[int, int]) -> None:
    max_chars, overlap = size
    first = chunk_text(text, max_chars=max_chars, overlap=overlap)
    second = chunk_text(str(text), max_chars=max_chars, overlap=overlap)
    assert first == second


@settings(max_examples=100, deadline=None)
@given(text=documents(), max_chars=st.integers(min_value=20, max_value=200))
def test_without_overlap_chunks_partition_the_words(text: str, max_chars: int) -> None:
    chunks = chunk_text(text, max_chars=max_chars, overlap=0)
    for previous, following in pairwise(chunks):
        assert following.start >= previous.end
    joined = "".join(text[c.start : c.end] for c in chunks)
    assert "".join(joined.split()) == "".join(text.split())
