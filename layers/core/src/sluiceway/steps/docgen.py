"""Generate small, valid PDF and DOCX files with the standard library alone.

Used to build the sample documents under ``samples/`` and, in tests, documents made on the fly:

- :func:`build_pdf` lays out text in Helvetica on as many pages as it needs (headings, wrapped
  paragraphs, explicit page breaks) and writes a PDF 1.4 file with a correct cross-reference table;
- :func:`build_docx` writes a minimal WordprocessingML package (paragraphs, headings, tables);
- :func:`markdown_to_blocks` turns simple Markdown into the blocks both writers take;
- :func:`encrypt_pdf` password-protects a PDF (the one function that needs pypdf).

Regenerate the generated samples with ``python -m sluiceway.steps.docgen samples/``: it renders
the PDF and DOCX samples (some from the hand-written Markdown next to them) and the byte-level bad
samples. Output is byte-for-byte reproducible except ``bad/encrypted.pdf``, whose second file
identifier pypdf always draws at random.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import re
import sys
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Final
from xml.sax.saxutils import escape

from sluiceway.steps.extract_text import strip_markdown_inline

__all__ = [
    "FIXED_DATE",
    "PAGE_BREAK",
    "Block",
    "Heading",
    "Table",
    "build_docx",
    "build_pdf",
    "encrypt_pdf",
    "generated_samples",
    "markdown_to_blocks",
    "write_samples",
]

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


# --------------------------------------------------------------------------------------------
# PDF
# --------------------------------------------------------------------------------------------

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


# --------------------------------------------------------------------------------------------
# DOCX
# --------------------------------------------------------------------------------------------

_CONTENT_TYPES: Final = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>
<Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/>
<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>
<Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>
</Types>"""

_ROOT_RELS: Final = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>
<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>
<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties" Target="docProps/app.xml"/>
</Relationships>"""

_DOCUMENT_RELS: Final = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>
</Relationships>"""

_APP: Final = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">
<Application>Sluiceway docgen</Application>
</Properties>"""


def _style(style_id: str, name: str, size_half_points: int, bold: bool, outline: int | None) -> str:
    outline_xml = f'<w:outlineLvl w:val="{outline}"/>' if outline is not None else ""
    bold_xml = "<w:b/>" if bold else ""
    return (
        f'<w:style w:type="paragraph" w:styleId="{style_id}"><w:name w:val="{name}"/>'
        '<w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:qFormat/>'
        f'<w:pPr><w:keepNext/><w:spacing w:before="240" w:after="120"/>{outline_xml}</w:pPr>'
        f'<w:rPr>{bold_xml}<w:sz w:val="{size_half_points}"/></w:rPr></w:style>'
    )


_STYLES: Final = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<w:styles xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    '<w:docDefaults><w:rPrDefault><w:rPr><w:rFonts w:ascii="Calibri" w:hAnsi="Calibri" '
    'w:cs="Calibri"/><w:sz w:val="22"/></w:rPr></w:rPrDefault><w:pPrDefault><w:pPr>'
    '<w:spacing w:after="160" w:line="259" w:lineRule="auto"/></w:pPr></w:pPrDefault>'
    "</w:docDefaults>"
    '<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/>'
    "<w:qFormat/></w:style>"
    + _style("Title", "Title", 40, False, None)
    + _style("Heading1", "heading 1", 32, True, 0)
    + _style("Heading2", "heading 2", 26, True, 1)
    + _style("Heading3", "heading 3", 24, True, 2)
    + '<w:style w:type="table" w:styleId="TableGrid"><w:name w:val="Table Grid"/><w:tblPr>'
    '<w:tblBorders><w:top w:val="single" w:sz="4" w:space="0" w:color="auto"/>'
    '<w:left w:val="single" w:sz="4" w:space="0" w:color="auto"/>'
    '<w:bottom w:val="single" w:sz="4" w:space="0" w:color="auto"/>'
    '<w:right w:val="single" w:sz="4" w:space="0" w:color="auto"/>'
    '<w:insideH w:val="single" w:sz="4" w:space="0" w:color="auto"/>'
    '<w:insideV w:val="single" w:sz="4" w:space="0" w:color="auto"/>'
    "</w:tblBorders></w:tblPr></w:style>"
    "</w:styles>"
)

_XML_INVALID: Final = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_text(text: str) -> str:
    return escape(_XML_INVALID.sub("", text))


def _runs(text: str, bold: bool = False) -> str:
    run_props = "<w:rPr><w:b/></w:rPr>" if bold else ""
    parts: list[str] = []
    for line_number, line in enumerate(text.split("\n")):
        if line_number:
            parts.append("<w:br/>")
        for piece_number, piece in enumerate(line.split("\t")):
            if piece_number:
                parts.append("<w:tab/>")
            if piece:
                parts.append(f'<w:t xml:space="preserve">{_xml_text(piece)}</w:t>')
    return f"<w:r>{run_props}{''.join(parts)}</w:r>"


def _paragraph(text: str, style: str | None = None, bold: bool = False) -> str:
    props = f'<w:pPr><w:pStyle w:val="{style}"/></w:pPr>' if style else ""
    return f"<w:p>{props}{_runs(text, bold)}</w:p>"


def _table(table: Table) -> str:
    columns = max((len(row) for row in table.rows), default=0)
    if not columns:
        return ""
    width = 9000 // columns
    grid = "".join(f'<w:gridCol w:w="{width}"/>' for _ in range(columns))
    rows = []
    for row_number, row in enumerate(table.rows):
        cells = list(row) + [""] * (columns - len(row))
        cell_xml = "".join(
            f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/></w:tcPr>'
            f"{_paragraph(cell, bold=row_number == 0)}</w:tc>"
            for cell in cells
        )
        header = "<w:trPr><w:tblHeader/></w:trPr>" if row_number == 0 else ""
        rows.append(f"<w:tr>{header}{cell_xml}</w:tr>")
    return (
        '<w:tbl><w:tblPr><w:tblStyle w:val="TableGrid"/><w:tblW w:w="0" w:type="auto"/>'
        f"</w:tblPr><w:tblGrid>{grid}</w:tblGrid>{''.join(rows)}</w:tbl>"
    )


def _core(title: str | None, author: str | None, subject: str | None, created: datetime) -> str:
    stamp = created.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    fields = [
        f"<dc:title>{_xml_text(title)}</dc:title>" if title else "",
        f"<dc:subject>{_xml_text(subject)}</dc:subject>" if subject else "",
        f"<dc:creator>{_xml_text(author)}</dc:creator>" if author else "",
        f'<dcterms:created xsi:type="dcterms:W3CDTF">{stamp}</dcterms:created>',
        f'<dcterms:modified xsi:type="dcterms:W3CDTF">{stamp}</dcterms:modified>',
    ]
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/'
        'core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:dcterms="http://purl.org/dc/terms/" xmlns:dcmitype="http://purl.org/dc/dcmitype/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        + "".join(fields)
        + "</cp:coreProperties>"
    )


def build_docx(
    blocks: Sequence[Block],
    *,
    title: str | None = None,
    author: str | None = None,
    subject: str | None = None,
    created: datetime = FIXED_DATE,
    include_document_xml: bool = True,
) -> bytes:
    """Build a minimal but valid ``.docx`` (opens in Word and LibreOffice) and return its bytes.

    ``str`` blocks are paragraphs (``\\n`` becomes a line break, ``\\t`` a tab); a :class:`Heading`
    of level 0 uses the Title style, 1-3 the Heading styles; a :class:`Table` is a bordered table
    with a bold header row. ``include_document_xml=False`` leaves out ``word/document.xml``, for
    testing broken files. The output is deterministic.
    """
    body: list[str] = []
    for block in blocks:
        if isinstance(block, Heading):
            style = "Title" if block.level <= 0 else f"Heading{min(block.level, 3)}"
            body.append(_paragraph(block.text, style))
        elif isinstance(block, Table):
            body.append(_table(block))
        elif block == PAGE_BREAK:
            body.append('<w:p><w:r><w:br w:type="page"/></w:r></w:p>')
        else:
            body.append(_paragraph(block))
    document = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        "<w:body>" + "".join(body) + '<w:sectPr><w:pgSz w:w="11906" w:h="16838"/>'
        '<w:pgMar w:top="1440" w:right="1440" w:bottom="1440" w:left="1440" w:header="708" '
        'w:footer="708" w:gutter="0"/></w:sectPr></w:body></w:document>'
    )
    parts = [
        ("[Content_Types].xml", _CONTENT_TYPES),
        ("_rels/.rels", _ROOT_RELS),
        ("word/_rels/document.xml.rels", _DOCUMENT_RELS),
        ("word/styles.xml", _STYLES),
        ("docProps/core.xml", _core(title, author, subject, created)),
        ("docProps/app.xml", _APP),
    ]
    if include_document_xml:
        parts.insert(2, ("word/document.xml", document))
    buffer = io.BytesIO()
    timestamp = created.astimezone(UTC).timetuple()[:6]
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in parts:
            info = zipfile.ZipInfo(name, date_time=timestamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, content.encode("utf-8"))
    return buffer.getvalue()


# --------------------------------------------------------------------------------------------
# Markdown -> blocks
# --------------------------------------------------------------------------------------------

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


# --------------------------------------------------------------------------------------------
# Samples
# --------------------------------------------------------------------------------------------

_INVOICE_ACME: Final[list[Block]] = [
    Heading("INVOICE", 0),
    "Acme Industrial Supply Ltd\nUnit 7, Riverside Trade Park\nLeeds LS10 1QR\nUnited Kingdom\n"
    "VAT registration no. GB 318 4471 92\naccounts@acme-industrial.example",
    "Invoice number: ACME-2026-0142\nIssue date: 3 March 2026\nDue date: 2 April 2026 "
    "(30 days net)\nCustomer PO: HBL-PO-55817\nCurrency: GBP",
    Heading("Bill to", 2),
    "Harbourline Bottling Co. Ltd\nAttn: Accounts Payable\n14 Quayside Road\nHull HU1 2AB\n"
    "United Kingdom\nCustomer account: C-20931",
    Heading("Line items", 2),
    Table(
        [
            ["#", "Description", "Qty", "Unit price", "Amount"],
            ["1", "Stainless steel conveyor chain, 12.7 mm pitch, 5 m", "4", "186.50", "746.00"],
            ["2", "Food-grade bearing unit UCFL205, sealed", "16", "23.40", "374.40"],
            ["3", "Nitrile O-ring kit, 382 pieces", "2", "64.00", "128.00"],
            ["4", "Photoelectric sensor, diffuse, M18, 24 V DC", "6", "41.75", "250.50"],
            ["5", "On-site fitting, engineer day rate", "1.5", "520.00", "780.00"],
            ["6", "Carriage, next-day pallet delivery", "1", "45.00", "45.00"],
        ]
    ),
    "Subtotal: GBP 2,323.90\nVAT at 20%: GBP 464.78\nTotal due: GBP 2,788.68",
    Heading("Payment", 2),
    "Please pay by bank transfer to Acme Industrial Supply Ltd, sort code 40-12-76, account "
    "number 61849302 (IBAN GB29 HBUK 4012 7661 8493 02, BIC HBUKGB4B), quoting ACME-2026-0142 as "
    "the payment reference. Late payments may incur interest under the Late Payment of "
    "Commercial Debts (Interest) Act 1998.",
    "Goods remain the property of Acme Industrial Supply Ltd until paid for in full. Questions "
    "about this invoice: Priya Raman, credit control, +44 113 496 0720.",
]


def _deterministic_bytes(seed: bytes, size: int) -> bytes:
    out = bytearray()
    block = seed
    while len(out) < size:
        block = hashlib.sha256(block).digest()
        out += block
    return bytes(out[:size])


def _binary_junk() -> bytes:
    junk = bytearray(_deterministic_bytes(b"sluiceway binary junk", 2048))
    for i in range(0, len(junk), 61):  # make sure there are plenty of NUL bytes
        junk[i] = 0
    return bytes(junk)


def _cp1252_undefined() -> bytes:
    return (
        b"Supplier remittance advice - batch 2026-03\r\n"
        b"Payee: Gr\x81nwald Metallbau GmbH \x8d ref \x8f\x90 0413\r\n"
        b"Amount: EUR 1.204,50 \x9d paid 14.03.2026\r\n"
        b"Note: exported by a legacy terminal with a broken code page \x81\x8d\x8f\x90\x9d\r\n"
    )


def _report_pdf(markdown: str) -> bytes:
    blocks, front = markdown_to_blocks(markdown)
    return build_pdf(
        blocks,
        title=front.get("title"),
        author=front.get("author"),
        subject=front.get("subject"),
        footer="Harrow & Finch Outdoor Equipment Ltd - Q1 2026 quarterly report - "
        "confidential - page {page} of {pages}",
    )


def generated_samples(root: Path) -> dict[Path, bytes]:
    """The generated sample files under ``root`` (relative paths -> bytes)."""
    documents = root / "documents"
    report_md = (documents / "quarterly-report-harrow-finch-2026-q1.md").read_text("utf-8")
    contract_md = (documents / "service-agreement-larkspur-meridian.md").read_text("utf-8")
    contract_blocks, contract_front = markdown_to_blocks(contract_md)
    acme = build_pdf(
        _INVOICE_ACME,
        title="Invoice ACME-2026-0142",
        author="Acme Industrial Supply Ltd",
        subject="Invoice to Harbourline Bottling Co. Ltd",
        footer="Acme Industrial Supply Ltd - registered in England and Wales, company no. "
        "04417286 - page {page} of {pages}",
        font_size=9.5,
        margin=54.0,
    )
    return {
        Path("documents/invoice-acme-2026-0142.pdf"): acme,
        Path("documents/quarterly-report-harrow-finch-2026-q1.pdf"): _report_pdf(report_md),
        Path("documents/service-agreement-larkspur-meridian.docx"): build_docx(
            contract_blocks,
            title=contract_front.get("title"),
            author=contract_front.get("author"),
            subject=contract_front.get("subject"),
        ),
        Path("bad/corrupt.pdf"): acme[: len(acme) * 2 // 3].replace(b"endobj", b"endojb", 3),
        Path("bad/encrypted.pdf"): encrypt_pdf(acme, "harbourline-2026"),
        Path("bad/no-text.pdf"): build_pdf("\f", title="Scanned delivery note"),
        Path("bad/not-a-zip.docx"): b"This file was renamed from .txt to .docx by mistake.\n",
        Path("bad/missing-document-xml.docx"): build_docx(
            ["unused"], title="Broken package", include_document_xml=False
        ),
        Path("bad/binary-junk.txt"): _binary_junk(),
        Path("bad/empty.txt"): b"",
        Path("bad/latin1-garbage.txt"): _cp1252_undefined(),
    }


def write_samples(root: Path) -> list[Path]:
    """Write every generated sample under ``root``; return the paths written."""
    written: list[Path] = []
    for relative, data in generated_samples(root).items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        written.append(path)
    return written


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m sluiceway.steps.docgen",
        description="Regenerate the generated sample documents (PDF, DOCX, bad files).",
    )
    parser.add_argument("root", type=Path, help="the samples directory, e.g. samples/")
    args = parser.parse_args(list(argv) if argv is not None else None)
    for path in write_samples(args.root):
        sys.stdout.write(f"wrote {path} ({path.stat().st_size:,} bytes)\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
