"""The generated sample documents under ``samples/``.

Regenerate them with ``python -m sluiceway.documents.samples samples/``: it renders the PDF and
DOCX samples (some from the hand-written Markdown next to them) and the byte-level bad samples.
Output is byte-for-byte reproducible except ``bad/encrypted.pdf``, whose second file identifier
pypdf always draws at random.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Final

from sluiceway.documents.blocks import Block, Heading, Table, markdown_to_blocks
from sluiceway.documents.docxgen import build_docx
from sluiceway.documents.pdfgen import build_pdf, encrypt_pdf

__all__ = ["generated_samples", "main", "write_samples"]


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
        prog="python -m sluiceway.documents.samples",
        description="Regenerate the generated sample documents (PDF, DOCX, bad files).",
    )
    parser.add_argument("root", type=Path, help="the samples directory, e.g. samples/")
    args = parser.parse_args(list(argv) if argv is not None else None)
    for path in write_samples(args.root):
        sys.stdout.write(f"wrote {path} ({path.stat().st_size:,} bytes)\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
