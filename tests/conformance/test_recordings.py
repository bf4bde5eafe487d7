"""Runs the executions recorded on AWS (``recordings/*.json``) and compares the outcomes."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from sluiceway.asl import Executor, HistoryEvent, StateMachine, TaskContext
from sluiceway.asl.map_config import DictObjectStore
from tests.conformance.lambdas import HANDLERS

RECORDINGS = Path(__file__).parent / "recordings"
JSON_TEXT_FIELDS = ("input", "output", "parameters", "payload")


def _cases() -> list[Any]:
    params = []
    for path in sorted(RECORDINGS.glob("*.json")):
        for case in json.loads(path.read_text(encoding="utf-8"))["cases"]:
            params.append(pytest.param(case, id=f"{path.stem}/{case['name']}"))
    return params


class _Invoker:
    def __init__(self, mapping: dict[str, str]) -> None:
        self.mapping = mapping

    async def invoke(self, function: str, payload: Any, context: TaskContext) -> Any:
        name = function.split(":function:")[-1].split(":")[0]
        return HANDLERS[self.mapping[name]](payload)


async def _instant(seconds: float) -> None:
    await asyncio.sleep(0)


def _object_store(objects: dict[str, str]) -> DictObjectStore:
    store = DictObjectStore()
    for address, body in objects.items():
        bucket, key = address.split("/", 1)
        store.put(bucket, key, body)
    return store


def _detail(event: HistoryEvent, key: str, expected: Any) -> Any:
    value = event.details.get(key)
    if key in JSON_TEXT_FIELDS and isinstance(value, str) and not isinstance(expected, str):
        return json.loads(value)
    return value


def _compare_events(actual: list[HistoryEvent], expected: list[dict[str, Any]]) -> None:
    assert [e.type for e in actual] == [e["type"] for e in expected]
    for event, want in zip(actual, expected, strict=True):
        where = f"event {want['id']} ({want['type']})"
        assert (event.id, event.previous_event_id) == (want["id"], want["previousEventId"]), where
        for key, value in want.get("details", {}).items():
            assert _detail(event, key, value) == value, f"{where}: {key}"


@pytest.mark.parametrize("case", _cases())
def test_recorded_execution(case: dict[str, Any]) -> None:
    machine = StateMachine.parse(case["definition"])
    events: list[HistoryEvent] = []
    executor = Executor(
        machine,
        _Invoker(case.get("lambdas", {})),
        listener=events.append,
        sleep=_instant,
        object_store=_object_store(case.get("objects", {})),
    )
    result = asyncio.run(executor.run(case.get("input", {}), execution_name="recorded"))
    actual = {"status": result.status, "error": result.error, "cause": result.cause}
    expected = {key: case.get(key) for key in actual}
    assert actual == expected
    assert result.output == case.get("output")
    if "events" in case:
        if case.get("events_partial"):  # only the events whose ids the recording shows
            shown = {want["id"] for want in case["events"]}
            events = [event for event in events if event.id in shown]
        _compare_events(events, case["events"])
