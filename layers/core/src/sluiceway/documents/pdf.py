"""Read the text of a PDF with pypdf."""

from __future__ import annotations

import io
import warnings
from typing import Final

from pypdf import PasswordType, PdfReader
from pypdf.errors import DependencyError

from sluiceway.documents.common import RawText, describe_error
from sluiceway.errors import (
    CorruptDocument,
    EmptyDocument,
    EncryptedDocument,
    NoTextFound,
    SluicewayError,
)

__all__ = ["extract_pdf"]


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


def extract_pdf(data: bytes, name: str) -> RawText:
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
                        f"({describe_error(exc)})"
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
        raise CorruptDocument(f"{name} is not a valid PDF: {describe_error(exc)}{hint}") from exc

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
    return RawText(text=text, title=title, pages=page_count, metadata=metadata)
