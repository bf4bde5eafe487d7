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

The readers live in :mod:`~sluiceway.documents.pdf`, :mod:`~sluiceway.documents.office` (DOCX),
:mod:`~sluiceway.documents.markup` (HTML, Markdown), :mod:`~sluiceway.documents.tabular` (CSV,
JSON) and :mod:`~sluiceway.documents.text` (plain text, and the decoding every text format uses).
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Final

from sluiceway.documents.common import RawText, display_name, human_size
from sluiceway.documents.markup import extract_html, extract_markdown
from sluiceway.documents.office import extract_docx
from sluiceway.documents.pdf import extract_pdf
from sluiceway.documents.tabular import extract_csv, extract_json
from sluiceway.documents.text import BOMS, extract_plain, normalize_text
from sluiceway.errors import (
    DocumentTooLarge,
    EmptyDocument,
    EncryptedDocument,
    NoTextFound,
    UnsupportedDocumentType,
)

__all__ = [
    "DEFAULT_MAX_BYTES",
    "EXTENSIONS",
    "MEDIA_TYPES",
    "ExtractedText",
    "detect_format",
    "extract_text",
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
    name = display_name(filename)
    size = len(data)
    if size > max_bytes:
        raise DocumentTooLarge(
            f"{name} is {human_size(size)}, over the limit of {human_size(max_bytes)}"
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


def _extension(filename: str) -> str:
    return PurePosixPath(display_name(filename)).suffix.lower()


def _clean_title(title: str | None) -> str | None:
    if title is None:
        return None
    cleaned = " ".join(normalize_text(title).split())
    return cleaned or None


# --------------------------------------------------------------------------------------------
# Format detection
# --------------------------------------------------------------------------------------------


_OLE_MAGIC: Final = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_OLE_ENCRYPTED_STREAM: Final = "EncryptedPackage".encode("utf-16-le")


def _detect(data: bytes, filename: str) -> tuple[str, str]:
    name = display_name(filename)
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
    for bom, codec in BOMS:
        if head.startswith(bom):
            head_text = head[len(bom) :].decode(codec, errors="ignore")
            break
    else:
        head_text = head.decode("utf-8", errors="ignore")
    head_text = head_text.lstrip().lower()
    return head_text.startswith(("<!doctype html", "<html"))


_EXTRACTORS: Final[dict[str, Callable[[bytes, str], RawText]]] = {
    "pdf": extract_pdf,
    "docx": extract_docx,
    "html": extract_html,
    "md": extract_markdown,
    "txt": extract_plain,
    "csv": extract_csv,
    "json": extract_json,
}
