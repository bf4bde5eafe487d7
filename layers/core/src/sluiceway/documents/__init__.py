"""Documents: extract normalized text from uploaded files, and split it into chunks.

The readers live in one module per kind of format (:mod:`~sluiceway.documents.pdf`,
:mod:`~sluiceway.documents.office`, :mod:`~sluiceway.documents.markup`,
:mod:`~sluiceway.documents.tabular`, :mod:`~sluiceway.documents.text`), dispatched by
:mod:`~sluiceway.documents.extract`. The generators of the sample documents
(:mod:`~sluiceway.documents.pdfgen`, :mod:`~sluiceway.documents.docxgen`,
:mod:`~sluiceway.documents.samples`) are not imported here.
"""

from __future__ import annotations

from sluiceway.documents.chunking import Chunk, chunk_text
from sluiceway.documents.extract import ExtractedText, detect_format, extract_text

__all__ = ["Chunk", "ExtractedText", "chunk_text", "detect_format", "extract_text"]
