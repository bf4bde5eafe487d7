"""Generate small, valid PDF files with the standard library alone.

- :func:`build_pdf` lays out text in Helvetica on as many pages as it needs (headings, wrapped
  paragraphs, explicit page breaks) and writes a PDF 1.4 file with a correct cross-reference table;
- :func:`encrypt_pdf` password-protects a PDF (the one function that needs pypdf).
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final

from sluiceway.documents.blocks import FIXED_DATE, PAGE_BREAK, Block, Heading, Table

__all__ = ["build_pdf", "encrypt_pdf"]


# Advance widths of Helvetica for the printable ASCII characters 32..126 (1/1000 em), from the
# standard Adobe font metrics; other characters are taken as 556.
_HELVETICA_WIDTHS: Final = (
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278,
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556,
    1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778,
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556,
    333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556,
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
)  # fmt: skip
_BOLD_FACTOR: Final = 1.08  # Helvetica-Bold is a little wider; close enough for line wrapping
_HEADING_SIZES: Final = {0: 18.0, 1: 14.0, 2: 12.0, 3: 11.0}


def _text_width(text: str, size: float, bold: bool) -> float:
    units = sum(_HELVETICA_WIDTHS[ord(c) - 32] if 32 <= ord(c) <= 126 else 556 for c in text)
    return units * size / 1000 * (_BOLD_FACTOR if bold else 1.0)


def _wrap(text: str, width: float, size: float, bold: bool) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if current and _text_width(candidate, size, bold) > width:
            lines.append(current)
            current = word
        else:
            current = candidate
    if current:
        lines.append(current)
    return lines


def _pdf_string(text: str) -> bytes:
    """A PDF literal string in WinAnsiEncoding; characters outside it become ``?``."""
    out = bytearray(b"(")
    for byte in text.encode("cp1252", errors="replace"):
        if byte in b"()\\":
            out += b"\\" + bytes([byte])
        elif 32 <= byte <= 126:
            out.append(byte)
        else:
            out += b"\\%03o" % byte
    return bytes(out + b")")


def _pdf_info_string(text: str) -> bytes:
    if text.isascii():
        return _pdf_string(text)
    return b"<FEFF" + text.encode("utf-16-be").hex().upper().encode() + b">"


@dataclass(frozen=True)
class _Line:
    cells: tuple[tuple[float, str], ...]  # (x offset from the left margin, text)
    size: float
    bold: bool
    gap_before: float = 0.0  # extra space above, in points


_LEADING: Final = 1.3  # line height as a multiple of the font size
_CELL_GAP: Final = 14.0  # points between table columns


def _plain(text: str, size: float, bold: bool = False, gap_before: float = 0.0) -> _Line:
    return _Line(((0.0, text),), size, bold, gap_before)


def _table_lines(table: Table, width: float, size: float) -> list[_Line]:
    rows = [[" ".join(cell.split()) for cell in row] for row in table.rows]
    columns = max((len(row) for row in rows), default=0)
    widths = [0.0] * columns
    for number, row in enumerate(rows):
        for column, cell in enumerate(row):
            widths[column] = max(widths[column], _text_width(cell, size, number == 0))
    if sum(widths) + _CELL_GAP * (columns - 1) <= width:
        offsets = [sum(widths[:i]) + _CELL_GAP * i for i in range(columns)]
        return [
            _Line(
                tuple((offsets[i], cell) for i, cell in enumerate(row) if cell), size, number == 0
            )
            for number, row in enumerate(rows)
        ]
    lines: list[_Line] = []  # too wide for columns: one wrapped line per row
    for number, row in enumerate(rows):
        lines.extend(
            _plain(line, size, number == 0) for line in _wrap("   ".join(row), width, size, False)
        )
    return lines


def _layout(blocks: Sequence[Block], width: float, font_size: float) -> list[list[_Line] | None]:
    """Lines per block; ``None`` marks a forced page break."""
    laid_out: list[list[_Line] | None] = []
    for block in blocks:
        if isinstance(block, Heading):
            size = _HEADING_SIZES.get(block.level, font_size)
            laid_out.append(
                [
                    _plain(line, size, True, size * 0.5)
                    for line in _wrap(block.text, width, size, True)
                ]
            )
        elif isinstance(block, Table):
            laid_out.append(_table_lines(block, width, font_size))
        elif block == PAGE_BREAK:
            laid_out.append(None)
        else:
            laid_out.append(
                [
                    _plain(line, font_size)
                    for source_line in block.split("\n")  # explicit line breaks are kept
                    for line in _wrap(source_line, width, font_size, False)
                ]
            )
    return laid_out


def _paginate(
    laid_out: list[list[_Line] | None], top: float, bottom: float, font_size: float
) -> list[list[tuple[float, _Line]]]:
    pages: list[list[tuple[float, _Line]]] = [[]]
    y = top
    for lines in laid_out:
        if lines is None:
            pages.append([])
            y = top
            continue
        if not lines:
            continue
        if pages[-1]:
            # A line holding a single space separates blocks: text extractors report it as an
            # empty line, so the extracted text keeps its paragraph breaks.
            if y - font_size * _LEADING < bottom:
                pages.append([])
                y = top
            else:
                pages[-1].append((y, _plain(" ", font_size)))
                y -= font_size * _LEADING
        for line in lines:
            if pages[-1] and y - line.gap_before - line.size * _LEADING < bottom:
                pages.append([])
                y = top
            if pages[-1]:
                y -= line.gap_before
            pages[-1].append((y, line))
            y -= line.size * _LEADING
    return pages


def build_pdf(
    blocks: str | Sequence[Block],
    *,
    title: str | None = None,
    author: str | None = None,
    subject: str | None = None,
    footer: str | None = None,
    font_size: float = 10.5,
    page_size: tuple[float, float] = (612.0, 792.0),
    margin: float = 72.0,
    created: datetime = FIXED_DATE,
) -> bytes:
    """Render text as a PDF with Helvetica (WinAnsi encoding) and return its bytes.

    ``blocks`` is a list of paragraphs (``str``), :class:`Heading` and :class:`Table` blocks, or a
    single string, which is split into paragraphs at blank lines. A paragraph equal to
    :data:`PAGE_BREAK` (``"\\f"``) starts a new page, so ``build_pdf("\\f\\f")`` gives three blank
    pages. Long lines wrap; text flows onto as many pages as needed. ``footer`` may contain
    ``{page}`` and ``{pages}``. The output is deterministic.
    """
    if isinstance(blocks, str):
        blocks = _split_paragraphs(blocks)
    page_width, page_height = page_size
    laid_out = _layout(blocks, page_width - 2 * margin, font_size)
    pages = _paginate(laid_out, page_height - margin - font_size, margin, font_size)

    objects: list[bytes] = []  # object n is objects[n - 1]
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objects.append(b"")  # the page tree, filled in once the page objects are numbered
    objects.append(
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
    )
    objects.append(
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>"
    )
    page_refs: list[int] = []
    for number, page in enumerate(pages, start=1):
        content = bytearray()
        for y, line in page:
            font = b"/F2" if line.bold else b"/F1"
            for x, text in line.cells:
                content += b"BT %s %.1f Tf 1 0 0 1 %.2f %.2f Tm %s Tj ET\n" % (
                    font,
                    line.size,
                    margin + x,
                    y,
                    _pdf_string(text),
                )
        if footer:
            text = footer.format(page=number, pages=len(pages))
            content += b"BT /F1 8.0 Tf 1 0 0 1 %.2f %.2f Tm %s Tj ET\n" % (
                margin,
                margin / 2,
                _pdf_string(text),
            )
        objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content))
        content_ref = len(objects)
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %.0f %.0f] "
            b"/Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> /Contents %d 0 R >>"
            % (page_width, page_height, content_ref)
        )
        page_refs.append(len(objects))
    kids = b" ".join(b"%d 0 R" % ref for ref in page_refs)
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, len(page_refs))

    info = [b"/Producer (Sluiceway docgen)", b"/Creator (Sluiceway docgen)"]
    stamp = created.astimezone(UTC).strftime("D:%Y%m%d%H%M%SZ")
    info.append(b"/CreationDate (%s)" % stamp.encode())
    for key, value in ((b"/Title", title), (b"/Author", author), (b"/Subject", subject)):
        if value:
            info.append(key + b" " + _pdf_info_string(value))
    objects.append(b"<< " + b" ".join(info) + b" >>")
    info_ref = len(objects)

    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets: list[int] = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref_offset = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    file_id = hashlib.md5(bytes(out), usedforsecurity=False).hexdigest().upper().encode()
    out += (
        b"trailer\n<< /Size %d /Root 1 0 R /Info %d 0 R /ID [<%s> <%s>] >>\nstartxref\n%d\n%%%%EOF\n"
        % (len(objects) + 1, info_ref, file_id, file_id, xref_offset)
    )
    return bytes(out)


def encrypt_pdf(data: bytes, user_password: str, owner_password: str | None = None) -> bytes:
    """Return ``data`` (a PDF) encrypted with RC4-128 via pypdf (needs no extra packages)."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.encrypt(user_password, owner_password or user_password + "-owner", algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _split_paragraphs(text: str) -> list[Block]:
    blocks: list[Block] = []
    for page_number, page in enumerate(text.split(PAGE_BREAK)):
        if page_number:
            blocks.append(PAGE_BREAK)
        blocks.extend(p.strip("\n") for p in re.split(r"\n[ \t]*\n", page) if p.strip())
    return blocks
