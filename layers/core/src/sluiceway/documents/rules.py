"""Keyword rules: a deterministic document classifier and rule-based field extractor.

They are the offline "models" behind litellm's ``sluiceway-local`` provider
(``adapters/llm/local_provider.py``), so the pipeline calls them exactly as it calls a hosted LLM
and validates their JSON like any model's; the Plan step also uses the classifier for its cheap
type guess.
"""

from __future__ import annotations

import re
from typing import Any

_KEYWORDS: dict[str, dict[str, float]] = {
    "invoice": {
        "invoice": 3,
        "amount due": 3,
        "total due": 3,
        "bill to": 2,
        "due date": 2,
        "subtotal": 2,
        "vat": 1,
        "tax": 1,
        "payment terms": 2,
        "qty": 1,
        "unit price": 2,
        "remit": 1,
    },
    "contract": {
        "agreement": 3,
        "hereinafter": 3,
        "party": 1,
        "parties": 2,
        "governing law": 3,
        "term of": 1,
        "terminate": 2,
        "termination": 2,
        "whereas": 3,
        "effective date": 2,
        "indemnif": 2,
        "shall": 1,
        "confidential": 1,
    },
    "letter": {
        "dear ": 3,
        "sincerely": 3,
        "yours faithfully": 3,
        "kind regards": 2,
        "best regards": 2,
        "re:": 1,
        "subject:": 1,
        "thank you for your": 2,
        "enclosed": 1,
    },
    "report": {
        "report": 2,
        "quarter": 2,
        "executive summary": 3,
        "findings": 2,
        "revenue": 1,
        "analysis": 1,
        "recommendation": 2,
        "conclusion": 2,
        "q1": 1,
        "q2": 1,
        "q3": 1,
        "q4": 1,
        "year over year": 2,
        "outlook": 1,
        "kpi": 1,
    },
}


def classify(text: str) -> tuple[str, float]:
    """The document type with the highest keyword score and a confidence in [0, 1]."""
    lower = text.lower()
    scores = {
        doc_type: sum(weight * min(lower.count(word), 5) for word, weight in words.items())
        for doc_type, words in _KEYWORDS.items()
    }
    best = max(scores, key=lambda t: (scores[t], t))
    total = sum(scores.values())
    if scores[best] < 3 or total == 0:
        return "other", 0.5
    return best, round(scores[best] / total, 3)


_DATE = r"(\d{4}-\d{2}-\d{2}|\d{1,2} [A-Z][a-z]+ \d{4}|[A-Z][a-z]+ \d{1,2}, \d{4}|\d{1,2}/\d{1,2}/\d{4})"
_MONEY = r"([A-Z]{3}|[$€£])?\s?(\d{1,3}(?:[,.\s]\d{3})*(?:[.,]\d{2})?)\s?([A-Z]{3}|[$€£])?"
_CURRENCY_SYMBOLS = {"$": "USD", "€": "EUR", "£": "GBP"}


def _first(pattern: str, text: str, flags: int = re.IGNORECASE) -> str | None:
    match = re.search(pattern, text, flags)
    if match is None:
        return None
    value = next((g for g in match.groups() if g), match.group(0))
    return value.strip(" \t:*#|").strip() or None


def _labelled(label: str, text: str) -> str | None:
    """The value after ``label:`` on the same line."""
    return _first(
        rf"^[ \t*#|-]*(?:{label})[ \t]*[:|][ \t*]*([^\n|]+)", text, re.IGNORECASE | re.MULTILINE
    )


def _amount(raw: str) -> float | None:
    digits = raw.replace(" ", "")
    if re.search(r",\d{2}$", digits):  # 1.234,56
        digits = digits.replace(".", "").replace(",", ".")
    else:
        digits = digits.replace(",", "")
    try:
        return float(digits)
    except ValueError:
        return None


_COMPANY = r"[A-Z][\w&.,' -]*?\b(?:Inc\.|LLC|Ltd\.?|Limited|GmbH|plc|PLC|Corporation|Corp\.|S\.A\.|B\.V\.|Co\.)"
_TITLES = {"invoice", "tax invoice", "commercial invoice", "proforma invoice"}


def _letterhead(text: str) -> str | None:
    """The issuer: the first company-like line near the top that is not the document's title."""
    lines = [ln.strip() for ln in text.splitlines()[:12] if ln.strip()]
    for line in lines:
        if line.lower() not in _TITLES and re.search(_COMPANY, line, re.IGNORECASE):
            return line
    return next((ln for ln in lines if ln.lower() not in _TITLES), None)


def _block_after(label: str, text: str) -> str | None:
    """``Label: value`` on one line, or ``Label`` (or ``Label:``) then the value on the next."""
    match = re.search(
        rf"^[ \t]*(?:{label})[ \t]*:?[ \t]*([^\n]*)\n(?:[ \t]*\n)?[ \t]*([^\n]+)",
        text,
        re.IGNORECASE | re.MULTILINE,
    )
    if match is None:
        return None
    value = match[1].strip() or match[2].strip()
    return value.strip(" :") or None


def _invoice(text: str) -> dict[str, Any]:
    total_line = _first(
        r"^[^\n]*\b(?:total due|amount due|grand total|total)\b[^\n]*$",
        text,
        re.IGNORECASE | re.MULTILINE,
    )
    total = currency = None
    if total_line:
        money = re.findall(_MONEY, total_line)
        if money:
            before, number, after = money[-1]
            total = _amount(number)
            code = after or before
            currency = _CURRENCY_SYMBOLS.get(code, code) or None
    if currency is None:
        currency = _first(r"\b(USD|EUR|GBP|CHF|CAD|AUD|JPY)\b", text, 0)
    return {
        "invoice_number": _first(
            r"invoice\s*(?:number|no\.?|#)\s*[:#]?\s*([A-Z0-9][\w-]*\d[\w-]*)", text
        ),
        "issue_date": _labelled("issue date|invoice date|date of issue|date", text),
        "due_date": _labelled("due date|payment due", text),
        "vendor": _labelled("from|vendor|supplier|seller", text) or _letterhead(text),
        "customer": next(
            (
                v
                for label in ("bill to", "billed to", "invoice to", "customer")
                if (v := _block_after(label, text))
            ),
            None,
        ),
        "total": total,
        "currency": currency,
    }


def _contract(text: str) -> dict[str, Any]:
    flat = " ".join(text.split())
    names: list[str] = []
    for raw in re.findall(_COMPANY, flat[:6000]):
        name = re.sub(r"^.*\b(?:between|and|\d+\.)\s+", "", raw).strip(" ,")
        if name and name not in names and len(name) < 80:
            names.append(name)
    term = _first(
        r"\b(?:initial )?(?:term|period) of ((?:[a-z-]+ )?(?:\(\d+\) )?(?:months|years))", flat
    )
    law = _first(r"governed by (?:and construed in accordance with )?the laws? of ([^.,;]+)", flat)
    return {
        "parties": names[:4],
        "effective_date": _labelled("effective date", text)
        or _first(r"effective (?:as of|on)\s+" + _DATE, flat),
        "term": term,
        "governing_law": law or _labelled("governing law", text),
    }


def _letter(text: str) -> dict[str, Any]:
    sign_off = re.search(
        r"(?:sincerely|regards|yours faithfully|yours truly),?\s*\n+\s*([^\n]+)",
        text,
        re.IGNORECASE,
    )
    return {
        "sender": sign_off.group(1).strip() if sign_off else _labelled("from", text),
        "recipient": _first(r"^\s*dear\s+([^,\n]+)", text, re.IGNORECASE | re.MULTILINE),
        "date": _first(_DATE, text, 0),
        "subject": _labelled("re|subject", text),
    }


def _report(text: str) -> dict[str, Any]:
    lines = [ln.strip(" #*\t") for ln in text.splitlines() if ln.strip(" #*\t")]
    headings = [
        ln for ln in lines[1:] if len(ln) < 60 and not ln.endswith(".") and ln[:1].isupper()
    ]
    return {
        "title": lines[0][:200] if lines else None,
        "period": _first(
            r"\b((?:Q[1-4]|first|second|third|fourth quarter)\s*(?:of\s*)?\d{4}|(?:fiscal )?year \d{4})\b",
            text,
        ),
        "sections": headings[:12],
    }


def _other(text: str) -> dict[str, Any]:
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    return {
        "title": lines[0][:200] if lines else None,
        "summary": " ".join(text.split())[:280] or None,
    }


_EXTRACTORS = {"invoice": _invoice, "contract": _contract, "letter": _letter, "report": _report}


def extract_fields(document_type: str, text: str) -> dict[str, Any]:
    plain = re.sub(r"\*\*|__", "", text)  # markdown emphasis would hide labels and values
    return _EXTRACTORS.get(document_type, _other)(plain)
