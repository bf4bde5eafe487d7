"""Runs the executions recorded on AWS (``recordings/*.json``) and compares the outcomes."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from sluiceway.asl import Executor, HistoryEvent, StateMachine, TaskContext
from tests.conformance.lambdas import HANDLERS

RECORDINGS = Path(__file__).parent / "recordings"
JSON_TEXT_FIELDS = ("input", "output", "parameters", "payload")
#: Parts of a recording that depend on AWS internals (request ids, dates, where a Lambda's code
#: lives) and are compared loosely: the HTTP metadata of a lambda:invoke result is left out, and
#: a Lambda error cause (``{"errorMessage", "errorType", "requestId", "stackTrace"}``) is compared
#: by its message and type.
HTTP_METADATA = ("SdkHttpMetadata", "SdkResponseMetadata")
LAMBDA_ERROR_FIELDS = ("errorMessage", "errorType")


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


def _loose(value: Any) -> Any:
    """``value`` without the parts that depend on AWS internals (see HTTP_METADATA)."""
    if isinstance(value, dict):
        return {k: _loose(v) for k, v in value.items() if k not in HTTP_METADATA}
    if isinstance(value, list):
        return [_loose(item) for item in value]
    if isinstance(value, str) and "stackTrace" in value and value.startswith("{"):
        try:
            parsed = json.loads(value)
        except ValueError:
            return value
        if isinstance(parsed, dict) and "errorType" in parsed:
            return {"lambda error": {k: parsed.get(k) for k in LAMBDA_ERROR_FIELDS}}
        return _loose(parsed)
    return value


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
            assert _loose(_detail(event, key, value)) == _loose(value), f"{where}: {key}"


@pytest.mark.parametrize("case", _cases())
def test_recorded_execution(case: dict[str, Any]) -> None:
    machine = StateMachine.parse(case["definition"])
    events: list[HistoryEvent] = []
    executor = Executor(
        machine, _Invoker(case.get("lambdas", {})), listener=events.append, sleep=_instant
    )
    result = asyncio.run(executor.run(case.get("input", {}), execution_name="recorded"))
    actual = {"status": result.status, "error": result.error, "cause": result.cause}
    expected = {key: case.get(key) for key in actual}
    assert _loose(actual) == _loose(expected)
    assert _loose(result.output) == _loose(case.get("output"))
    if "events" in case:
        _compare_events(events, case["events"])
