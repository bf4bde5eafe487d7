"""Text extraction: decoding, HTML, Markdown, DOCX, PDF, CSV and JSON details."""

from __future__ import annotations

import codecs
import io
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sluiceway.documents import extract_text
from sluiceway.documents.blocks import PAGE_BREAK, Heading, Table
from sluiceway.documents.docxgen import build_docx
from sluiceway.documents.extract import MEDIA_TYPES
from sluiceway.documents.markup import strip_markdown_inline
from sluiceway.documents.pdfgen import build_pdf, encrypt_pdf
from sluiceway.documents.text import decode_text, normalize_text
from sluiceway.errors import (
    CorruptDocument,
    DocumentError,
    EmptyDocument,
    EncryptedDocument,
    TextDecodingError,
)

DOCX_TYPE = MEDIA_TYPES["docx"]


# --------------------------------------------------------------------------------------------
# Text decoding
# --------------------------------------------------------------------------------------------

SAMPLE_TEXT = "Invoice \u201cINV-7\u201d \u2013 café total €42.50\nSecond line"


@pytest.mark.parametrize(
    ("codec", "encoding"),
    [
        ("utf-8-sig", "utf-8-sig"),
        ("utf-16", "utf-16-le"),  # Python writes a little-endian BOM
        ("utf-32", "utf-32-le"),
    ],
)
def test_byte_order_marks(codec: str, encoding: str) -> None:
    result = extract_text(SAMPLE_TEXT.encode(codec), "bom.txt")
    assert result.text == SAMPLE_TEXT
    assert result.encoding == encoding


def test_big_endian_boms() -> None:
    for bom, codec, encoding in (
        (codecs.BOM_UTF16_BE, "utf-16-be", "utf-16-be"),
        (codecs.BOM_UTF32_BE, "utf-32-be", "utf-32-be"),
    ):
        result = extract_text(bom + SAMPLE_TEXT.encode(codec), "be.txt")
        assert (result.text, result.encoding) == (SAMPLE_TEXT, encoding)


def test_bomless_utf16_is_recognised() -> None:
    text = "Delivery note DN-30551\r\nReceived in good condition.\r\n"
    result = extract_text(text.encode("utf-16-le"), "note.txt")
    assert result.encoding == "utf-16-le"
    assert result.text == "Delivery note DN-30551\nReceived in good condition."
    assert decode_text(text.encode("utf-16-be"), "note.txt")[1] == "utf-16-be"


def test_utf16_html_and_csv() -> None:
    html = "<html><head><title>Résumé</title></head><body><p>Ça va</p></body></html>"
    result = extract_text(html.encode("utf-16"), "page.html")
    assert (result.title, result.text, result.encoding) == ("Résumé", "Ça va", "utf-16-le")
    rows = extract_text("name,city\nZoë,Zürich\n".encode("utf-16"), "people.csv")
    assert rows.text == "name: Zoë\ncity: Zürich"


def test_cp1252_text_with_curly_quotes() -> None:
    data = SAMPLE_TEXT.encode("cp1252")
    result = extract_text(data, "legacy.txt")
    assert result.text == SAMPLE_TEXT
    assert result.encoding == "cp1252"


def test_utf8_is_preferred_over_cp1252() -> None:
    result = extract_text("naïve café".encode(), "x.txt")
    assert (result.text, result.encoding) == ("naïve café", "utf-8")


def test_invalid_bom_payload_is_a_decoding_error() -> None:
    with pytest.raises(TextDecodingError, match=r"UTF-16-LE byte-order mark"):
        extract_text(codecs.BOM_UTF16_LE + b"\x00\xd8", "broken.txt")  # lone surrogate


def test_control_characters_mean_binary() -> None:
    junk = bytes(range(1, 9)) * 40 + b"some text"
    with pytest.raises(TextDecodingError, match=r"control characters"):
        extract_text(junk, "junk.txt")
    # A stray control character in real text is tolerated and removed.
    result = extract_text(b"Total: 12.00 GBP\x07\nThank you for your order.", "bell.txt")
    assert result.text == "Total: 12.00 GBP\nThank you for your order."


def test_undecodable_bytes_do_not_fall_back_to_latin1() -> None:
    with pytest.raises(TextDecodingError) as caught:
        decode_text(b"Caf\xe9 \x81\x8d\x8f\x90\x9d", "menu.txt")
    assert "menu.txt" in str(caught.value)
    assert "0x81" in str(caught.value)


def test_normalize_text() -> None:
    raw = "  \n\nTitle  \r\nline\ttwo\t\r\n\r\n\r\n\r\nend\x00 of\x0cnext\u2028x\ufeff  \n\n"
    assert normalize_text(raw) == "Title\nline\ttwo\n\nend of\n\nnext\nx"
    assert normalize_text("  indented first line\n") == "  indented first line"
    assert normalize_text("e\u0301") == "é"  # NFC


# --------------------------------------------------------------------------------------------
# HTML
# --------------------------------------------------------------------------------------------


def test_html_structure_and_cleanup() -> None:
    html = b"""<!doctype html><html><head><title> Quarterly
      update </title><style>p { color: red }</style>
      <script>alert("hidden")</script></head>
      <body><nav><a href="/">Home</a></nav>
      <h1>Update  for
      Q2</h1><p>First &amp; <b>bold</b> paragraph,
      wrapped.</p><p>Second<br>line two</p>
      <ul><li>one</li><li>two</li></ul>
      <pre>  indented
    code</pre>
      <table><tr><th>Item</th><th>Qty</th></tr><tr><td>Pens</td><td>12</td></tr></table>
      <svg><text>vector label</text></svg>
      </body></html>"""
    result = extract_text(html, "update.html")
    assert result.title == "Quarterly update"
    assert "hidden" not in result.text and "color" not in result.text
    assert "vector label" not in result.text
    assert result.text == (
        "Home\n\nUpdate for Q2\n\nFirst & bold paragraph, wrapped.\n\nSecond\nline two\n\n"
        "one\ntwo\n\n  indented\n    code\n\nItem | Qty\nPens | 12"
    )


def test_html_title_falls_back_to_first_h1() -> None:
    result = extract_text(b"<html><body><h1>Credit note CN-12</h1><p>x</p></body></html>", "a.htm")
    assert result.title == "Credit note CN-12"
    assert extract_text(b"<html><body><p>x</p></body></html>", "b.html").title is None


def test_html_fragments_and_broken_markup_are_read() -> None:
    result = extract_text(b"<div>Unclosed <b>bold <i>text</div><p>after", "frag.html")
    assert result.text == "Unclosed bold text\n\nafter"


# --------------------------------------------------------------------------------------------
# Markdown
# --------------------------------------------------------------------------------------------


def test_markdown_light_stripping() -> None:
    md = """---
title: Release notes
author: Ops
---
Intro with **bold**, *italic*, _under_ and ~~gone~~ text.

## Setup

See [the guide](https://example.com/guide "Guide") and ![diagram](d.png) or <https://x.example>.
Use `pip install` and keep snake_case_names and 2 * 3 * 4 intact. Escaped \\*star\\*.

* item one
+ item two

> quoted *line*

```python
def **not_markup**(): pass
```

| Col A | Col B |
|:------|------:|
| 1     | 2     |

Alt heading
-----------

***
[guide]: https://example.com/guide
"""
    result = extract_text(md.encode(), "notes.md")
    assert result.title == "Release notes"
    assert result.metadata["author"] == "Ops"
    assert result.text == (
        "Intro with bold, italic, under and gone text.\n\nSetup\n\n"
        "See the guide and diagram or https://x.example.\n"
        "Use pip install and keep snake_case_names and 2 * 3 * 4 intact. Escaped *star*.\n\n"
        "- item one\n- item two\n\nquoted line\n\n"
        "def **not_markup**(): pass\n\nCol A | Col B\n1 | 2\n\nAlt heading"
    )


def test_markdown_quoted_heading_and_nested_emphasis() -> None:
    result = extract_text(b"> # Quoted heading\n> ***very** important*", "q.md")
    assert result.text == "Quoted heading\n\nvery important"
    assert result.title == "Quoted heading"


def test_markdown_title_is_the_top_heading() -> None:
    result = extract_text(b"Some intro\n\n## Minor\n\n# Main title\n\ntext", "a.md")
    assert result.title == "Main title"
    assert extract_text(b"### Only\n\ntext", "b.md").title == "Only"
    assert extract_text(b"Setext title\n============\n\ntext", "c.md").title == "Setext title"
    assert extract_text(b"just text", "d.md").title is None


def test_strip_markdown_inline() -> None:
    assert strip_markdown_inline("**Total:** [EUR 5](http://x) `code`") == "Total: EUR 5 code"
    assert strip_markdown_inline(r"a\_b\_c and file_name_here") == "a_b_c and file_name_here"


# --------------------------------------------------------------------------------------------
# DOCX
# --------------------------------------------------------------------------------------------


def test_docx_paragraphs_headings_and_tables() -> None:
    data = build_docx(
        [
            Heading("Purchase agreement", 0),
            "Between Alder & Co. and Birch Ltd.",
            Heading("Schedule", 1),
            Table([["Item", "Qty", "Price"], ["Oak boards", "40", "EUR 12.50"], ["Glue", "2", ""]]),
            "Signed\tin duplicate.\nSecond line.",
            PAGE_BREAK,
            "After the break.",
        ],
        author="Alder & Co.",
    )
    result = extract_text(data, "agreement.docx")
    assert result.media_type == DOCX_TYPE
    assert result.title == "Purchase agreement"  # no core title: the Title-styled paragraph
    assert result.metadata["author"] == "Alder & Co."
    assert result.metadata["tables"] == "1"
    assert result.text == (
        "Purchase agreement\n\nBetween Alder & Co. and Birch Ltd.\n\nSchedule\n\n"
        "Item | Qty | Price\nOak boards | 40 | EUR 12.50\nGlue | 2 |\n\n"
        "Signed\tin duplicate.\nSecond line.\n\nAfter the break."
    )


def test_docx_core_title_wins_and_heading_fallback() -> None:
    assert extract_text(build_docx(["x"], title="Core title"), "a.docx").title == "Core title"
    data = build_docx(["Intro", Heading("Section two", 2), Heading("Section one", 1)])
    assert extract_text(data, "b.docx").title == "Section one"
    assert extract_text(build_docx(["No headings"]), "c.docx").title is None


def test_docx_without_text_is_empty() -> None:
    with pytest.raises(EmptyDocument, match=r"blank\.docx has no text"):
        extract_text(build_docx([]), "blank.docx")


def _docx_with_document_xml(document_xml: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", document_xml)
    return buffer.getvalue()


def test_docx_with_broken_xml() -> None:
    with pytest.raises(CorruptDocument, match=r"bad\.docx is damaged: word/document\.xml is not"):
        extract_text(_docx_with_document_xml(b"<w:document><w:body>"), "bad.docx")
    with pytest.raises(CorruptDocument, match=r"no body"):
        extract_text(_docx_with_document_xml(b"<document/>"), "nobody.docx")
    dtd = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>'
    with pytest.raises(CorruptDocument, match=r"declares a DTD"):
        extract_text(_docx_with_document_xml(dtd), "dtd.docx")


def test_docx_text_boxes_content_controls_and_tracked_changes() -> None:
    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    mc = "http://schemas.openxmlformats.org/markup-compatibility/2006"
    box = "<w:txbxContent><w:p><w:r><w:t>Box text</w:t></w:r></w:p></w:txbxContent>"
    xml = (
        f'<w:document xmlns:w="{w}" xmlns:mc="{mc}"><w:body>'
        "<w:p><w:r><w:t>Before</w:t></w:r><w:r><mc:AlternateContent>"
        f"<mc:Choice Requires='wps'>{box}</mc:Choice><mc:Fallback>{box}</mc:Fallback>"
        "</mc:AlternateContent></w:r></w:p>"
        "<w:sdt><w:sdtContent><w:p><w:r><w:t>In a content control</w:t></w:r></w:p>"
        "</w:sdtContent></w:sdt>"
        "<w:p><w:del><w:r><w:delText>deleted</w:delText></w:r></w:del>"
        "<w:ins><w:r><w:t>inserted</w:t></w:r></w:ins>"
        "<w:r><w:instrText>PAGE</w:instrText></w:r><w:r><w:t>-2-</w:t></w:r></w:p>"
        "</w:body></w:document>"
    )
    result = extract_text(_docx_with_document_xml(xml.encode()), "boxes.docx")
    assert result.text == "Before\nBox text\n\nIn a content control\n\ninserted-2-"


def test_truncated_docx_is_corrupt() -> None:
    data = build_docx(["Some text"] * 50)
    with pytest.raises(CorruptDocument, match=r"cut\.docx"):
        extract_text(data[: len(data) // 2], "cut.docx")


# --------------------------------------------------------------------------------------------
# PDF
# --------------------------------------------------------------------------------------------


def test_pdf_multi_page() -> None:
    data = build_pdf(
        [Heading("Delivery schedule", 1), "Week 1: frames.", PAGE_BREAK, "Week 2: panels.", "\f"],
        title="Schedule",
    )
    result = extract_text(data, "schedule.pdf")
    assert result.pages == 3
    assert result.title == "Schedule"
    assert result.text == "Delivery schedule\n\nWeek 1: frames.\n\nWeek 2: panels."
    assert result.metadata["pages_without_text"] == "1"


def test_pdf_long_text_flows_onto_pages_in_order() -> None:
    paragraphs = [f"Paragraph {i} says the pallet count is {i * 7}." for i in range(150)]
    result = extract_text(build_pdf("\n\n".join(paragraphs)), "long.pdf")
    assert result.pages is not None and result.pages > 2
    positions = [result.text.index(f"Paragraph {i} ") for i in range(150)]
    assert positions == sorted(positions)


def test_pdf_winansi_characters_round_trip() -> None:
    text = "Price: €1,250 \u2013 \u201cnet\u201d · café ‰"
    assert extract_text(build_pdf(text), "euro.pdf").text == text


def test_pdf_with_empty_user_password_is_read() -> None:
    data = encrypt_pdf(build_pdf("Readable without a password."), "")
    assert extract_text(data, "open.pdf").text == "Readable without a password."


def test_encrypted_pdf_message() -> None:
    data = encrypt_pdf(build_pdf("Secret"), "s3cret")
    with pytest.raises(EncryptedDocument, match=r"locked\.pdf is password-protected"):
        extract_text(data, "locked.pdf")


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.4\n",
        b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n",
        b"%PDF-" + bytes(range(256)) * 4,
    ],
)
def test_garbage_pdfs_are_corrupt(data: bytes) -> None:
    with pytest.raises(CorruptDocument, match=r"^broken\.pdf is not a valid PDF: "):
        extract_text(data, "broken.pdf")


def test_pdf_extension_on_text_is_corrupt() -> None:
    with pytest.raises(CorruptDocument, match=r"notes\.pdf is not a valid PDF"):
        extract_text(b"These are plain notes, not a PDF.", "notes.pdf")


# --------------------------------------------------------------------------------------------
# CSV and JSON
# --------------------------------------------------------------------------------------------


def test_csv_with_semicolons_and_missing_values() -> None:
    data = b"Artikel;Menge;Preis\r\nSchrauben M6;200;\r\nD\xfcbel;50;4,20\r\n\r\n"
    result = extract_text(data, "bestellung.csv")
    assert result.encoding == "cp1252"
    assert result.metadata["delimiter"] == "semicolon"
    assert result.metadata["rows"] == "2"
    assert (
        result.text == "Artikel: Schrauben M6\nMenge: 200\n\nArtikel: Dübel\nMenge: 50\nPreis: 4,20"
    )


def test_csv_without_a_header_row_is_tab_joined() -> None:
    result = extract_text(b"1,2.5,3\n4,5,6\n", "numbers.csv")
    assert result.text == "1\t2.5\t3\n4\t5\t6"


def test_csv_ragged_rows_and_blank_headers() -> None:
    result = extract_text(b"sku,,qty\nA-1,red,3,extra\n", "ragged.csv")
    assert result.text == "sku: A-1\ncolumn 2: red\nqty: 3\ncolumn 4: extra"


def test_csv_unterminated_quote_is_corrupt() -> None:
    with pytest.raises(CorruptDocument, match=r"open\.csv is not valid CSV"):
        extract_text(b'a,b\n"never closed,1\n', "open.csv")


def test_json_rendering() -> None:
    data = b'[{"id": 1, "tags": ["a", "b"], "price": 10.50, "ok": true, "note": null}, {"id": 2}]'
    result = extract_text(data, "items.json")
    assert result.metadata["json_type"] == "array"
    assert result.text == (
        "- id: 1\n  tags:\n    - a\n    - b\n  price: 10.50\n  ok: true\n  note: null\n\n- id: 2"
    )
    assert extract_text(b'{"title": "Ledger", "n": 3}', "t.json").title == "Ledger"
    assert extract_text(b'"just a string"', "s.json").text == "just a string"


def test_invalid_json_messages() -> None:
    with pytest.raises(CorruptDocument, match=r"x\.json is not valid JSON: .* line 1 column"):
        extract_text(b'{"a": 1,}', "x.json")
    with pytest.raises(CorruptDocument, match=r"deep\.json"):
        extract_text(b"[" * 100_000 + b"]" * 100_000, "deep.json")


# --------------------------------------------------------------------------------------------
# Robustness: no library exception ever escapes
# --------------------------------------------------------------------------------------------

EXTENSIONS = [".pdf", ".docx", ".html", ".md", ".txt", ".csv", ".json", ""]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=600), extension=st.sampled_from(EXTENSIONS))
def test_arbitrary_bytes_only_raise_document_errors(data: bytes, extension: str) -> None:
    try:
        result = extract_text(data, "fuzz" + extension)
    except DocumentError as exc:
        assert str(exc).startswith("fuzz")
    else:
        assert result.text.strip()
        assert "\x00" not in result.text and "\r" not in result.text


_PDF = build_pdf(["Mutation target, page one.", PAGE_BREAK, "Page two."], title="M")
_DOCX = build_docx(["Mutation target.", Table([["a", "b"]])], title="M")


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    which=st.sampled_from(["pdf", "docx"]),
    cut=st.integers(min_value=0, max_value=10_000),
    flips=st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), max_size=8),
)
def test_damaged_pdf_and_docx_only_raise_document_errors(
    which: str, cut: int, flips: list[tuple[int, int]]
) -> None:
    original = _PDF if which == "pdf" else _DOCX
    damaged = bytearray(original[: max(1, cut % (len(original) + 1))])
    for position, value in flips:
        damaged[position % len(damaged)] = value
    try:
        extract_text(bytes(damaged), f"damaged.{which}")
    except DocumentError as exc:
        assert "damaged" in str(exc)
