"""Distributed Map ``ResultWriter`` (developer guide, "ResultWriter (Map)").

* ``WriterConfig`` alone previews the formatted child results as the Map state's result
  (``Transformation`` COMPACT by default, ``OutputType`` JSON: an array; JSONL: one string of
  JSON lines) and writes nothing.
* ``Resource: arn:aws:states:::s3:putObject`` with ``Parameters`` (``Arguments`` in JSONata)
  ``{Bucket, Prefix}`` exports them (``Transformation`` NONE by default):
  ``<Prefix>/<map run id>/SUCCEEDED_0.json`` and ``FAILED_0.json`` (only those with records),
  then ``manifest.json`` ``{DestinationBucket, MapRunArn, ResultFiles: {FAILED, PENDING,
  SUCCEEDED: [{Key, Size}]}}``; the Map state's result is ``{MapRunArn, ResultWriterDetails:
  {Bucket, Key}}`` (the manifest's key).
* ``NONE`` records carry the child execution's metadata (``ExecutionArn``, ``Input`` and
  ``Output`` as JSON text, ``StartDate``/``StopDate``, ``Status``...); ``COMPACT`` keeps the
  outputs; ``FLATTEN`` splices the outputs that are arrays. A failed child is always a NONE record
  (with ``Error`` and ``Cause``).
* Writing goes through the ``ObjectStore``'s ``put(bucket, key, body)``; a store that cannot
  write, a missing Bucket or a failed ``put`` is ``States.ResultWriterFailed``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sluiceway.asl.errors import RESULT_WRITER_FAILED, StatesError
from sluiceway.asl.map_config import OUTPUT_TYPES, TRANSFORMATIONS, ObjectStore, ResultWriterConfig
from sluiceway.asl.payload import compact_json
from sluiceway.asl.processing import iso_timestamp

if TYPE_CHECKING:
    from sluiceway.asl.parse_query import QueryFieldParser

S3_PUT_OBJECT = "arn:aws:states:::s3:putObject"
SUCCEEDED_REASON = "Execution is SUCCEEDED and cannot be redriven"


def parse_result_writer(
    parser: QueryFieldParser, spec: Mapping[str, Any], where: str, jsonata: bool
) -> ResultWriterConfig | None:
    """The ResultWriter of a Map state (None when absent or invalid; problems reported)."""
    config = parser.map_field(spec, "ResultWriter", where, jsonata, "WriterConfig")
    if config is None:
        return None
    at = f"{where}/ResultWriter"
    arguments = "Arguments" if jsonata else "Parameters"
    has_resource, has_arguments = "Resource" in config, arguments in config
    if not config:
        parser.schema("ResultWriter field cannot be empty", at)
        return None
    if has_resource != has_arguments:
        parser.schema(
            f"ResultWriter must specify WriterConfig, Resource and {arguments} together, "
            f"WriterConfig alone, or Resource and {arguments}",
            at,
        )
        return None
    resource = config.get("Resource")
    if has_resource and resource != S3_PUT_OBJECT:
        parser.unsupported(f"ResultWriter Resource {resource}", f"{at}/Resource")
        return None
    transformation, output_type = _writer_config(parser, config, at)
    if not has_resource and "WriterConfig" not in config:
        return None  # only unsupported fields: already reported
    parameters = None
    if has_arguments:
        parameters = (
            parser.jsonata(config, arguments, at)
            if jsonata
            else parser.template(config, arguments, at)
        )
    return ResultWriterConfig(
        transformation=transformation,
        output_type=output_type,
        resource=resource if has_resource else None,
        parameters=parameters,
    )


def _writer_config(
    parser: QueryFieldParser, config: Mapping[str, Any], at: str
) -> tuple[str | None, str]:
    writer = config.get("WriterConfig", {})
    if not isinstance(writer, Mapping):
        parser.schema("The value for the field 'WriterConfig' must be an OBJECT", at)
        return None, "JSON"
    for key in writer:
        if key not in ("Transformation", "OutputType"):
            parser.schema(f"Field '{key}' is not supported", f"{at}/WriterConfig")
    transformation = writer.get("Transformation")
    if transformation is not None and transformation not in TRANSFORMATIONS:
        parser.schema(
            "The value for the field 'Transformation' must be one of [NONE, COMPACT, FLATTEN]",
            f"{at}/WriterConfig/Transformation",
        )
        transformation = None
    output_type = writer.get("OutputType", "JSON")
    if output_type not in OUTPUT_TYPES:
        parser.schema(
            "The value for the field 'OutputType' must be one of [JSON, JSONL]",
            f"{at}/WriterConfig/OutputType",
        )
        output_type = "JSON"
    return transformation, str(output_type)


# -- run time ------------------------------------------------------------------------------------


@dataclass
class ChildRun:
    """One child workflow execution of a map run, timed for its NONE record."""

    input: Any
    name: str = field(default_factory=lambda: str(uuid.uuid4()))
    start: datetime | None = None
    stop: datetime | None = None

    async def run(self, coroutine: Coroutine[Any, Any, Any], clock: Callable[[], datetime]) -> Any:
        self.start = clock()
        try:
            return await coroutine
        finally:
            self.stop = clock()


def child_record(map_run_arn: str, child: ChildRun, ok: bool, value: Any) -> dict[str, Any]:
    """The NONE record of a child execution (DescribeExecution's fields, in AWS's order)."""
    head, _, _ = map_run_arn.rpartition(":")  # arn:...:mapRun:Machine/Label
    record: dict[str, Any] = {}
    if not ok:
        assert isinstance(value, StatesError)
        if value.cause is not None:
            record["Cause"] = value.cause
        record["Error"] = value.error
    record["ExecutionArn"] = f"{head.replace(':mapRun:', ':execution:', 1)}:{child.name}"
    record["Input"] = compact_json(child.input)
    record["InputDetails"] = {"Included": True}
    record["Name"] = child.name
    if ok:
        record["Output"] = compact_json(value)
    record["OutputDetails"] = {"Included": True}  # a failed child's too (AWS's FAILED_0.json)
    record["RedriveCount"] = 0
    if ok:
        record["RedriveStatus"] = "NOT_REDRIVABLE"
        record["RedriveStatusReason"] = SUCCEEDED_REASON
    else:
        record["RedriveStatus"] = "REDRIVABLE_BY_MAP_RUN"
    if child.start is not None:
        record["StartDate"] = iso_timestamp(child.start)
    record["StateMachineArn"] = head.replace(":mapRun:", ":stateMachine:", 1)
    record["Status"] = "SUCCEEDED" if ok else "FAILED"
    if child.stop is not None:
        record["StopDate"] = iso_timestamp(child.stop)
    return record


def _format(
    transformation: str,
    map_run_arn: str,
    children: Sequence[ChildRun],
    settled: Sequence[tuple[bool, Any]],
) -> list[Any]:
    """The records of ``children`` in order; failed children are NONE records whatever the
    transformation."""
    records: list[Any] = []
    for child, (ok, value) in zip(children, settled, strict=True):
        if not ok or transformation == "NONE":
            records.append(child_record(map_run_arn, child, ok, value))
        elif transformation == "FLATTEN" and isinstance(value, list):
            records.extend(value)
        else:
            records.append(value)
    return records


def _encode(records: list[Any], output_type: str) -> str:
    if output_type == "JSONL":
        return "".join(compact_json(record) + "\n" for record in records)
    return compact_json(records)


def results(
    config: ResultWriterConfig,
    target: Any,
    store: ObjectStore | None,
    map_run_arn: str,
    children: Sequence[ChildRun],
    settled: Sequence[tuple[bool, Any]],
) -> Any:
    """The Map state's result: the preview, or the export's ``{MapRunArn, ResultWriterDetails}``
    once the result files and the manifest are written to ``store``."""
    transformation = config.effective_transformation
    if not config.exports:
        records = _format(transformation, map_run_arn, children, settled)
        return records if config.output_type == "JSON" else _encode(records, "JSONL")
    bucket, prefix = _target(target)
    if store is None:
        raise StatesError(RESULT_WRITER_FAILED, "No object store is configured for ResultWriter.")
    put = getattr(store, "put", None)
    if not callable(put):
        raise StatesError(RESULT_WRITER_FAILED, "The object store cannot write objects.")
    run_id = map_run_arn.rpartition(":")[2]
    folder = f"{prefix}{run_id}/" if not prefix or prefix.endswith("/") else f"{prefix}/{run_id}/"
    files: dict[str, list[dict[str, Any]]] = {"FAILED": [], "PENDING": [], "SUCCEEDED": []}
    for status, ok in (("SUCCEEDED", True), ("FAILED", False)):
        indexes = [i for i, (succeeded, _) in enumerate(settled) if succeeded == ok]
        if not indexes:
            continue
        records = _format(
            transformation,
            map_run_arn,
            [children[i] for i in indexes],
            [settled[i] for i in indexes],
        )
        body = _encode(records, config.output_type).encode("utf-8")
        key = f"{folder}{status}_0.json"
        _put(put, bucket, key, body)
        files[status].append({"Key": key, "Size": len(body)})
    manifest = {"DestinationBucket": bucket, "MapRunArn": map_run_arn, "ResultFiles": files}
    manifest_key = f"{folder}manifest.json"
    _put(put, bucket, manifest_key, compact_json(manifest).encode("utf-8"))
    return {
        "MapRunArn": map_run_arn,
        "ResultWriterDetails": {"Bucket": bucket, "Key": manifest_key},
    }


def _target(target: Any) -> tuple[str, str]:
    if not isinstance(target, Mapping):
        raise StatesError(RESULT_WRITER_FAILED, "The ResultWriter parameters must be an object.")
    bucket, prefix = target.get("Bucket"), target.get("Prefix", "")
    if not isinstance(bucket, str) or not bucket:
        raise StatesError(
            RESULT_WRITER_FAILED, "The ResultWriter parameters must include the Bucket."
        )
    if not isinstance(prefix, str):
        raise StatesError(RESULT_WRITER_FAILED, "The ResultWriter Prefix must be a string.")
    return bucket, prefix


def _put(put: Callable[[str, str, bytes], Any], bucket: str, key: str, body: bytes) -> None:
    try:
        put(bucket, key, body)
    except Exception as exc:  # the store's own failure (I/O, invalid name...)
        raise StatesError(
            RESULT_WRITER_FAILED, f"Failed to write s3://{bucket}/{key}: {exc}"
        ) from None
