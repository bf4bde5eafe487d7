"""The fields extracted per document type: the schema a model's JSON answer must satisfy."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

DOCUMENT_TYPES = ("invoice", "contract", "letter", "report", "other")


class Fields(BaseModel):
    model_config = ConfigDict(extra="forbid")


class InvoiceFields(Fields):
    invoice_number: str | None = None
    issue_date: str | None = None
    due_date: str | None = None
    vendor: str | None = None
    customer: str | None = None
    total: float | None = None
    currency: str | None = None


class ContractFields(Fields):
    parties: list[str] = []
    effective_date: str | None = None
    term: str | None = None
    governing_law: str | None = None


class LetterFields(Fields):
    sender: str | None = None
    recipient: str | None = None
    date: str | None = None
    subject: str | None = None


class ReportFields(Fields):
    title: str | None = None
    period: str | None = None
    sections: list[str] = []


class OtherFields(Fields):
    title: str | None = None
    summary: str | None = None


SCHEMAS: dict[str, type[Fields]] = {
    "invoice": InvoiceFields,
    "contract": ContractFields,
    "letter": LetterFields,
    "report": ReportFields,
    "other": OtherFields,
}


def schema_for(document_type: str) -> type[Fields]:
    return SCHEMAS.get(document_type, OtherFields)
