"""Distributed Map ResultWriter: WriterConfig previews, S3 exports, manifests, validation."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from sluiceway.asl import Executor, HistoryEvent, StateMachine, validate
from sluiceway.asl.map_config import DictObjectStore

from .helpers import FunctionInvoker, execute

PUT = "arn:aws:states:::s3:putObject"

#: Children fail (Error "Boom", Cause "bad item") when their input has ``"fail": true``.
PROCESSOR = {
    "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
    "StartAt": "Check",
    "States": {
        "Check": {
            "Type": "Choice",
            "Choices": [{"Variable": "$.fail", "IsPresent": True, "Next": "Boom"}],
            "Default": "Keep",
        },
        "Boom": {"Type": "Fail", "Error": "Boom", "Cause": "bad item"},
        "Keep": {"Type": "Pass", "OutputPath": "$.out", "End": True},
    },
}

ITEMS = [{"out": [1, 2]}, {"out": {"a": 1}}, {"out": [3]}]


def machine(writer: dict[str, Any], **fields: Any) -> dict[str, Any]:
    state = {
        "Type": "Map",
        "ItemProcessor": PROCESSOR,
        "ResultWriter": writer,
        "Label": "Jobs",
        "End": True,
        **fields,
    }
    return {"StartAt": "Fan", "States": {"Fan": state}}


def export(prefix: str | None = "runs", **config: Any) -> dict[str, Any]:
    parameters: dict[str, Any] = {"Bucket": "out"}
    if prefix is not None:
        parameters["Prefix"] = prefix
    writer: dict[str, Any] = {"Resource": PUT, "Parameters": parameters}
    if config:
        writer["WriterConfig"] = config
    return writer


def objects(store: DictObjectStore) -> dict[str, Any]:
    """Every written object by key: JSON decoded, JSONL as a list of lines."""
    decoded: dict[str, Any] = {}
    for (bucket, key), body in store.objects.items():
        assert bucket == "out"
        text = body.decode("utf-8")
        decoded[key] = text if text.endswith("\n") else json.loads(text)
    return decoded


def run_id(output: dict[str, Any]) -> str:
    return str(output["MapRunArn"]).rpartition(":")[2]


# -- WriterConfig alone: a preview, nothing written ------------------------------------------------


@pytest.mark.parametrize(
    ("transformation", "expected"),
    [
        ("COMPACT", [[1, 2], {"a": 1}, [3]]),
        ("FLATTEN", [1, 2, {"a": 1}, 3]),
    ],
)
def test_preview_transformations(transformation: str, expected: list[Any]) -> None:
    writer = {"WriterConfig": {"Transformation": transformation, "OutputType": "JSON"}}
    store = DictObjectStore()
    outcome = execute(machine(writer), ITEMS, object_store=store)
    assert outcome.result.output == expected
    assert store.objects == {}


def test_preview_defaults_to_compact() -> None:
    outcome = execute(machine({"WriterConfig": {"OutputType": "JSON"}}), ITEMS)
    assert outcome.result.output == [[1, 2], {"a": 1}, [3]]


def test_preview_none_records_carry_the_child_execution_metadata() -> None:
    writer = {"WriterConfig": {"Transformation": "NONE", "OutputType": "JSON"}}
    events: list[HistoryEvent] = []
    executor = Executor(
        StateMachine.parse(machine(writer)), FunctionInvoker({}), listener=events.append
    )
    result = asyncio.run(executor.run(ITEMS[:1], state_machine_arn=MACHINE))
    (record,) = result.output
    map_run_arn = events[3].details["mapRunArn"]
    assert map_run_arn.startswith("arn:aws:states:eu-west-1:111122223333:mapRun:orders/Jobs:")
    assert list(record) == [
        "ExecutionArn",
        "Input",
        "InputDetails",
        "Name",
        "Output",
        "OutputDetails",
        "RedriveCount",
        "RedriveStatus",
        "RedriveStatusReason",
        "StartDate",
        "StateMachineArn",
        "Status",
        "StopDate",
    ]
    name = record["Name"]
    assert record["ExecutionArn"] == (
        f"arn:aws:states:eu-west-1:111122223333:execution:orders/Jobs:{name}"
    )
    assert (
        record["StateMachineArn"]
        == "arn:aws:states:eu-west-1:111122223333:stateMachine:orders/Jobs"
    )
    assert record["Input"] == '{"out":[1,2]}'
    assert record["Output"] == "[1,2]"
    assert record["InputDetails"] == record["OutputDetails"] == {"Included": True}
    assert record["RedriveCount"] == 0
    assert record["RedriveStatus"] == "NOT_REDRIVABLE"
    assert record["RedriveStatusReason"] == "Execution is SUCCEEDED and cannot be redriven"
    assert record["Status"] == "SUCCEEDED"
    assert record["StartDate"].endswith("Z") and len(record["StartDate"]) == 24


MACHINE = "arn:aws:states:eu-west-1:111122223333:stateMachine:orders"


def test_preview_jsonl_is_one_string_of_json_lines() -> None:
    writer = {"WriterConfig": {"Transformation": "COMPACT", "OutputType": "JSONL"}}
    outcome = execute(machine(writer), ITEMS)
    assert outcome.result.output == '[1,2]\n{"a":1}\n[3]\n'


def test_preview_keeps_failed_children_as_none_records() -> None:
    writer = {"WriterConfig": {"Transformation": "FLATTEN", "OutputType": "JSON"}}
    items = [{"out": [1, 2]}, {"fail": True}]
    outcome = execute(machine(writer, ToleratedFailureCount=1), items)
    first, second, failed = outcome.result.output
    assert (first, second) == (1, 2)
    assert failed["Status"] == "FAILED"
    assert (failed["Error"], failed["Cause"]) == ("Boom", "bad item")
    # As in a FAILED_0.json AWS wrote: no Output nor RedriveStatusReason, OutputDetails kept.
    assert list(failed) == [
        "Cause",
        "Error",
        "ExecutionArn",
        "Input",
        "InputDetails",
        "Name",
        "OutputDetails",
        "RedriveCount",
        "RedriveStatus",
        "StartDate",
        "StateMachineArn",
        "Status",
        "StopDate",
    ]
    assert failed["RedriveStatus"] == "REDRIVABLE_BY_MAP_RUN"


# -- export to the object store ------------------------------------------------------------------


def test_export_writes_results_and_manifest_and_returns_their_location() -> None:
    store = DictObjectStore()
    outcome = execute(machine(export()), ITEMS, object_store=store)
    output = outcome.result.output
    folder = f"runs/{run_id(output)}/"
    assert output == {
        "MapRunArn": outcome.events[3].details["mapRunArn"],
        "ResultWriterDetails": {"Bucket": "out", "Key": f"{folder}manifest.json"},
    }
    written = objects(store)
    assert sorted(written) == [f"{folder}SUCCEEDED_0.json", f"{folder}manifest.json"]
    records = written[f"{folder}SUCCEEDED_0.json"]
    # NONE is the default when exporting: one metadata record per child, in item order.
    assert [json.loads(record["Output"]) for record in records] == [[1, 2], {"a": 1}, [3]]
    assert {record["Status"] for record in records} == {"SUCCEEDED"}
    size = len(store.objects[("out", f"{folder}SUCCEEDED_0.json")])
    assert written[f"{folder}manifest.json"] == {
        "DestinationBucket": "out",
        "MapRunArn": output["MapRunArn"],
        "ResultFiles": {
            "FAILED": [],
            "PENDING": [],
            "SUCCEEDED": [{"Key": f"{folder}SUCCEEDED_0.json", "Size": size}],
        },
    }
    assert outcome.types[-4:] == [
        "MapRunSucceeded",
        "MapStateSucceeded",
        "MapStateExited",
        "ExecutionSucceeded",
    ]


def test_export_jsonl_compact() -> None:
    store = DictObjectStore()
    writer = export(Transformation="COMPACT", OutputType="JSONL")
    outcome = execute(machine(writer), ITEMS, object_store=store)
    key = f"runs/{run_id(outcome.result.output)}/SUCCEEDED_0.json"
    assert objects(store)[key] == '[1,2]\n{"a":1}\n[3]\n'


def test_export_failed_children_within_the_tolerance() -> None:
    store = DictObjectStore()
    writer = export(Transformation="FLATTEN", OutputType="JSON")
    items = [{"out": [1, 2]}, {"fail": True}, {"out": 3}]
    outcome = execute(machine(writer, ToleratedFailureCount=1), items, object_store=store)
    assert outcome.result.status == "SUCCEEDED"
    folder = f"runs/{run_id(outcome.result.output)}/"
    written = objects(store)
    assert written[f"{folder}SUCCEEDED_0.json"] == [1, 2, 3]
    (failed,) = written[f"{folder}FAILED_0.json"]
    assert (failed["Error"], failed["Cause"], failed["Status"]) == ("Boom", "bad item", "FAILED")
    assert failed["Input"] == '{"fail":true}'
    assert failed["RedriveStatus"] == "REDRIVABLE_BY_MAP_RUN"
    files = written[f"{folder}manifest.json"]["ResultFiles"]
    assert [entry["Key"] for entry in files["FAILED"]] == [f"{folder}FAILED_0.json"]
    assert files["FAILED"][0]["Size"] == len(store.objects[("out", f"{folder}FAILED_0.json")])
    assert files["PENDING"] == []


def test_export_of_a_failed_map_run_is_written_before_it_fails() -> None:
    store = DictObjectStore()
    outcome = execute(machine(export()), [{"fail": True}], object_store=store)
    assert outcome.result.status == "FAILED"
    assert outcome.result.error == "States.ExceedToleratedFailureThreshold"
    keys = sorted(key for _, key in store.objects)
    assert [key.rpartition("/")[2] for key in keys] == ["FAILED_0.json", "manifest.json"]
    assert "MapRunFailed" in outcome.types


@pytest.mark.parametrize(
    ("prefix", "folder"),
    [(None, ""), ("", ""), ("a/b/", "a/b/"), ("a/b", "a/b/")],
)
def test_keys_with_and_without_prefix(prefix: str | None, folder: str) -> None:
    store = DictObjectStore()
    outcome = execute(machine(export(prefix)), ITEMS, object_store=store)
    key = outcome.result.output["ResultWriterDetails"]["Key"]
    assert key == f"{folder}{run_id(outcome.result.output)}/manifest.json"


def test_parameters_paths_and_jsonata_arguments() -> None:
    store = DictObjectStore()
    writer = {"Resource": PUT, "Parameters": {"Bucket.$": "$.bucket", "Prefix": "p"}}
    definition = machine(writer, ItemsPath="$.items")
    outcome = execute(definition, {"bucket": "out", "items": ITEMS}, object_store=store)
    assert outcome.result.output["ResultWriterDetails"]["Bucket"] == "out"
    jsonata = {
        "Resource": PUT,
        "Arguments": {"Bucket": "{% $states.input.bucket %}", "Prefix": "{% 'j' & 'x' %}"},
    }
    definition = machine(jsonata, QueryLanguage="JSONata", Items="{% $states.input.items %}")
    outcome = execute(definition, {"bucket": "out", "items": ITEMS}, object_store=store)
    assert outcome.result.output["ResultWriterDetails"]["Key"].startswith("jx/")


# -- States.ResultWriterFailed -------------------------------------------------------------------


class ReadOnlyStore:
    def get(self, bucket: str, key: str) -> bytes:
        raise KeyError(key)


class BrokenStore(DictObjectStore):
    def put(self, bucket: str, key: str, body: bytes | str) -> None:
        raise OSError("disk full")


@pytest.mark.parametrize(
    ("store", "writer", "cause"),
    [
        (ReadOnlyStore(), export(), "The object store cannot write objects."),
        (None, export(), "No object store is configured for ResultWriter."),
        (BrokenStore(), export(), "Failed to write s3://out/runs/"),
        (
            DictObjectStore(),
            {"Resource": PUT, "Parameters": {"Prefix": "p"}},
            "The ResultWriter parameters must include the Bucket.",
        ),
    ],
)
def test_write_failures(store: Any, writer: dict[str, Any], cause: str) -> None:
    outcome = execute(machine(writer), ITEMS, object_store=store)
    assert outcome.result.status == "FAILED"
    assert outcome.result.error == "States.ResultWriterFailed"
    assert outcome.result.cause is not None and outcome.result.cause.startswith(cause)
    failed = next(event for event in outcome.events if event.type == "MapRunFailed")
    assert failed.details["error"] == "States.ResultWriterFailed"


def test_a_write_failure_can_be_caught() -> None:
    definition = machine(
        export(),
        Catch=[{"ErrorEquals": ["States.ResultWriterFailed"], "Next": "Done"}],
    )
    definition["States"]["Fan"].pop("End")
    definition["States"]["Fan"]["Next"] = "Done"
    definition["States"]["Done"] = {"Type": "Succeed"}
    outcome = execute(definition, ITEMS, object_store=ReadOnlyStore())
    assert outcome.result.status == "SUCCEEDED"
    assert outcome.result.output["Error"] == "States.ResultWriterFailed"


# -- validation ----------------------------------------------------------------------------------


def problems(writer: Any, **fields: Any) -> list[str]:
    return validate(machine(writer, **fields))


def test_valid_combinations() -> None:
    assert problems({"WriterConfig": {"Transformation": "NONE", "OutputType": "JSONL"}}) == []
    assert problems(export()) == []
    assert problems(export(Transformation="FLATTEN", OutputType="JSON")) == []


@pytest.mark.parametrize(
    ("writer", "message"),
    [
        ({}, "ResultWriter field cannot be empty at /States/Fan/ResultWriter"),
        ([], "The value for the field 'ResultWriter' must be an OBJECT"),
        ({"Resource": PUT}, "ResultWriter must specify WriterConfig, Resource and Parameters"),
        (
            {"Parameters": {"Bucket": "b"}, "WriterConfig": {}},
            "ResultWriter must specify WriterConfig, Resource and Parameters",
        ),
        (
            {"WriterConfig": {"Transformation": "RAW"}},
            "The value for the field 'Transformation' must be one of [NONE, COMPACT, FLATTEN]",
        ),
        (
            {"WriterConfig": {"OutputType": "CSV"}},
            "The value for the field 'OutputType' must be one of [JSON, JSONL]",
        ),
        ({"WriterConfig": "JSON"}, "The value for the field 'WriterConfig' must be an OBJECT"),
        ({"WriterConfig": {}, "Extra": 1}, "Field 'Extra' is not supported"),
        (
            {"Resource": PUT, "Arguments": {"Bucket": "b"}},
            "Field 'Arguments' is not supported",
        ),
        (
            {"Resource": "arn:aws:states:::s3:getObject", "Parameters": {"Bucket": "b"}},
            "UNSUPPORTED_FEATURE: Field 'ResultWriter Resource arn:aws:states:::s3:getObject'",
        ),
    ],
)
def test_validation_messages(writer: Any, message: str) -> None:
    found = problems(writer)
    assert any(message in problem for problem in found), found


def test_jsonata_uses_arguments_not_parameters() -> None:
    jsonata = {"QueryLanguage": "JSONata"}
    arguments = {"Resource": PUT, "Arguments": {"Bucket": "b", "Prefix": "{% 'p' %}"}}
    assert problems(arguments, **jsonata) == []
    found = problems(export(), **jsonata)
    assert any("Field 'Parameters' is not supported" in problem for problem in found), found


def test_result_writer_only_in_distributed_maps() -> None:
    definition = machine(export())
    processor = dict(PROCESSOR, ProcessorConfig={"Mode": "INLINE"})
    definition["States"]["Fan"]["ItemProcessor"] = processor
    definition["States"]["Fan"].pop("Label")
    assert validate(definition) == [
        "SCHEMA_VALIDATION_FAILED: The field 'ResultWriter' is supported only by a Map state in "
        "DISTRIBUTED mode at /States/Fan/ResultWriter"
    ]


def test_the_embedded_runtime_buckets_receive_the_export(tmp_path: Path) -> None:
    from sluiceway.adapters.local.buckets import LocalBuckets

    outcome = execute(machine(export()), ITEMS, object_store=LocalBuckets(tmp_path))
    key = outcome.result.output["ResultWriterDetails"]["Key"]
    manifest = json.loads((tmp_path / "out" / key).read_text())
    (succeeded,) = manifest["ResultFiles"]["SUCCEEDED"]
    assert (tmp_path / "out" / succeeded["Key"]).stat().st_size == succeeded["Size"]
