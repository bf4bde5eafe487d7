"""Read CSV and JSON documents as text: one ``column: value`` record per row, indented values."""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from decimal import Decimal
from itertools import islice, zip_longest
from typing import Final

from sluiceway.documents.common import RawText, describe_error
from sluiceway.documents.text import decode_text
from sluiceway.errors import CorruptDocument, EmptyDocument

__all__ = ["extract_csv", "extract_json"]


# --------------------------------------------------------------------------------------------
# CSV
# --------------------------------------------------------------------------------------------


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


def extract_csv(data: bytes, name: str) -> RawText:
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
            f"{name} is not valid CSV: {describe_error(exc)} (line {reader.line_num})"
        ) from exc
    if not rows:
        raise EmptyDocument(f"{name} has no rows: it holds only empty lines")

    header = rows[0]
    has_header = not all(_NUMBER_RE.match(cell) for cell in header if cell)
    metadata = {"delimiter": _DELIMITER_NAMES.get(delimiter, delimiter)}
    if not has_header or len(rows) == 1:
        metadata["rows"] = str(len(rows))
        return RawText(
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
    return RawText(text="\n\n".join(records), encoding=encoding, metadata=metadata)


# --------------------------------------------------------------------------------------------
# JSON
# --------------------------------------------------------------------------------------------


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


def extract_json(data: bytes, name: str) -> RawText:
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
        raise CorruptDocument(f"{name} is not valid JSON: {describe_error(exc)}") from exc
    if value is None or value == "" or (isinstance(value, dict | list) and not value):
        raise EmptyDocument(f"{name} holds no data: its JSON value is {source.strip()}")
    try:
        text = "\n".join(_render_json(value))
    except RecursionError as exc:
        raise CorruptDocument(f"{name} is not readable JSON: it is nested too deeply") from exc
    metadata = {"json_type": _json_type(value)}
    title = value.get("title") if isinstance(value, dict) else None
    return RawText(
        text=text,
        title=title if isinstance(title, str) else None,
        encoding=encoding,
        metadata=metadata,
    )
