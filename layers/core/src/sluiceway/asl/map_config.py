"""Distributed Map configuration: ItemReader, ItemBatcher, ResultWriter and tolerated failures.

``ItemReader`` reads the items from an object store through :class:`ObjectStore` (``get(bucket,
key) -> bytes``); :class:`DictObjectStore` keeps objects in memory for tests and local runs. The
``arn:aws:states:::s3:getObject`` reader understands ``ReaderConfig.InputType`` ``JSON`` (an
array), ``JSONL`` (one JSON value a line) and ``CSV`` (rows as objects keyed by the header, every
value a string), with ``CSVHeaderLocation`` ``FIRST_ROW`` or ``GIVEN`` + ``CSVHeaders``,
``CSVDelimiter`` and ``MaxItems``. A failure to read or decode raises ``States.ItemReaderFailed``.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from sluiceway.asl.errors import ITEM_READER_FAILED, StatesError
from sluiceway.asl.hash_order import hash_map_order

S3_GET_OBJECT = "arn:aws:states:::s3:getObject"
INPUT_TYPES = ("JSON", "JSONL", "CSV")
DELIMITERS = {"COMMA": ",", "PIPE": "|", "SEMICOLON": ";", "SPACE": " ", "TAB": "\t"}
#: ResultWriter's WriterConfig values.
TRANSFORMATIONS = ("NONE", "COMPACT", "FLATTEN")
OUTPUT_TYPES = ("JSON", "JSONL")
#: MaxInputBytesPerBatch may not exceed 256 KiB.
MAX_BATCH_BYTES = 256 * 1024


class ObjectStore(Protocol):
    """Where a Distributed Map's ItemReader reads objects (S3 in AWS).

    A ResultWriter also needs :class:`WritableObjectStore`'s ``put``; a store without it
    fails such a Map with ``States.ResultWriterFailed``."""

    def get(self, bucket: str, key: str) -> bytes:
        """The object's bytes; raise KeyError when there is no such object."""
        ...


class WritableObjectStore(ObjectStore, Protocol):
    """An object store where a Distributed Map's ResultWriter writes (S3 ``PutObject``)."""

    def put(self, bucket: str, key: str, body: bytes) -> None:
        """Create or replace the object; raise an exception when it cannot be written."""
        ...


@dataclass
class DictObjectStore:
    """An in-memory object store: ``{(bucket, key): bytes}``."""

    objects: dict[tuple[str, str], bytes] = field(default_factory=dict)

    def put(self, bucket: str, key: str, body: bytes | str) -> None:
        self.objects[(bucket, key)] = body.encode("utf-8") if isinstance(body, str) else body

    def get(self, bucket: str, key: str) -> bytes:
        return self.objects[(bucket, key)]


@dataclass(frozen=True, kw_only=True)
class Tolerance:
    """ToleratedFailureCount / ToleratedFailurePercentage, each fixed, a path or an expression."""

    count: Any = None
    percentage: Any = None
    count_path: Any = None
    percentage_path: Any = None


@dataclass(frozen=True, kw_only=True)
class Batcher:
    """ItemBatcher: values may be fixed numbers, paths (``...Path``) or JSONata templates."""

    max_items: Any = None
    max_items_path: Any = None
    max_bytes: Any = None
    max_bytes_path: Any = None
    #: BatchInput (a PayloadTemplate or a JsonataTemplate).
    batch_input: Any = None


@dataclass(frozen=True, kw_only=True)
class ItemReaderConfig:
    resource: str
    input_type: str = "JSON"
    csv_header_location: str = "FIRST_ROW"
    csv_headers: tuple[str, ...] = ()
    csv_delimiter: str = "COMMA"
    max_items: Any = None
    max_items_path: Any = None
    #: Parameters (PayloadTemplate) or Arguments (JsonataTemplate): Bucket and Key.
    parameters: Any = None


@dataclass(frozen=True, kw_only=True)
class ResultWriterConfig:
    """A parsed ResultWriter: ``resource`` None means a preview (WriterConfig alone)."""

    transformation: str | None = None
    output_type: str = "JSON"
    resource: str | None = None
    #: Parameters (PayloadTemplate) or Arguments (JsonataTemplate): Bucket and Prefix.
    parameters: Any = None

    @property
    def exports(self) -> bool:
        return self.resource is not None

    @property
    def effective_transformation(self) -> str:
        """NONE by default when exporting, COMPACT for a preview."""
        return self.transformation or ("NONE" if self.exports else "COMPACT")


def read_items(
    config: ItemReaderConfig, store: ObjectStore | None, target: Any, limit: int | None
) -> list[Any]:
    """The items that ``config`` reads from ``target`` (``{"Bucket", "Key"}``)."""
    if not isinstance(target, Mapping):
        raise StatesError(ITEM_READER_FAILED, "The ItemReader parameters must be an object.")
    bucket, key = target.get("Bucket"), target.get("Key")
    if not isinstance(bucket, str) or not isinstance(key, str):
        raise StatesError(
            ITEM_READER_FAILED, "The ItemReader parameters must include the Bucket and the Key."
        )
    if store is None:
        raise StatesError(ITEM_READER_FAILED, "No object store is configured for ItemReader.")
    try:
        body = store.get(bucket, key)
    except KeyError:
        raise StatesError(
            ITEM_READER_FAILED,
            f"The specified key does not exist. (Bucket: {bucket}, Key: {key})",
        ) from None
    except Exception as exc:  # the store's own failure (I/O, network): the state fails
        raise StatesError(
            ITEM_READER_FAILED, f"Could not read the object (Bucket: {bucket}, Key: {key}): {exc}"
        ) from None
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise StatesError(ITEM_READER_FAILED, "The object is not valid UTF-8 text.") from None
    items = _decode(config, text)
    return items if limit is None else items[:limit]


def _decode(config: ItemReaderConfig, text: str) -> list[Any]:
    if config.input_type == "JSON":
        try:
            value = json.loads(text)
        except ValueError as exc:
            raise StatesError(
                ITEM_READER_FAILED, f"Attempting to map over non-iterable node: {exc}"
            ) from None
        if not isinstance(value, list):
            raise StatesError(
                ITEM_READER_FAILED, "Attempting to map over non-iterable node."
            ) from None
        return value
    if config.input_type == "JSONL":
        items = []
        for number, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                items.append(json.loads(line))
            except ValueError:
                raise StatesError(
                    ITEM_READER_FAILED, f"The JSONL object has an invalid line {number}."
                ) from None
        return items
    rows = list(csv.reader(io.StringIO(text), delimiter=DELIMITERS[config.csv_delimiter]))
    if config.csv_header_location == "GIVEN":
        headers = list(config.csv_headers)
    else:
        if not rows:
            return []
        headers, rows = rows[0], rows[1:]
    if len(set(headers)) != len(headers):
        raise StatesError(ITEM_READER_FAILED, "CSV headers cannot contain duplicates.")
    # Keys in HashMap order (computed once per file); AWS drops the fields beyond the headers
    # and fills the missing ones with "".
    columns = hash_map_order((name, i) for i, name in enumerate(headers))
    return [{name: row[i] if i < len(row) else "" for name, i in columns} for row in rows if row]


def batches(items: list[Any], max_items: int | None, max_bytes: int | None) -> list[list[Any]]:
    """Split ``items`` into batches of at most ``max_items`` items and ``max_bytes`` bytes
    (UTF-8 of each item's JSON); an item never goes alone beyond the byte limit unsplit."""
    result: list[list[Any]] = []
    current: list[Any] = []
    size = 0
    for item in items:
        item_size = len(json.dumps(item, separators=(",", ":")).encode("utf-8"))
        full = max_items is not None and len(current) >= max_items
        too_big = max_bytes is not None and current and size + item_size > max_bytes
        if full or too_big:
            result.append(current)
            current, size = [], 0
        current.append(item)
        size += item_size
    if current:
        result.append(current)
    return result
