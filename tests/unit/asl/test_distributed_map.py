"""Distributed Map: ItemReader, ItemBatcher, tolerated failures, history events."""

from __future__ import annotations

import json
from typing import Any

import pytest

from sluiceway.asl import validate
from sluiceway.asl.map_config import DictObjectStore, batches

from .helpers import ARN, execute

STATEMENTS = [
    {"verdict": "true", "statement_date": "6/11/2008", "statement_source": "speech"},
    {"verdict": "false", "statement_date": "6/7/2022", "statement_source": "television"},
    {"verdict": "mostly-true", "statement_date": "5/18/2016", "statement_source": "news"},
    {"verdict": "false", "statement_date": "5/18/2024", "statement_source": "x"},
]

PASS_PROCESSOR = {
    "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
    "StartAt": "Pass",
    "States": {"Pass": {"Type": "Pass", "End": True}},
}


def store(body: Any, key: str = "file.json") -> DictObjectStore:
    objects = DictObjectStore()
    objects.put("bucket", key, body if isinstance(body, str) else json.dumps(body))
    return objects


def reader(input_type: str = "JSON", **config: Any) -> dict[str, Any]:
    return {
        "Resource": "arn:aws:states:::s3:getObject",
        "ReaderConfig": {"InputType": input_type, **config},
        "Parameters": {"Bucket.$": "$.Bucket", "Key.$": "$.Key"},
    }


def map_machine(**fields: Any) -> dict[str, Any]:
    state = {"Type": "Map", "ItemProcessor": PASS_PROCESSOR, "End": True, **fields}
    return {"StartAt": "MapState", "States": {"MapState": state}}


TARGET = {"Bucket": "bucket", "Key": "file.json"}


def test_item_batcher_over_a_json_file_as_aws_records_it() -> None:
    definition = map_machine(ItemReader=reader(), ItemBatcher={"MaxItemsPerBatch": 2})
    outcome = execute(definition, TARGET, object_store=store(STATEMENTS))
    assert outcome.result.output == [{"Items": STATEMENTS[:2]}, {"Items": STATEMENTS[2:]}]
    assert outcome.types == [
        "ExecutionStarted",
        "MapStateEntered",
        "MapStateStarted",
        "MapRunStarted",
        "MapRunSucceeded",
        "MapStateSucceeded",
        "MapStateExited",
        "ExecutionSucceeded",
    ]
    assert outcome.events[2].details == {"length": 0}
    arn = outcome.events[3].details["mapRunArn"]
    assert arn.startswith("arn:aws:states:us-east-1:123456789012:mapRun:StateMachine/MapState:")


def test_max_items_path_reads_a_variable() -> None:
    definition = {
        "StartAt": "Start",
        "States": {
            "Start": {"Type": "Pass", "Assign": {"maxItems": "2"}, "Next": "MapState"},
            "MapState": map_machine(
                ItemReader=reader(MaxItemsPath="$maxItems"),
            )["States"]["MapState"],
        },
    }
    outcome = execute(definition, TARGET, object_store=store(STATEMENTS))
    assert outcome.result.output == STATEMENTS[:2]


def test_csv_and_jsonl_readers() -> None:
    csv_text = "name,age\nann,31\nbob,42\n"
    outcome = execute(map_machine(ItemReader=reader("CSV")), TARGET, object_store=store(csv_text))
    assert outcome.result.output == [{"name": "ann", "age": "31"}, {"name": "bob", "age": "42"}]
    given = reader("CSV", CSVHeaderLocation="GIVEN", CSVHeaders=["a", "b"], CSVDelimiter="PIPE")
    outcome = execute(map_machine(ItemReader=given), TARGET, object_store=store("1|2\n3|4\n"))
    assert outcome.result.output == [{"a": "1", "b": "2"}, {"a": "3", "b": "4"}]
    lines = '{"a":1}\n\n[2]\n"three"\n'
    outcome = execute(map_machine(ItemReader=reader("JSONL")), TARGET, object_store=store(lines))
    assert outcome.result.output == [{"a": 1}, [2], "three"]


@pytest.mark.parametrize(
    ("body", "key"),
    [("{not json", "file.json"), ({"not": "an array"}, "file.json"), ([1], "other.json")],
)
def test_item_reader_failures(body: Any, key: str) -> None:
    outcome = execute(map_machine(ItemReader=reader()), TARGET, object_store=store(body, key))
    assert outcome.result.error == "States.ItemReaderFailed"


def test_item_reader_failure_can_be_caught() -> None:
    definition = map_machine(
        ItemReader=reader(),
        Catch=[{"ErrorEquals": ["States.ItemReaderFailed"], "Next": "Caught"}],
    )
    definition["States"]["MapState"].pop("End")
    definition["States"]["MapState"]["Next"] = "Caught"
    definition["States"]["Caught"] = {"Type": "Succeed"}
    outcome = execute(definition, TARGET, object_store=DictObjectStore())
    assert outcome.result.output["Error"] == "States.ItemReaderFailed"


class BrokenStore:
    """A store whose reads fail in their own way (a disk or network error)."""

    def get(self, bucket: str, key: str) -> bytes:
        raise IsADirectoryError(f"{bucket}/{key}")


def test_a_store_error_is_an_item_reader_failure_not_a_crash() -> None:
    outcome = execute(map_machine(ItemReader=reader()), TARGET, object_store=BrokenStore())
    assert outcome.result.error == "States.ItemReaderFailed"
    assert outcome.result.cause is not None and "bucket/file.json" in outcome.result.cause
    assert "MapRunFailed" in outcome.types


def failing_processor() -> dict[str, Any]:
    return {
        "ProcessorConfig": {"Mode": "DISTRIBUTED"},
        "StartAt": "Work",
        "States": {"Work": {"Type": "Task", "Resource": ARN + "work", "End": True}},
    }


def work(item: Any) -> Any:
    if item == 2:
        raise ValueError("two")
    return item * 10


def test_tolerated_failure_count() -> None:
    definition = map_machine(ItemProcessor=failing_processor(), ToleratedFailureCount=1)
    outcome = execute(definition, [1, 2, 3], {"work": work})
    assert outcome.result.output[0] == 10 and outcome.result.output[2] == 30
    assert outcome.result.output[1]["Error"] == "ValueError"


@pytest.mark.parametrize(
    "tolerance",
    [{}, {"ToleratedFailureCount": 0}, {"ToleratedFailurePercentage": 30}],
)
def test_exceeding_the_tolerated_failures(tolerance: dict[str, Any]) -> None:
    definition = map_machine(ItemProcessor=failing_processor(), **tolerance)
    outcome = execute(definition, [1, 2, 3], {"work": work})
    assert (outcome.result.error, outcome.result.cause) == (
        "States.ExceedToleratedFailureThreshold",
        "The specified tolerated failure threshold was exceeded",
    )
    assert "MapRunFailed" in outcome.types and "MapStateFailed" in outcome.types


def test_tolerated_failure_percentage_and_paths() -> None:
    definition = map_machine(
        ItemProcessor=failing_processor(),
        ItemsPath="$.items",
        ToleratedFailurePercentagePath="$.percent",
    )
    outcome = execute(definition, {"items": [1, 2, 3], "percent": 34}, {"work": work})
    assert outcome.result.status == "SUCCEEDED"


def test_batch_input_and_bytes_limit() -> None:
    definition = map_machine(
        ItemBatcher={"MaxInputBytesPerBatch": 20, "BatchInput": {"source.$": "$.source"}},
        ItemsPath="$.items",
    )
    items = ["aaaa", "bbbb", "cccc", "dddddddddddddddddddddd"]
    outcome = execute(definition, {"items": items, "source": "s"})
    assert outcome.result.output == [
        {"Items": ["aaaa", "bbbb", "cccc"], "BatchInput": {"source": "s"}},
        {"Items": ["dddddddddddddddddddddd"], "BatchInput": {"source": "s"}},
    ]


def test_batches_respects_both_limits() -> None:
    assert batches([1, 2, 3, 4, 5], 2, None) == [[1, 2], [3, 4], [5]]
    assert batches(["xx", "yy", "zz"], None, 8) == [["xx", "yy"], ["zz"]]
    assert batches([], 2, None) == []


def test_distributed_children_cannot_read_outer_variables() -> None:
    processor = {
        "ProcessorConfig": {"Mode": "DISTRIBUTED"},
        "StartAt": "Read",
        "States": {"Read": {"Type": "Pass", "Parameters": {"x.$": "$outer"}, "End": True}},
    }
    definition = {
        "StartAt": "Set",
        "States": {
            "Set": {"Type": "Pass", "Assign": {"outer": 1}, "Next": "MapState"},
            "MapState": {"Type": "Map", "ItemProcessor": processor, "End": True},
        },
    }
    assert execute(definition, [1]).result.error == "States.ExceedToleratedFailureThreshold"


def test_jsonata_distributed_map_with_reader_arguments() -> None:
    definition = {
        "QueryLanguage": "JSONata",
        "StartAt": "MapState",
        "States": {
            "MapState": {
                "Type": "Map",
                "ItemReader": {
                    "Resource": "arn:aws:states:::s3:getObject",
                    "ReaderConfig": {"InputType": "JSON", "MaxItems": "{% 3 %}"},
                    "Arguments": {"Bucket": "{% $states.input.Bucket %}", "Key": "file.json"},
                },
                "ItemBatcher": {"MaxItemsPerBatch": "{% 2 %}"},
                "ToleratedFailureCount": "{% 0 %}",
                "ItemProcessor": PASS_PROCESSOR,
                "End": True,
            }
        },
    }
    outcome = execute(definition, TARGET, object_store=store(STATEMENTS))
    assert outcome.result.output == [{"Items": STATEMENTS[:2]}, {"Items": STATEMENTS[2:3]}]


@pytest.mark.parametrize(
    "field",
    [
        {"ItemReader": reader()},
        {"ItemBatcher": {"MaxItemsPerBatch": 2}},
        {"ToleratedFailureCountPath": "$.n"},
    ],
)
def test_distributed_fields_are_rejected_in_inline_mode(field: dict[str, Any]) -> None:
    inline = {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}
    problems = validate(map_machine(ItemProcessor=inline, **field))
    assert len(problems) == 1
    assert "is supported only by a Map state in DISTRIBUTED mode" in problems[0]


def test_inline_map_accepts_tolerated_failure_fields() -> None:
    # AWS runs inline Maps that set them (recorded executions); an inline Map ignores them
    inline = {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}
    fields = {"ToleratedFailureCount": 1, "ToleratedFailurePercentage": 50}
    assert validate(map_machine(ItemProcessor=inline, **fields)) == []


def test_invalid_distributed_configuration() -> None:
    problems = validate(
        map_machine(
            ItemBatcher={"MaxInputBytesPerBatch": 300000},
            ToleratedFailurePercentage=101,
            ItemReader={**reader(), "Resource": "arn:aws:states:::s3:listObjectsV2"},
        )
    )
    assert len(problems) == 3


def test_distributed_map_event_links_as_aws_records_them() -> None:
    definition = map_machine(ItemReader=reader())
    outcome = execute(definition, TARGET, object_store=store(STATEMENTS[:2]))
    links = [(e.type, e.id, e.previous_event_id) for e in outcome.events]
    assert links == [
        ("ExecutionStarted", 1, 0),
        ("MapStateEntered", 2, 0),
        ("MapStateStarted", 3, 2),
        ("MapRunStarted", 4, 3),
        ("MapRunSucceeded", 5, 4),
        ("MapStateSucceeded", 6, 5),
        ("MapStateExited", 7, 5),
        ("ExecutionSucceeded", 8, 7),
    ]
