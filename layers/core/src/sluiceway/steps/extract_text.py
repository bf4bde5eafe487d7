"""Turn the bytes of an uploaded document into normalized plain text.

Supported formats: PDF (pypdf), Word ``.docx`` (``zipfile`` + ``xml.etree``), HTML (``html.parser``),
Markdown, plain text, CSV and JSON. Everything except PDF uses only the standard library.

Every failure is one of the typed document errors in :mod:`sluiceway.errors`, with a message that
names the file and says what is wrong, for example ``"invoice.pdf is not a valid PDF: EOF marker
not found"``. Exceptions from pypdf, ``zipfile``, ``xml``, ``csv`` or ``json`` never escape.

How the format is chosen (:func:`detect_format`):

1. Unambiguous binary signatures win over the file name: bytes that start with ``%PDF-`` are read
   as a PDF, and a ZIP archive holding ``word/document.xml`` is read as a ``.docx``, whatever the
   extension says. A ``report.txt`` that is really a PDF is therefore read as the PDF it is: reading
   it as text could only fail (PDF bytes are binary) or produce garbage, and mislabelled uploads
   are common. ``ExtractedText.metadata["detected_by"]`` is ``"content"`` when this happened.
2. Otherwise the extension decides (``.pdf .docx .html .htm .md .markdown .txt .text .csv .json``).
   A file with a known extension but the wrong content fails with the error of that format (a
   ``.pdf`` that holds plain text is a :class:`~sluiceway.errors.CorruptDocument`).
3. A file with no or an unknown extension is sniffed once more for HTML (``<!doctype html`` or
   ``<html`` at the start); anything else is an :class:`~sluiceway.errors.UnsupportedDocumentType`.

Text decoding (text formats): a byte-order mark selects UTF-8, UTF-16 or UTF-32; BOM-less UTF-16
is recognised when its NUL-byte pattern is unmistakable; otherwise strict UTF-8, then strict
Windows-1252, and only if the result is plausibly text (almost no control characters). Latin-1
is never used as a fallback, because it decodes any bytes at all, binary included.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
import unicodedata
import warnings
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from html.parser import HTMLParser
from itertools import islice, zip_longest
from pathlib import PurePosixPath
from typing import Final
from xml.etree import ElementTree

from pypdf import PasswordType, PdfReader
from pypdf.errors import DependencyError

from sluiceway.errors import (
    CorruptDocument,
    DocumentTooLarge,
    EmptyDocument,
    EncryptedDocument,
    NoTextFound,
    SluicewayError,
    TextDecodingError,
    UnsupportedDocumentType,
)

__all__ = [
    "EXTENSIONS",
    "MEDIA_TYPES",
    "ExtractedText",
    "decode_text",
    "detect_format",
    "extract_text",
    "normalize_text",
    "strip_markdown_inline",
]

DEFAULT_MAX_BYTES: Final = 50 * 1024 * 1024

#: File extension -> format name.
EXTENSIONS: Final[dict[str, str]] = {
    ".pdf": "pdf",
    ".docx": "docx",
    ".html": "html",
    ".htm": "html",
    ".md": "md",
    ".markdown": "md",
    ".txt": "txt",
    ".text": "txt",
    ".csv": "csv",
    ".json": "json",
}

#: Format name -> media type reported in :attr:`ExtractedText.media_type`.
MEDIA_TYPES: Final[dict[str, str]] = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "html": "text/html",
    "md": "text/markdown",
    "txt": "text/plain",
    "csv": "text/csv",
    "json": "application/json",
}

_SUPPORTED: Final = ", ".join(EXTENSIONS)

# A .docx whose document.xml expands beyond this is refused (zip bombs).
_MAX_DOCX_XML_BYTES: Final = 200 * 1024 * 1024


@dataclass(frozen=True)
class ExtractedText:
    """The text of a document plus what was learned while reading it.

    ``text`` is normalized (see :func:`normalize_text`): ``\\n`` line ends, no NUL or other control
    characters except tab and newline, no trailing spaces, at most one blank line in a row, Unicode
    NFC. Paragraphs are separated by a blank line wherever the format says where paragraphs are.
    """

    text: str
    media_type: str
    title: str | None = None
    pages: int | None = None
    encoding: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)


@dataclass
class _Raw:
    text: str
    title: str | None = None
    pages: int | None = None
    encoding: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)


# --------------------------------------------------------------------------------------------
# Public entry points
# --------------------------------------------------------------------------------------------


def extract_text(
    data: bytes, filename: str, *, max_bytes: int = DEFAULT_MAX_BYTES
) -> ExtractedText:
    """Extract normalized text from ``data``, a document named ``filename``.

    The format comes from :func:`detect_format`: a PDF or DOCX signature in the bytes wins over
    the extension (a ``.txt`` upload that is really a PDF is read as a PDF, and
    ``metadata["detected_by"]`` says ``"content"``); otherwise the extension decides.

    Raises (all subclasses of :class:`~sluiceway.errors.DocumentError`):

    - ``DocumentTooLarge`` when ``len(data) > max_bytes`` (checked before anything is parsed);
    - ``EmptyDocument`` for 0 bytes, or a document whose text is only whitespace;
    - ``UnsupportedDocumentType`` when the format is not one listed in :data:`EXTENSIONS`;
    - ``CorruptDocument`` when the bytes are not a valid file of their format;
    - ``EncryptedDocument`` for a PDF (or Office file) that needs a password;
    - ``TextDecodingError`` for a text format whose bytes are not text;
    - ``NoTextFound`` for a valid PDF without extractable text (typically a scan).

    ``ValueError`` only for a non-positive ``max_bytes`` (a programming error, not a bad document).
    """
    if max_bytes <= 0:
        raise ValueError(f"max_bytes must be positive, got {max_bytes}")
    name = _display_name(filename)
    size = len(data)
    if size > max_bytes:
        raise DocumentTooLarge(
            f"{name} is {_human_size(size)}, over the limit of {_human_size(max_bytes)}"
        )
    if size == 0:
        raise EmptyDocument(f"{name} is empty (0 bytes)")
    fmt, detected_by = _detect(data, filename)
    raw = _EXTRACTORS[fmt](data, name)
    text = normalize_text(raw.text)
    if not text.strip():
        if fmt == "pdf":
            raise NoTextFound(f"{name} has {raw.pages} page(s) but no extractable text")
        # Every other format: markup, rows or values, but nothing but whitespace in them.
        raise EmptyDocument(f"{name} has no text: its content is empty or only whitespace")
    metadata = {"format": fmt, "detected_by": detected_by, **raw.metadata}
    return ExtractedText(
        text=text,
        media_type=MEDIA_TYPES[fmt],
        title=_clean_title(raw.title),
        pages=raw.pages,
        encoding=raw.encoding,
        metadata=metadata,
    )


def detect_format(data: bytes, filename: str) -> str:
    """Return ``"pdf" | "docx" | "html" | "md" | "txt" | "csv" | "json"`` (see the module doc).

    Raises ``UnsupportedDocumentType`` (naming the supported extensions) or, for a password
    protected Office file, ``EncryptedDocument``.
    """
    return _detect(data, filename)[0]


def normalize_text(text: str) -> str:
    """Normalize extracted text.

    ``\\r\\n`` and ``\\r`` become ``\\n``; form feeds, vertical tabs and Unicode line/paragraph
    separators become line breaks; NUL, stray BOMs and other C0/C1 control characters (except tab
    and newline) are removed; Unicode is NFC-composed; trailing whitespace is trimmed from every
    line; runs of more than one blank line collapse to a single blank line (the paragraph
    separator); leading blank lines and trailing whitespace are removed.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n").translate(_NORMALIZE_TABLE)
    text = _CONTROL_CHARS_RE.sub("", text)
    text = unicodedata.normalize("NFC", text)
    text = _TRAILING_WS_RE.sub("", text)
    text = _BLANK_LINES_RE.sub("\n\n", text)
    return text.strip("\n").rstrip()


def decode_text(data: bytes, filename: str) -> tuple[str, str]:
    """Decode the bytes of a text file; return ``(text, encoding)``.

    Order: BOM (UTF-32 LE/BE, UTF-8, UTF-16 LE/BE), BOM-less UTF-16 (only when its NUL pattern is
    unmistakable), strict UTF-8, strict Windows-1252. Every result must be plausibly text (at most
    about 1% control characters other than tab, newline, carriage return and form feed). Raises
    ``TextDecodingError`` otherwise; never falls back to Latin-1.
    """
    name = _display_name(filename)
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                text = data[len(bom) :].decode(codec)
            except UnicodeDecodeError as exc:
                raise TextDecodingError(
                    f"{name} starts with a {codec.upper()} byte-order mark but is not valid "
                    f"{codec.upper()}: {exc.reason} at byte {exc.start + len(bom)}"
                ) from exc
            encoding = "utf-8-sig" if codec == "utf-8" else codec
            _check_plausible(text, name, encoding)
            return text, encoding

    utf16 = _sniff_bomless_utf16(data)
    if utf16 is not None:
        try:
            text = data.decode(utf16)
        except UnicodeDecodeError:
            pass
        else:
            _check_plausible(text, name, utf16)
            return text, utf16

    nuls = data.count(0)
    if nuls:
        raise TextDecodingError(
            f"{name} is not a text file: it contains {nuls} NUL byte{'s' if nuls != 1 else ''}, "
            "which means binary data"
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as utf8_error:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError as cp_error:
            bad = data[cp_error.start]
            raise TextDecodingError(
                f"{name} is not readable text: it is not valid UTF-8 ({utf8_error.reason} at byte "
                f"{utf8_error.start}) nor Windows-1252 (byte 0x{bad:02X} at offset "
                f"{cp_error.start} is undefined there); save it as UTF-8 and upload it again"
            ) from cp_error
        _check_plausible(text, name, "cp1252")
        return text, "cp1252"
    _check_plausible(text, name, "utf-8")
    return text, "utf-8"


# --------------------------------------------------------------------------------------------
# Helpers: names, sizes, normalization, decoding
# --------------------------------------------------------------------------------------------


def _display_name(filename: str) -> str:
    base = filename.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1].strip()
    return base or "the document"


def _extension(filename: str) -> str:
    return PurePosixPath(_display_name(filename)).suffix.lower()


def _human_size(size: int) -> str:
    if size < 1024:
        return f"{size} byte{'s' if size != 1 else ''}"
    value = float(size)
    for unit in ("KB", "MB", "GB", "TB"):
        value /= 1024
        if value < 1024 or unit == "TB":
            return f"{size:,} bytes ({value:.1f} {unit})"
    raise AssertionError("unreachable")  # pragma: no cover


def _describe(exc: BaseException) -> str:
    message = " ".join(str(exc).split())
    if not message:
        return type(exc).__name__
    return message if len(message) <= 200 else message[:197] + "..."


def _clean_title(title: str | None) -> str | None:
    if title is None:
        return None
    cleaned = " ".join(normalize_text(title).split())
    return cleaned or None


_NORMALIZE_TABLE: Final = {
    0x0B: "\n",  # vertical tab
    0x0C: "\n\n",  # form feed (page break)
    0x85: "\n",  # next line
    0x2028: "\n",  # line separator
    0x2029: "\n\n",  # paragraph separator
    0xFEFF: None,  # stray byte-order marks / zero width no-break space
}
_CONTROL_CHARS_RE: Final = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")
_TRAILING_WS_RE: Final = re.compile(r"[^\S\n]+$", re.MULTILINE)
_BLANK_LINES_RE: Final = re.compile(r"\n{3,}")
_IMPLAUSIBLE_RE: Final = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")

_BOMS: Final = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: FF FE 00 00 starts with FF FE
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def _sniff_bomless_utf16(data: bytes) -> str | None:
    """UTF-16 without a BOM, recognised only when mostly-ASCII text makes it unmistakable."""
    sample = data[:4096]
    if len(sample) < 4 or len(data) % 2:
        return None
    even, odd = sample[0::2], sample[1::2]
    pairs = len(odd)
    even_nuls, odd_nuls = even.count(0), odd.count(0)
    if odd_nuls >= 0.7 * pairs and even_nuls <= 0.05 * pairs:
        return "utf-16-le"
    if even_nuls >= 0.7 * pairs and odd_nuls <= 0.05 * pairs:
        return "utf-16-be"
    return None


def _check_plausible(text: str, name: str, encoding: str) -> None:
    bad = len(_IMPLAUSIBLE_RE.findall(text))
    if bad > max(1, len(text) // 100):
        raise TextDecodingError(
            f"{name} is not a text file: decoded as {encoding}, {bad} of its {len(text)} "
            "characters are control characters, which means binary data"
        )


# --------------------------------------------------------------------------------------------
# Format detection
# --------------------------------------------------------------------------------------------

_OLE_MAGIC: Final = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_OLE_ENCRYPTED_STREAM: Final = "EncryptedPackage".encode("utf-16-le")


def _detect(data: bytes, filename: str) -> tuple[str, str]:
    name = _display_name(filename)
    ext = _extension(filename)
    by_extension = EXTENSIONS.get(ext)
    head = data[:1024].lstrip(b" \t\r\n\x0c\x00")
    if head.startswith(b"%PDF-"):
        return "pdf", "extension" if by_extension == "pdf" else "content"
    if data.startswith(b"PK\x03\x04") and _is_docx_zip(data):
        return "docx", "extension" if by_extension == "docx" else "content"
    if data.startswith(_OLE_MAGIC):
        if _OLE_ENCRYPTED_STREAM in data:
            raise EncryptedDocument(
                f"{name} is a password-protected Office document; remove the password and "
                "upload it again"
            )
        if by_extension == "docx":
            raise UnsupportedDocumentType(
                f"{name} is a legacy Word .doc file (OLE format), not a .docx; save it as "
                f".docx or PDF. Supported: {_SUPPORTED}"
            )
    if by_extension is not None:
        return by_extension, "extension"
    if _looks_like_html(data):
        return "html", "content"
    shown = ext or "(no extension)"
    raise UnsupportedDocumentType(
        f"{name}: unsupported document type {shown}; supported extensions are {_SUPPORTED}"
    )


def _is_docx_zip(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "word/document.xml" in archive.namelist()
    except Exception:  # any unreadable archive is simply "not a docx"
        return False


def _looks_like_html(data: bytes) -> bool:
    head = data[:512]
    for bom, codec in _BOMS:
        if head.startswith(bom):
            head_text = head[len(bom) :].decode(codec, errors="ignore")
            break
    else:
        head_text = head.decode("utf-8", errors="ignore")
    head_text = head_text.lstrip().lower()
    return head_text.startswith(("<!doctype html", "<html"))


# --------------------------------------------------------------------------------------------
# PDF
# --------------------------------------------------------------------------------------------

_LIGATURES: Final = str.maketrans(
    {"\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl"}
)
_PDF_INFO_KEYS: Final = {
    "/Author": "author",
    "/Subject": "subject",
    "/Keywords": "keywords",
    "/Creator": "creator",
    "/Producer": "producer",
    "/CreationDate": "creation_date",
    "/ModDate": "modification_date",
}


def _extract_pdf(data: bytes, name: str) -> _Raw:
    texts: list[str] = []
    failed_pages = 0
    title: str | None = None
    metadata: dict[str, str] = {}
    try:
        # pypdf reports most oddities through logging, a few through warnings; a warnings filter
        # set to "error" (as under pytest) must not turn a readable PDF into a failure.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = PdfReader(io.BytesIO(data))
            if reader.is_encrypted:
                try:
                    outcome = reader.decrypt("")
                except DependencyError as exc:
                    raise EncryptedDocument(
                        f"{name} is encrypted with a cipher this installation cannot decrypt "
                        f"({_describe(exc)})"
                    ) from exc
                if outcome == PasswordType.NOT_DECRYPTED:
                    raise EncryptedDocument(
                        f"{name} is password-protected: it cannot be opened without its "
                        "password; remove the protection and upload it again"
                    )
            pages = reader.pages
            page_count = len(pages)
            for page in pages:
                try:
                    texts.append(page.extract_text() or "")
                except Exception:  # one broken page should not lose the others
                    failed_pages += 1
                    texts.append("")
            try:
                info = reader.metadata
            except Exception:
                info = None
            if info is not None:
                raw_title = info.get("/Title")
                title = str(raw_title) if raw_title else None
                for key, label in _PDF_INFO_KEYS.items():
                    value = info.get(key)
                    if value:
                        metadata[label] = " ".join(str(value).split())
    except SluicewayError:
        raise
    except Exception as exc:
        hint = (
            ""
            if b"%%EOF" in data[-2048:]
            else " (the file looks truncated: it has no %%EOF marker)"
        )
        raise CorruptDocument(f"{name} is not a valid PDF: {_describe(exc)}{hint}") from exc

    if page_count == 0:
        raise EmptyDocument(f"{name} is a PDF without any pages")
    if failed_pages == page_count:
        raise CorruptDocument(f"{name} is damaged: none of its {page_count} page(s) can be read")
    empty_pages = sum(1 for text in texts if not text.strip())
    if empty_pages == page_count:
        raise NoTextFound(
            f"{name} has {page_count} page{'s' if page_count != 1 else ''} but no extractable "
            "text; it is probably a scanned image, and OCR is not supported"
        )
    if empty_pages:
        metadata["pages_without_text"] = str(empty_pages)
    if failed_pages:
        metadata["unreadable_pages"] = str(failed_pages)
    text = "\n\n".join(t.strip("\n") for t in texts if t.strip()).translate(_LIGATURES)
    return _Raw(text=text, title=title, pages=page_count, metadata=metadata)


# --------------------------------------------------------------------------------------------
# DOCX
# --------------------------------------------------------------------------------------------

_W: Final = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_CORE_NS: Final = {
    "dc": "http://purl.org/dc/elements/1.1/",
    "dcterms": "http://purl.org/dc/terms/",
    "cp": "http://schemas.openxmlformats.org/package/2006/metadata/core-properties",
}
_MC_FALLBACK: Final = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
# Elements that only wrap other block- or row-level content.
_DOCX_WRAPPERS: Final = frozenset({f"{_W}sdt", f"{_W}sdtContent", f"{_W}customXml", f"{_W}ins"})


def _extract_docx(data: bytes, name: str) -> _Raw:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise CorruptDocument(
            f"{name} is not a valid .docx file: it is not a ZIP archive ({_describe(exc)})"
        ) from exc
    except Exception as exc:
        raise CorruptDocument(f"{name} is not a valid .docx file: {_describe(exc)}") from exc
    with archive:
        try:
            info = archive.getinfo("word/document.xml")
        except KeyError as exc:
            raise CorruptDocument(
                f"{name} is not a valid .docx file: word/document.xml is missing from the archive"
            ) from exc
        if info.file_size > _MAX_DOCX_XML_BYTES:
            raise DocumentTooLarge(
                f"{name} expands to {_human_size(info.file_size)} of document XML, over the "
                f"limit of {_human_size(_MAX_DOCX_XML_BYTES)}"
            )
        document = _read_docx_xml(archive, "word/document.xml", name)
        try:
            core = _read_docx_xml(archive, "docProps/core.xml", name)
        except CorruptDocument:
            core = None  # optional part; a broken one must not lose the body text
    if document is None:  # pragma: no cover - getinfo above guarantees it exists
        raise CorruptDocument(f"{name} is not a valid .docx file: word/document.xml is missing")

    body = document.find(f"{_W}body")
    if body is None:
        raise CorruptDocument(f"{name} is not a valid .docx file: word/document.xml has no body")
    blocks: list[str] = []
    headings: list[tuple[int, str]] = []
    tables = _docx_blocks(body, blocks, headings)

    metadata: dict[str, str] = {"paragraphs": str(len(blocks) - tables), "tables": str(tables)}
    title: str | None = None
    if core is not None:
        for label, path in (
            ("author", "dc:creator"),
            ("subject", "dc:subject"),
            ("created", "dcterms:created"),
            ("modified", "dcterms:modified"),
        ):
            value = core.findtext(path, namespaces=_CORE_NS)
            if value and value.strip():
                metadata[label] = value.strip()
        core_title = core.findtext("dc:title", namespaces=_CORE_NS)
        title = core_title.strip() if core_title and core_title.strip() else None
    if title is None and headings:
        title = min(headings, key=lambda heading: heading[0])[1]
    return _Raw(text="\n\n".join(blocks), title=title, metadata=metadata)


def _read_docx_xml(archive: zipfile.ZipFile, part: str, name: str) -> ElementTree.Element | None:
    try:
        raw = archive.read(part)
    except KeyError:
        return None
    except Exception as exc:
        raise CorruptDocument(
            f"{name} is damaged: {part} cannot be read ({_describe(exc)})"
        ) from exc
    if b"<!DOCTYPE" in raw[:4096] or b"<!ENTITY" in raw[:4096]:
        raise CorruptDocument(f"{name} is not a valid .docx file: {part} declares a DTD")
    try:
        return ElementTree.fromstring(raw)
    except ElementTree.ParseError as exc:
        raise CorruptDocument(f"{name} is damaged: {part} is not well-formed XML ({exc})") from exc
    except Exception as exc:
        raise CorruptDocument(f"{name} is damaged: {part} ({_describe(exc)})") from exc


def _children(element: ElementTree.Element, tag: str) -> Iterator[ElementTree.Element]:
    """Children with ``tag``, looking through content-control and custom-XML wrappers."""
    for child in element:
        if child.tag == tag:
            yield child
        elif child.tag in _DOCX_WRAPPERS:
            yield from _children(child, tag)


def _docx_blocks(
    container: ElementTree.Element, blocks: list[str], headings: list[tuple[int, str]]
) -> int:
    """Append the paragraphs and tables of ``container`` to ``blocks``; return tables seen."""
    tables = 0
    for child in container:
        if child.tag == f"{_W}p":
            text = _docx_paragraph_text(child).strip()
            if text:
                blocks.append(text)
                level = _docx_heading_level(child)
                if level is not None:
                    headings.append((level, text))
        elif child.tag == f"{_W}tbl":
            rows = _docx_table_rows(child)
            if rows:
                blocks.append("\n".join(rows))
                tables += 1
        elif child.tag in _DOCX_WRAPPERS:
            tables += _docx_blocks(child, blocks, headings)
    return tables


def _docx_heading_level(paragraph: ElementTree.Element) -> int | None:
    style = paragraph.find(f"{_W}pPr/{_W}pStyle")
    if style is None:
        return None
    value = (style.get(f"{_W}val") or "").replace(" ", "").lower()
    if value == "title":
        return 0
    if value.startswith("heading") and value[7:].isdigit():
        return int(value[7:])
    return None


def _docx_paragraph_text(paragraph: ElementTree.Element) -> str:
    parts: list[str] = []
    _docx_collect_text(paragraph, parts)
    return "".join(parts)


def _docx_collect_text(element: ElementTree.Element, parts: list[str]) -> None:
    for child in element:
        tag = child.tag
        if tag == f"{_W}t":
            parts.append(child.text or "")
        elif tag == f"{_W}tab":
            parts.append("\t")
        elif tag in (f"{_W}br", f"{_W}cr"):
            parts.append("\n")
        elif tag == f"{_W}noBreakHyphen":
            parts.append("-")
        elif tag == _MC_FALLBACK:
            continue  # the same content as the mc:Choice next to it, for older readers
        else:
            if tag == f"{_W}p" and parts:  # a paragraph in a text box inside this one
                parts.append("\n")
            _docx_collect_text(child, parts)


def _docx_table_rows(table: ElementTree.Element) -> list[str]:
    rows: list[str] = []
    for row in _children(table, f"{_W}tr"):
        cells: list[str] = []
        for cell in _children(row, f"{_W}tc"):
            cell_blocks: list[str] = []
            _docx_blocks(cell, cell_blocks, [])
            cells.append(" ".join(" ".join(block.split()) for block in cell_blocks))
        if any(cells):
            rows.append(" | ".join(cells))
    return rows


# --------------------------------------------------------------------------------------------
# HTML
# --------------------------------------------------------------------------------------------

_HTML_SKIP: Final = frozenset({"script", "style", "noscript", "template", "svg", "math", "iframe"})
_HTML_PARAGRAPH: Final = frozenset(
    {
        "p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "table", "ul", "ol", "dl",
        "section", "article", "header", "footer", "nav", "aside", "main", "address", "figure",
        "form", "fieldset", "hr", "details", "body",
    }
)  # fmt: skip
_HTML_LINE: Final = frozenset(
    {"br", "li", "tr", "div", "dt", "dd", "figcaption", "caption", "summary", "legend", "option"}
)
_HTML_META: Final = {"description": "description", "author": "author", "keywords": "keywords"}
_WS_RE: Final = re.compile(r"\s+")


class _HTMLText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skip_depth = 0
        self.pre_depth = 0
        self.pending_newlines = 0
        self.pending_space = False
        self.cells_in_row = 0
        self.in_title = False
        self.title_parts: list[str] = []
        self.h1_depth = 0
        self.h1_parts: list[str] = []
        self.h1_done = False
        self.metadata: dict[str, str] = {}

    # -- output management
    def _break(self, newlines: int) -> None:
        self.pending_newlines = max(self.pending_newlines, newlines)
        self.pending_space = False

    def _emit(self, text: str) -> None:
        if self.out and self.pending_newlines:
            self.out.append("\n" * self.pending_newlines)
        elif self.out and self.pending_space and not self.out[-1].endswith((" ", "\n")):
            self.out.append(" ")
        self.pending_newlines = 0
        self.pending_space = False
        self.out.append(text)

    # -- parser callbacks
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HTML_SKIP:
            self.skip_depth += 1
            return
        if tag == "title":
            self.in_title = True
        elif tag == "h1" and not self.h1_done:
            self.h1_depth += 1
        elif tag == "html":
            lang = dict(attrs).get("lang")
            if lang:
                self.metadata["lang"] = lang.strip()
        elif tag == "meta":
            attributes = dict(attrs)
            label = _HTML_META.get((attributes.get("name") or "").lower())
            content = attributes.get("content")
            if label and content and content.strip():
                self.metadata[label] = " ".join(content.split())
        if tag == "pre":
            self.pre_depth += 1
        if tag in ("td", "th"):
            if self.cells_in_row and self.out and not self.pending_newlines:
                self.out.append(" | ")
                self.pending_space = False
            self.cells_in_row += 1
        elif tag == "tr":
            self.cells_in_row = 0
        if tag in _HTML_PARAGRAPH:
            self._break(2)
        elif tag in _HTML_LINE:
            self._break(1)

    def handle_endtag(self, tag: str) -> None:
        if tag in _HTML_SKIP:
            self.skip_depth = max(0, self.skip_depth - 1)
            return
        if tag == "title":
            self.in_title = False
        elif tag == "h1" and self.h1_depth:
            self.h1_depth -= 1
            if not self.h1_depth and "".join(self.h1_parts).strip():
                self.h1_done = True
        elif tag == "pre":
            self.pre_depth = max(0, self.pre_depth - 1)
        if tag in _HTML_PARAGRAPH:
            self._break(2)
        elif tag in _HTML_LINE and tag != "br":
            self._break(1)

    def handle_data(self, data: str) -> None:
        if self.skip_depth:
            return
        if self.in_title:
            self.title_parts.append(data)
            return
        if self.h1_depth:
            self.h1_parts.append(data)
        if self.pre_depth:
            self._emit(data)
            return
        if not data:
            return
        collapsed = _WS_RE.sub(" ", data)
        if collapsed.strip():
            if collapsed[0] == " ":
                self.pending_space = True
            self._emit(collapsed.strip())
        if collapsed[-1] == " ":
            self.pending_space = not self.pending_newlines


def _extract_html(data: bytes, name: str) -> _Raw:
    source, encoding = decode_text(data, name)
    parser = _HTMLText()
    try:
        parser.feed(source)
        parser.close()
    except Exception as exc:  # html.parser is lenient; this is a last-resort guard
        raise CorruptDocument(f"{name} is not readable HTML: {_describe(exc)}") from exc
    title = "".join(parser.title_parts).strip() or "".join(parser.h1_parts).strip() or None
    return _Raw(text="".join(parser.out), title=title, encoding=encoding, metadata=parser.metadata)


# --------------------------------------------------------------------------------------------
# Markdown
# --------------------------------------------------------------------------------------------

_MD_HEADING_RE: Final = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
_MD_FENCE_RE: Final = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_MD_RULE_RE: Final = re.compile(r"^ {0,3}(?:(?:-[ \t]*){3,}|(?:\*[ \t]*){3,}|(?:_[ \t]*){3,})$")
_MD_SETEXT_H1_RE: Final = re.compile(r"^ {0,3}=+[ \t]*$")
_MD_SETEXT_H2_RE: Final = re.compile(r"^ {0,3}-+[ \t]*$")
_MD_TABLE_SEP_RE: Final = re.compile(r"^ *\|?(?: *:?-+:? *\|)+(?: *:?-+:? *)?\|? *$")
_MD_REF_DEF_RE: Final = re.compile(r"^ {0,3}\[[^\]]+\]:[ \t]+\S+.*$")
_MD_QUOTE_RE: Final = re.compile(r"^ {0,3}(?:>[ \t]?)+")
_MD_BULLET_RE: Final = re.compile(r"^([ \t]*)[*+-][ \t]+")
_MD_COMMENT_RE: Final = re.compile(r"<!--.*?-->", re.DOTALL)
_MD_FRONT_KEY_RE: Final = re.compile(r"^([A-Za-z0-9_-]+)[ \t]*:[ \t]*(.*)$")

_MD_ESCAPE_RE: Final = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|~<>])")
_MD_CODE_RE: Final = re.compile(r"(`+)(.+?)\1")
_MD_IMAGE_RE: Final = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_MD_LINK_RE: Final = re.compile(r"\[([^\]]+)\]\([^)\s]*(?:[ \t]+(?:\"[^\"]*\"|'[^']*'))?\)")
_MD_REF_LINK_RE: Final = re.compile(r"\[([^\]]+)\]\[[^\]]*\]")
_MD_AUTOLINK_RE: Final = re.compile(r"<((?:https?|ftp|mailto):[^>\s]+|[^@\s<>]+@[^@\s<>]+)>")
_MD_STRONG_RE: Final = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_MD_EM_STAR_RE: Final = re.compile(r"(?<![\w*])\*(?=[^\s*])(.+?)(?<=[^\s*])\*(?![\w*])")
_MD_EM_UNDERSCORE_RE: Final = re.compile(r"(?<![\w_])_(?=[^\s_])(.+?)(?<=[^\s_])_(?![\w_])")
_MD_STRIKE_RE: Final = re.compile(r"~~(?=\S)(.+?)(?<=\S)~~")
_ESCAPE_BASE: Final = 0xE000  # private-use code points stand in for escaped characters


def strip_markdown_inline(line: str) -> str:
    """Remove inline Markdown markup: emphasis, code spans, links and images (keeping their text)."""
    line = _MD_ESCAPE_RE.sub(lambda m: chr(_ESCAPE_BASE + ord(m.group(1))), line)
    line = _MD_CODE_RE.sub(lambda m: m.group(2).strip(), line)
    line = _MD_IMAGE_RE.sub(r"\1", line)
    line = _MD_LINK_RE.sub(r"\1", line)
    line = _MD_REF_LINK_RE.sub(r"\1", line)
    line = _MD_AUTOLINK_RE.sub(r"\1", line)
    for _ in range(2):  # nested emphasis such as ***word*** or **_word_**
        line = _MD_STRONG_RE.sub(r"\2", line)
        line = _MD_EM_STAR_RE.sub(r"\1", line)
        line = _MD_EM_UNDERSCORE_RE.sub(r"\1", line)
        line = _MD_STRIKE_RE.sub(r"\1", line)
    return "".join(
        chr(ord(c) - _ESCAPE_BASE) if _ESCAPE_BASE <= ord(c) < _ESCAPE_BASE + 128 else c
        for c in line
    )


def _markdown_to_text(source: str) -> tuple[str, str | None, dict[str, str]]:
    lines = source.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    metadata: dict[str, str] = {}
    if lines and lines[0].strip() == "---":
        for end in range(1, min(len(lines), 100)):
            if lines[end].strip() in ("---", "..."):
                for entry in lines[1:end]:
                    match = _MD_FRONT_KEY_RE.match(entry)
                    if match and match.group(2).strip():
                        metadata[match.group(1).lower()] = match.group(2).strip().strip("\"'")
                lines = lines[end + 1 :]
                break
    text = _MD_COMMENT_RE.sub("", "\n".join(lines))

    out: list[str] = []
    headings: list[tuple[int, str]] = []
    fence: str | None = None
    previous_source_blank = True
    for line in text.split("\n"):
        if fence is not None:
            if line.strip().startswith(fence) and not line.strip().strip(fence[0]):
                fence = None
            else:
                out.append(line)
            continue
        fence_match = _MD_FENCE_RE.match(line)
        if fence_match:
            fence = fence_match.group(1)
            previous_source_blank = False
            continue
        line = _MD_QUOTE_RE.sub("", line)
        blank = not line.strip()
        heading = _MD_HEADING_RE.match(line)
        if heading:
            content = strip_markdown_inline(heading.group(2) or "").strip()
            if content:
                headings.append((len(heading.group(1)), content))
                out.extend(["", content, ""])
        elif not previous_source_blank and (
            _MD_SETEXT_H1_RE.match(line) or _MD_SETEXT_H2_RE.match(line)
        ):
            if out and out[-1].strip():
                level = 1 if "=" in line else 2
                headings.append((level, out[-1].strip()))
                out.append("")
        elif _MD_TABLE_SEP_RE.match(line) or _MD_REF_DEF_RE.match(line):
            pass
        elif _MD_RULE_RE.match(line):
            out.append("")
        else:
            line = _MD_BULLET_RE.sub(r"\1- ", line)
            stripped = line.strip()
            if stripped.startswith("|") and stripped.endswith("|") and len(stripped) > 1:
                cells = re.split(r"(?<!\\)\|", stripped[1:-1])
                line = " | ".join(strip_markdown_inline(cell.strip()) for cell in cells)
            else:
                line = strip_markdown_inline(line)
            out.append(line)
        previous_source_blank = blank

    title = metadata.get("title")
    if not title and headings:
        top = min(level for level, _ in headings)
        title = next(content for level, content in headings if level == top)
    return "\n".join(out), title or None, metadata


def _extract_markdown(data: bytes, name: str) -> _Raw:
    source, encoding = decode_text(data, name)
    text, title, metadata = _markdown_to_text(source)
    return _Raw(text=text, title=title, encoding=encoding, metadata=metadata)


# --------------------------------------------------------------------------------------------
# Plain text, CSV, JSON
# --------------------------------------------------------------------------------------------


def _extract_plain(data: bytes, name: str) -> _Raw:
    text, encoding = decode_text(data, name)
    return _Raw(text=text, encoding=encoding)


_NUMBER_RE: Final = re.compile(r"^(?=\D*\d)[-+]?(?:\d[\d,]*)?(?:\.\d+)?(?:[eE][-+]?\d+)?$")
_DELIMITER_NAMES: Final = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}


def _guess_delimiter(sample: str) -> str:
    """The delimiter that splits the first lines into the most consistent number (> 1) of fields.

    More robust than ``csv.Sniffer`` for short files and decimal commas (``4,20`` in a
    semicolon-separated file). Ties go to the comma.
    """
    best, best_score = ",", (0, 0)
    for delimiter in _DELIMITER_NAMES:
        try:
            rows = [
                row
                for row in islice(
                    csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter), 50
                )
                if row
            ]
        except csv.Error:
            continue
        if not rows:
            continue
        fields, frequency = Counter(len(row) for row in rows).most_common(1)[0]
        if fields > 1 and (frequency, fields) > best_score:
            best, best_score = delimiter, (frequency, fields)
    return best


def _extract_csv(data: bytes, name: str) -> _Raw:
    source, encoding = decode_text(data, name)
    delimiter = _guess_delimiter(source[:65536])
    reader = csv.reader(io.StringIO(source, newline=""), delimiter=delimiter, strict=True)
    rows: list[list[str]] = []
    try:
        for row in reader:
            if any(cell.strip() for cell in row):
                rows.append([" ".join(cell.split()) for cell in row])
    except csv.Error as exc:
        raise CorruptDocument(
            f"{name} is not valid CSV: {_describe(exc)} (line {reader.line_num})"
        ) from exc
    if not rows:
        raise EmptyDocument(f"{name} has no rows: it holds only empty lines")

    header = rows[0]
    has_header = not all(_NUMBER_RE.match(cell) for cell in header if cell)
    metadata = {"delimiter": _DELIMITER_NAMES.get(delimiter, delimiter)}
    if not has_header or len(rows) == 1:
        metadata["rows"] = str(len(rows))
        return _Raw(
            text="\n".join("\t".join(row) for row in rows), encoding=encoding, metadata=metadata
        )
    columns = [cell or f"column {i + 1}" for i, cell in enumerate(header)]
    records: list[str] = []
    for row in rows[1:]:
        lines = []
        for i, (column, value) in enumerate(zip_longest(columns, row, fillvalue="")):
            if value:
                lines.append(f"{column or f'column {i + 1}'}: {value}")
        records.append("\n".join(lines))
    metadata["columns"] = ", ".join(columns)
    metadata["rows"] = str(len(rows) - 1)
    return _Raw(text="\n\n".join(records), encoding=encoding, metadata=metadata)


JsonValue = dict[str, "JsonValue"] | list["JsonValue"] | str | int | Decimal | float | bool | None


def _json_scalar(value: JsonValue) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, Decimal):
        return str(value)  # numbers keep their written form: 139.00 stays 139.00
    if isinstance(value, dict):
        return "{}"
    if isinstance(value, list):
        return "[]"
    return json.dumps(value)


def _is_container(value: JsonValue) -> bool:
    return isinstance(value, dict | list) and bool(value)


def _render_json(value: JsonValue, indent: int = 0) -> list[str]:
    pad = " " * indent
    lines: list[str] = []
    if isinstance(value, dict) and value:
        for key, item in value.items():
            if _is_container(item):
                if indent == 0 and lines:
                    lines.append("")
                lines.append(f"{pad}{key}:")
                lines.extend(_render_json(item, indent + 2))
            else:
                lines.append(f"{pad}{key}: {_json_scalar(item)}")
    elif isinstance(value, list) and value:
        for item in value:
            if _is_container(item):
                if indent == 0 and lines:
                    lines.append("")
                nested = _render_json(item, indent + 2)
                nested[0] = f"{pad}- {nested[0].lstrip()}"
                lines.extend(nested)
            else:
                lines.append(f"{pad}- {_json_scalar(item)}")
    else:
        lines.append(f"{pad}{_json_scalar(value)}")
    return lines


def _json_type(value: JsonValue) -> str:
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "boolean"
    return "number"


def _extract_json(data: bytes, name: str) -> _Raw:
    source, encoding = decode_text(data, name)
    try:
        value: JsonValue = json.loads(source, parse_float=Decimal)
    except json.JSONDecodeError as exc:
        raise CorruptDocument(
            f"{name} is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from exc
    except RecursionError as exc:
        raise CorruptDocument(f"{name} is not readable JSON: it is nested too deeply") from exc
    except ValueError as exc:
        raise CorruptDocument(f"{name} is not valid JSON: {_describe(exc)}") from exc
    if value is None or value == "" or (isinstance(value, dict | list) and not value):
        raise EmptyDocument(f"{name} holds no data: its JSON value is {source.strip()}")
    try:
        text = "\n".join(_render_json(value))
    except RecursionError as exc:
        raise CorruptDocument(f"{name} is not readable JSON: it is nested too deeply") from exc
    metadata = {"json_type": _json_type(value)}
    title = value.get("title") if isinstance(value, dict) else None
    return _Raw(
        text=text,
        title=title if isinstance(title, str) else None,
        encoding=encoding,
        metadata=metadata,
    )


_EXTRACTORS: Final[dict[str, Callable[[bytes, str], _Raw]]] = {
    "pdf": _extract_pdf,
    "docx": _extract_docx,
    "html": _extract_html,
    "md": _extract_markdown,
    "txt": _extract_plain,
    "csv": _extract_csv,
    "json": _extract_json,
}
