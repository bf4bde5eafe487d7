"""The document model of the PDF and DOCX generators, and simple Markdown converted to it.

The generators (:mod:`sluiceway.documents.pdfgen`, :mod:`sluiceway.documents.docxgen`) build the
sample documents under ``samples/`` (see :mod:`sluiceway.documents.samples`) and, in tests,
documents made on the fly. They take a sequence of blocks: paragraphs (``str``), :class:`Heading`
and :class:`Table`; :func:`markdown_to_blocks` turns simple Markdown into such blocks.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final

from sluiceway.documents.markup import strip_markdown_inline

__all__ = ["FIXED_DATE", "PAGE_BREAK", "Block", "Heading", "Table", "markdown_to_blocks"]


FIXED_DATE: Final = datetime(2026, 4, 14, 9, 30, tzinfo=UTC)


@dataclass(frozen=True)
class Heading:
    """A heading block; level 0 is the document title, 1-3 are headings."""

    text: str
    level: int = 1


@dataclass(frozen=True)
class Table:
    """A table block; the first row is the header."""

    rows: Sequence[Sequence[str]]


Block = str | Heading | Table
"""A paragraph (a ``str``), a :class:`Heading` or a :class:`Table`."""

PAGE_BREAK: Final = "\f"
"""A ``str`` block equal to this starts a new page (PDF) or inserts a page break (DOCX)."""


_HEADING_RE: Final = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_TABLE_SEPARATOR_RE: Final = re.compile(r"^\|?(\s*:?-+:?\s*\|)+\s*(:?-+:?\s*)?\|?$")
_BULLET_RE: Final = re.compile(r"^\s*[-*+]\s+")
_ORDERED_RE: Final = re.compile(r"^\s*\d+[.)]\s+")


def markdown_to_blocks(markdown: str) -> tuple[list[Block], dict[str, str]]:
    """Convert simple Markdown to blocks; return ``(blocks, front_matter)``.

    Handles YAML-style front matter (``key: value`` lines between ``---``), ATX headings (``#``
    is level 1), paragraphs, bullet and numbered list items (one paragraph each, bullets shown as
    ``•``), pipe tables and inline markup (emphasis and links are reduced to their text).
    """
    lines = markdown.replace("\r\n", "\n").split("\n")
    front: dict[str, str] = {}
    if lines and lines[0].strip() == "---":
        end = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)
        if end is not None:
            for entry in lines[1:end]:
                key, sep, value = entry.partition(":")
                if sep and value.strip():
                    front[key.strip().lower()] = value.strip().strip("\"'")
            lines = lines[end + 1 :]

    blocks: list[Block] = []
    paragraph: list[str] = []
    table: list[list[str]] = []

    def flush() -> None:
        if paragraph:
            blocks.append(" ".join(strip_markdown_inline(p.strip()) for p in paragraph))
            paragraph.clear()
        if table:
            blocks.append(Table([list(row) for row in table]))
            table.clear()

    for line in lines:
        stripped = line.strip()
        heading = _HEADING_RE.match(stripped)
        if not stripped:
            flush()
        elif heading:
            flush()
            blocks.append(Heading(strip_markdown_inline(heading.group(2)), len(heading.group(1))))
        elif stripped.startswith("|"):
            if paragraph:
                flush()
            if not _TABLE_SEPARATOR_RE.match(stripped):
                table.append(
                    [strip_markdown_inline(c.strip()) for c in stripped.strip("|").split("|")]
                )
        elif _BULLET_RE.match(line):
            flush()
            paragraph.append("• " + _BULLET_RE.sub("", line))
        elif _ORDERED_RE.match(line):
            flush()
            paragraph.append(line.strip())
        else:
            if table:
                flush()
            paragraph.append(stripped)
    flush()
    return blocks, front
