"""Read the text of a Word ``.docx`` file with ``zipfile`` and ``xml.etree``."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from typing import Final
from xml.etree import ElementTree

from sluiceway.documents.common import RawText, describe_error, human_size
from sluiceway.errors import CorruptDocument, DocumentTooLarge

__all__ = ["extract_docx"]


# A .docx whose document.xml expands beyond this is refused (zip bombs).
_MAX_DOCX_XML_BYTES: Final = 200 * 1024 * 1024

_W: Final = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_CORE_NS: Final = {
    "dc": "http://purl.org/dc/elements/1.1/",
    "dcterms": "http://purl.org/dc/terms/",
    "cp": "http://schemas.openxmlformats.org/package/2006/metadata/core-properties",
}
_MC_FALLBACK: Final = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
# Elements that only wrap other block- or row-level content.
_DOCX_WRAPPERS: Final = frozenset({f"{_W}sdt", f"{_W}sdtContent", f"{_W}customXml", f"{_W}ins"})


def extract_docx(data: bytes, name: str) -> RawText:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise CorruptDocument(
            f"{name} is not a valid .docx file: it is not a ZIP archive ({describe_error(exc)})"
        ) from exc
    except Exception as exc:
        raise CorruptDocument(f"{name} is not a valid .docx file: {describe_error(exc)}") from exc
    with archive:
        try:
            info = archive.getinfo("word/document.xml")
        except KeyError as exc:
            raise CorruptDocument(
                f"{name} is not a valid .docx file: word/document.xml is missing from the archive"
            ) from exc
        if info.file_size > _MAX_DOCX_XML_BYTES:
            raise DocumentTooLarge(
                f"{name} expands to {human_size(info.file_size)} of document XML, over the "
                f"limit of {human_size(_MAX_DOCX_XML_BYTES)}"
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
    return RawText(text="\n\n".join(blocks), title=title, metadata=metadata)


def _read_docx_xml(archive: zipfile.ZipFile, part: str, name: str) -> ElementTree.Element | None:
    try:
        raw = archive.read(part)
    except KeyError:
        return None
    except Exception as exc:
        raise CorruptDocument(
            f"{name} is damaged: {part} cannot be read ({describe_error(exc)})"
        ) from exc
    if b"<!DOCTYPE" in raw[:4096] or b"<!ENTITY" in raw[:4096]:
        raise CorruptDocument(f"{name} is not a valid .docx file: {part} declares a DTD")
    try:
        return ElementTree.fromstring(raw)
    except ElementTree.ParseError as exc:
        raise CorruptDocument(f"{name} is damaged: {part} is not well-formed XML ({exc})") from exc
    except Exception as exc:
        raise CorruptDocument(f"{name} is damaged: {part} ({describe_error(exc)})") from exc


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
