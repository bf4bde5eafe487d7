"""Text extraction: every format, the sample documents, and every way a document can be bad."""

from __future__ import annotations

import codecs
import io
import zipfile
from pathlib import Path

import pytest

from sluiceway.documents import chunk_text, detect_format, extract_text
from sluiceway.documents.docxgen import build_docx
from sluiceway.documents.extract import MEDIA_TYPES
from sluiceway.documents.pdfgen import build_pdf
from sluiceway.documents.samples import generated_samples
from sluiceway.documents.samples import main as samples_main
from sluiceway.documents.text import normalize_text
from sluiceway.errors import (
    CorruptDocument,
    DocumentError,
    DocumentTooLarge,
    EmptyDocument,
    EncryptedDocument,
    NoTextFound,
    TextDecodingError,
    UnsupportedDocumentType,
)
from tests.conftest import SAMPLES

DOCUMENTS = SAMPLES / "documents"
BAD = SAMPLES / "bad"
DOCX_TYPE = MEDIA_TYPES["docx"]


def extract_sample(path: Path) -> str:
    return extract_text(path.read_bytes(), path.name).text


# --------------------------------------------------------------------------------------------
# Sample documents
# --------------------------------------------------------------------------------------------

GOOD_SAMPLES: list[tuple[str, str, list[str]]] = [
    (
        "invoice-acme-2026-0142.pdf",
        "application/pdf",
        [
            "Invoice number: ACME-2026-0142",
            "Issue date: 3 March 2026",
            "Due date: 2 April 2026",
            "Acme Industrial Supply Ltd",
            "Harbourline Bottling Co. Ltd",
            "Food-grade bearing unit UCFL205, sealed",
            "Total due: GBP 2,788.68",
        ],
    ),
    (
        "invoice-fernhill-INV-88417.txt",
        "text/plain",
        [
            "INV-88417",
            "Issue date:       17 February 2026",
            "Due date:         19 March 2026",
            "FERNHILL PRINT & DESIGN LTD",
            "Calder Valley Dental Group",
            "Pull-up banner 850 x 2000 mm",
            "TOTAL DUE      GBP 1,051.80",
        ],
    ),
    (
        "service-agreement-larkspur-meridian.docx",
        DOCX_TYPE,
        [
            "Larkspur Analytics Inc., a Delaware corporation",
            "Meridian Freight Partners LLC",
            "Effective date: 1 February 2026",
            "initial term of twenty-four (24) months",
            "governed by the laws of the State of Delaware",
            "Managed service | Per month, from go-live | 9,750.00",
        ],
    ),
    (
        "service-agreement-larkspur-meridian.md",
        "text/markdown",
        [
            "Larkspur Analytics Inc., a Delaware corporation",
            "Effective date: 1 February 2026",
            "are governed by the laws of the State of\nDelaware",
            "Managed service | Per month, from go-live | 9,750.00",
        ],
    ),
    (
        "letter-quillon-tidewater-2026-02-12.html",
        "text/html",
        [
            "Quillon Packaging Ltd",
            "12 February 2026",
            "Ms Rosalind Achebe\nProcurement Director\nTidewater Marine Supplies Ltd",
            "Subject: Revised pricing for corrugated shipping cartons from 1 April 2026",
            "Dear Ms Achebe,",
            "QP-DW-0606 | Double wall, 600 \u00d7 400 \u00d7 400 mm | 968.00 | 1,041.00",
            "Yours sincerely,\n\nEleanor Vance",
        ],
    ),
    (
        "quarterly-report-harrow-finch-2026-q1.md",
        "text/markdown",
        [
            "Quarterly Business Report: Q1 2026",
            "Reporting period: 1 January 2026 to 31 March 2026",
            "1. Executive summary",
            "Revenue | 18,420 | 16,310 | +12.9% | 17,860",
            "9. Outlook",
        ],
    ),
    (
        "quarterly-report-harrow-finch-2026-q1.pdf",
        "application/pdf",
        [
            "Quarterly Business Report: Q1 2026",
            "Reporting period: 1 January 2026 to 31 March 2026",
            "1. Executive summary",
            "Revenue 18,420 16,310 +12.9% 17,860",
            "9. Outlook",
        ],
    ),
    (
        "purchase-order-PO-2026-0317-lines.csv",
        "text/csv",
        [
            "po_number: PO-2026-0317\nline: 1\nsku: HF-TNT-FS2-GRN",
            "description: Family 6 tunnel tent, 3,000 mm hydrostatic head",
            'description: Pole repair sleeve kit ("splint"), 8.5 mm',
            "line_total: 8904.00",
        ],
    ),
    (
        "order-export-SO-2026-0381.json",
        "application/json",
        [
            "order_number: SO-2026-0381",
            "name: Imogen Castellanos-Reid",
            "  - line: 1\n      sku: HF-BOOT-WP-W39",
            "unit_price: 139.00",
            "total: 368.20",
        ],
    ),
]


@pytest.mark.parametrize(("filename", "media_type", "expected"), GOOD_SAMPLES)
def test_sample_documents_extract(filename: str, media_type: str, expected: list[str]) -> None:
    result = extract_text((DOCUMENTS / filename).read_bytes(), filename)
    assert result.media_type == media_type
    for fragment in expected:
        assert fragment in result.text, fragment
    assert result.text == normalize_text(result.text)
    assert result.metadata["detected_by"] == "extension"


def test_every_sample_document_is_covered_and_small() -> None:
    covered = {filename for filename, _, _ in GOOD_SAMPLES}
    on_disk = {path.name for path in DOCUMENTS.iterdir()}
    assert covered == on_disk
    for path in SAMPLES.rglob("*"):
        if path.is_file():
            assert path.stat().st_size < 100 * 1024, path


def test_pdf_samples_report_pages_and_titles() -> None:
    invoice = extract_text((DOCUMENTS / "invoice-acme-2026-0142.pdf").read_bytes(), "inv.pdf")
    assert invoice.pages == 1
    assert invoice.title == "Invoice ACME-2026-0142"
    assert invoice.metadata["author"] == "Acme Industrial Supply Ltd"
    report = extract_text(
        (DOCUMENTS / "quarterly-report-harrow-finch-2026-q1.pdf").read_bytes(), "report.pdf"
    )
    assert report.pages is not None and report.pages >= 5
    assert report.title is not None and "Q1 2026" in report.title
    assert "page 1 of" in report.text  # the running footer is part of the page text


def test_sample_titles() -> None:
    titles = {
        "letter-quillon-tidewater-2026-02-12.html": (
            "Revised pricing for corrugated shipping cartons from 1 April 2026"
        ),
        "service-agreement-larkspur-meridian.docx": (
            "Master Services Agreement - Larkspur Analytics and Meridian Freight Partners"
        ),
        "service-agreement-larkspur-meridian.md": (
            "Master Services Agreement - Larkspur Analytics and Meridian Freight Partners"
        ),
        "invoice-fernhill-INV-88417.txt": None,
    }
    for filename, title in titles.items():
        assert extract_text((DOCUMENTS / filename).read_bytes(), filename).title == title


def test_html_sample_drops_script_style_and_noscript() -> None:
    text = extract_sample(DOCUMENTS / "letter-quillon-tidewater-2026-02-12.html")
    for unwanted in ("dataLayer", "font-family", "Enable JavaScript", "<p>", "&ndash;"):
        assert unwanted not in text
    assert "Units 3\u20135, Brindley Industrial Estate" in text


def test_markdown_sample_loses_its_markup() -> None:
    text = extract_sample(DOCUMENTS / "service-agreement-larkspur-meridian.md")
    assert "**" not in text
    assert "|---" not in text
    assert not any(line.startswith("#") for line in text.splitlines())
    assert "title:" not in text  # front matter is metadata, not text


def test_report_samples_yield_several_chunks() -> None:
    for filename in (
        "quarterly-report-harrow-finch-2026-q1.md",
        "quarterly-report-harrow-finch-2026-q1.pdf",
    ):
        text = extract_sample(DOCUMENTS / filename)
        assert len(text.split()) > 2000
        chunks = chunk_text(text)
        assert len(chunks) >= 10
        assert all(len(chunk.text) <= 1200 for chunk in chunks)


def test_generated_samples_match_the_generator() -> None:
    """The committed PDFs, DOCX and bad files are what ``python -m ...samples samples/`` writes."""
    for relative, data in generated_samples(SAMPLES).items():
        path = SAMPLES / relative
        assert path.exists(), path
        if relative.name == "encrypted.pdf":
            continue  # pypdf draws part of the file identifier at random
        assert path.read_bytes() == data, path


def test_samples_cli_writes_the_generated_samples(tmp_path: Path) -> None:
    (tmp_path / "documents").mkdir()
    for source in DOCUMENTS.glob("*.md"):
        (tmp_path / "documents" / source.name).write_bytes(source.read_bytes())
    assert samples_main([str(tmp_path)]) == 0
    written = {path.relative_to(tmp_path) for path in tmp_path.rglob("*") if path.is_file()}
    assert set(generated_samples(SAMPLES)) <= written
    assert (tmp_path / "bad" / "empty.txt").read_bytes() == b""


BAD_SAMPLES: list[tuple[str, type[DocumentError], str]] = [
    ("corrupt.pdf", CorruptDocument, "corrupt.pdf is not a valid PDF"),
    ("encrypted.pdf", EncryptedDocument, "encrypted.pdf is password-protected"),
    ("no-text.pdf", NoTextFound, "no-text.pdf has 2 pages but no extractable text"),
    ("binary-junk.txt", TextDecodingError, "binary-junk.txt is not a text file"),
    ("empty.txt", EmptyDocument, "empty.txt is empty (0 bytes)"),
    ("latin1-garbage.txt", TextDecodingError, "not valid UTF-8"),
    ("not-a-zip.docx", CorruptDocument, "not-a-zip.docx is not a valid .docx file"),
    ("missing-document-xml.docx", CorruptDocument, "word/document.xml is missing"),
    ("malformed.csv", CorruptDocument, "malformed.csv is not valid CSV"),
    ("truncated.json", CorruptDocument, "truncated.json is not valid JSON"),
]


@pytest.mark.parametrize(("filename", "error", "message"), BAD_SAMPLES)
def test_bad_samples_raise_specific_errors(
    filename: str, error: type[DocumentError], message: str
) -> None:
    with pytest.raises(error) as caught:
        extract_text((BAD / filename).read_bytes(), filename)
    assert message in str(caught.value)
    assert type(caught.value) is error
    assert caught.value.error_name == error.__name__


def test_every_bad_sample_is_covered() -> None:
    assert {path.name for path in BAD.iterdir()} == {name for name, _, _ in BAD_SAMPLES}


def test_bad_sample_messages_explain_the_problem() -> None:
    with pytest.raises(CorruptDocument, match=r"truncated"):
        extract_text((BAD / "corrupt.pdf").read_bytes(), "corrupt.pdf")
    with pytest.raises(TextDecodingError, match=r"0x81.*Windows-1252|Windows-1252.*0x81"):
        extract_text((BAD / "latin1-garbage.txt").read_bytes(), "latin1-garbage.txt")
    with pytest.raises(TextDecodingError, match=r"NUL byte"):
        extract_text((BAD / "binary-junk.txt").read_bytes(), "binary-junk.txt")
    with pytest.raises(NoTextFound, match=r"scanned"):
        extract_text((BAD / "no-text.pdf").read_bytes(), "no-text.pdf")


# --------------------------------------------------------------------------------------------
# Size and emptiness
# --------------------------------------------------------------------------------------------


def test_document_too_large_is_checked_before_parsing() -> None:
    with pytest.raises(DocumentTooLarge) as caught:
        extract_text(b"%PDF-1.4 garbage that would be corrupt" * 100, "big.pdf", max_bytes=1024)
    message = str(caught.value)
    assert message.startswith("big.pdf is 3,800 bytes")
    assert "1,024 bytes" in message


def test_document_at_the_limit_is_accepted() -> None:
    assert extract_text(b"hello", "a.txt", max_bytes=5).text == "hello"
    with pytest.raises(DocumentTooLarge, match="6 bytes, over the limit of 5 bytes"):
        extract_text(b"hello!", "a.txt", max_bytes=5)


def test_max_bytes_must_be_positive() -> None:
    with pytest.raises(ValueError, match="max_bytes"):
        extract_text(b"hello", "a.txt", max_bytes=0)


@pytest.mark.parametrize(
    ("data", "filename"),
    [
        (b" \n\t\r\n  ", "blank.txt"),
        ("\ufeff   \n".encode(), "bom-only.md"),
        (b"<html><head><script>var x = 1;</script></head><body>  </body></html>", "x.html"),
        (b"\n\n", "rows.csv"),
        (b"{}", "empty.json"),
        (b"[]", "empty.json"),
        (b"null", "null.json"),
    ],
)
def test_whitespace_only_documents_are_empty(data: bytes, filename: str) -> None:
    with pytest.raises(EmptyDocument, match=filename.replace(".", r"\.")):
        extract_text(data, filename)


def test_empty_bytes_are_empty_for_every_format() -> None:
    for filename in ("a.pdf", "a.docx", "a.html", "a.md", "a.txt", "a.csv", "a.json", "a.xyz"):
        with pytest.raises(EmptyDocument, match=r"is empty \(0 bytes\)"):
            extract_text(b"", filename)


# --------------------------------------------------------------------------------------------
# Format detection
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("filename", "expected"),
    [
        ("a.pdf", "pdf"),
        ("A.PDF", "pdf"),
        ("a.docx", "docx"),
        ("a.html", "html"),
        ("a.htm", "html"),
        ("a.md", "md"),
        ("a.markdown", "md"),
        ("a.txt", "txt"),
        ("a.csv", "csv"),
        ("a.json", "json"),
        ("folder/sub.dir/notes.txt", "txt"),
        ("C:\\Users\\me\\notes.md", "md"),
    ],
)
def test_detect_format_by_extension(filename: str, expected: str) -> None:
    assert detect_format(b"just some text", filename) == expected


def test_binary_signatures_win_over_the_extension() -> None:
    pdf = build_pdf("Mislabelled PDF content.")
    docx = build_docx(["Mislabelled Word content."])
    assert detect_format(pdf, "report.txt") == "pdf"
    assert detect_format(docx, "report.pdf") == "docx"
    result = extract_text(pdf, "report.txt")
    assert result.media_type == "application/pdf"
    assert result.metadata["detected_by"] == "content"
    assert result.text == "Mislabelled PDF content."
    assert extract_text(docx, "report.pdf").text == "Mislabelled Word content."


def test_sniffing_files_without_a_known_extension() -> None:
    assert detect_format(build_pdf("x"), "scan") == "pdf"
    assert detect_format(build_docx(["x"]), "upload.bin") == "docx"
    assert detect_format(b"  <!DOCTYPE html><html><p>x</p></html>", "page") == "html"
    assert detect_format(codecs.BOM_UTF8 + b"<html><body>x</body></html>", "page.php") == "html"
    assert extract_text(b"<html><body><p>Hi there</p></body></html>", "page").text == "Hi there"


@pytest.mark.parametrize(
    ("data", "filename"),
    [
        (b"plain words", "notes.rtf"),
        (b"plain words", "README"),
        (b"PK\x03\x04 not really a zip", "archive.zip"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "photo.png"),
    ],
)
def test_unsupported_types_list_the_supported_extensions(data: bytes, filename: str) -> None:
    with pytest.raises(UnsupportedDocumentType) as caught:
        extract_text(data, filename)
    message = str(caught.value)
    assert message.startswith(filename)
    for extension in (".pdf", ".docx", ".html", ".md", ".txt", ".csv", ".json"):
        assert extension in message


def test_zip_that_is_not_a_word_document() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
    with pytest.raises(UnsupportedDocumentType, match=r"sheet\.xlsx"):
        extract_text(buffer.getvalue(), "sheet.xlsx")
    with pytest.raises(CorruptDocument, match=r"word/document\.xml is missing"):
        extract_text(buffer.getvalue(), "renamed.docx")


def test_ole_office_files() -> None:
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512
    with pytest.raises(UnsupportedDocumentType, match=r"legacy Word \.doc"):
        extract_text(ole, "old.docx")
    encrypted = ole + "EncryptedPackage".encode("utf-16-le")
    with pytest.raises(EncryptedDocument, match=r"secret\.docx is a password-protected"):
        extract_text(encrypted, "secret.docx")
