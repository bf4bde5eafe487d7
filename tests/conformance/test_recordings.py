"""Runs the executions recorded on AWS (``recordings/*.json``) and compares the outcomes."""

from __future__ import annotations

import asyncio
import inspect
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from sluiceway.asl import Executor, HistoryEvent, LambdaInvoker, StateMachine, TaskContext
from sluiceway.asl.executor import DEFAULT_ACCOUNT, DEFAULT_REGION
from sluiceway.asl.integrations import function_not_found
from sluiceway.asl.map_config import DictObjectStore
from sluiceway.runtime.local.functions import MappedLambdaInvoker
from tests.conformance.cases import recorded_cases
from tests.conformance.lambdas import HANDLERS

RECORDINGS = Path(__file__).parent / "recordings"
JSON_TEXT_FIELDS = ("input", "output", "parameters", "payload")
MASK = "<masked>"
ANY = "<any>"  # an expected value AWS made random or time-based (ARNs, dates, request ids)
_REQUEST_ID = re.compile(r"Request ID: [^;]*;")


class _Invoker:
    def __init__(self, mapping: dict[str, str]) -> None:
        self.mapping = mapping

    async def invoke(self, function: str, payload: Any, context: TaskContext) -> Any:
        name = function.split(":function:")[-1].split(":")[0]
        if name not in self.mapping:
            arn = function if function.startswith("arn:") else _function_arn(name)
            raise function_not_found(arn)
        result = HANDLERS[self.mapping[name]](payload)
        return await result if inspect.isawaitable(result) else result


def _function_arn(name: str) -> str:
    return f"arn:aws:lambda:{DEFAULT_REGION}:{DEFAULT_ACCOUNT}:function:{name}"


async def _instant(seconds: float) -> None:
    await asyncio.sleep(0)


def _scaled(scale: float) -> Any:
    async def sleep(seconds: float) -> None:
        await asyncio.sleep(seconds * scale)

    return sleep


def _json_style(text: str, value: Any) -> str:
    if text == json.dumps(value, separators=(",", ":"), ensure_ascii=False):
        return "compact"
    return "spaced" if text == json.dumps(value) else "other"


def _masked(value: Any, names: frozenset[str]) -> Any:
    """``value`` with the values of the keys in ``names`` replaced, also inside strings that hold
    a JSON object (compared as text, so key order and separators still count)."""
    if not names:
        return value
    if isinstance(value, dict):
        return {k: MASK if k in names else _masked(v, names) for k, v in value.items()}
    if isinstance(value, list):
        return [_masked(item, names) for item in value]
    if isinstance(value, str):
        if "Request ID" in names:
            value = _REQUEST_ID.sub(f"Request ID: {MASK};", value)
        if value.startswith("{"):
            try:
                parsed = json.loads(value)
            except ValueError:
                return value
            masked = json.dumps(_masked(parsed, names), ensure_ascii=False)
            return f"<{_json_style(value, parsed)} JSON> {masked}"
    return value


def _expected(expected: Any, actual: Any) -> Any:
    """``expected`` with each ``ANY`` replaced by the actual value at the same place."""
    if expected == ANY:
        return actual
    if isinstance(expected, dict) and isinstance(actual, dict):
        return {key: _expected(value, actual.get(key)) for key, value in expected.items()}
    if isinstance(expected, list) and isinstance(actual, list) and len(expected) == len(actual):
        return [_expected(value, item) for value, item in zip(expected, actual, strict=True)]
    return expected


def _object_store(objects: dict[str, str]) -> DictObjectStore:
    store = DictObjectStore()
    for address, body in objects.items():
        bucket, key = address.split("/", 1)
        store.put(bucket, key, body)
    return store


def _detail(event: HistoryEvent, key: str, expected: Any) -> Any:
    """An event's JSON text field, compared as its value (``"Hello"`` for ``"\"Hello\""``) or,
    when the case gives that very text (``"0.0"``), as text."""
    value = event.details.get(key)
    if key in JSON_TEXT_FIELDS and isinstance(value, str):
        return value if value == expected else json.loads(value)
    return value


def _compare_events(
    actual: list[HistoryEvent], expected: list[dict[str, Any]], normal: Callable[[Any], Any]
) -> None:
    assert [e.type for e in actual] == [e["type"] for e in expected]
    for event, want in zip(actual, expected, strict=True):
        where = f"event {want['id']} ({want['type']})"
        assert (event.id, event.previous_event_id) == (want["id"], want["previousEventId"]), where
        for key, value in want.get("details", {}).items():
            got = normal(_detail(event, key, value))
            want_value = _expected(normal(value), got)
            assert got == want_value, f"{where}: {key}"
            assert _key_order(got) == _key_order(want_value), f"{where}: {key} (key order)"


def _key_order(value: Any) -> Any:
    """The keys of every object in ``value``, in order (AWS's JSON texts keep one)."""
    if isinstance(value, dict):
        return [(key, _key_order(item)) for key, item in value.items()]
    if isinstance(value, list):
        return [_key_order(item) for item in value]
    return None


def _through_threads(case: dict[str, Any]) -> bool:
    """Whether the case's functions can also run as ``statemachine run`` runs them."""
    keys = case.get("lambdas", {}).values()
    return bool(keys) and not any(inspect.iscoroutinefunction(HANDLERS[k]) for k in keys)


def _cli_invoker(mapping: dict[str, str]) -> MappedLambdaInvoker:
    """The invoker of ``sluiceway statemachine run``: handlers ``(event, context)`` in threads,
    behind a JSON boundary, their exceptions turned into Lambda's errors."""

    def handler(key: str) -> Any:
        return lambda event, context: HANDLERS[key](event)

    return MappedLambdaInvoker({name: handler(key) for name, key in mapping.items()})


@pytest.mark.parametrize("case", recorded_cases(RECORDINGS))
def test_recorded_execution(case: dict[str, Any]) -> None:
    _check(case, _Invoker(case.get("lambdas", {})))


@pytest.mark.parametrize(
    "case", [c for c in recorded_cases(RECORDINGS) if _through_threads(c.values[0])]
)
def test_recorded_execution_as_statemachine_run_invokes(case: dict[str, Any]) -> None:
    _check(case, _cli_invoker(case["lambdas"]))


def _check(case: dict[str, Any], invoker: LambdaInvoker) -> None:
    machine = StateMachine.parse(case["definition"])
    events: list[HistoryEvent] = []
    scale = case.get("time_scale")
    executor = Executor(
        machine,
        invoker,
        listener=events.append,
        sleep=_instant if scale is None else _scaled(scale),
        timer=None if scale is None else _scaled(scale),
        object_store=_object_store(case.get("objects", {})),
    )
    result = asyncio.run(executor.run(case.get("input", {}), execution_name="recorded"))
    masked = frozenset(case.get("masked", ()))

    def normal(value: Any) -> Any:
        return _masked(value, masked)

    actual = {"status": result.status, "error": result.error, "cause": result.cause}
    expected = {key: case.get(key) for key in actual}
    assert normal(actual) == normal(expected)
    output = normal(result.output)
    expected_output = _expected(normal(case.get("output")), output)
    assert output == expected_output
    assert _key_order(output) == _key_order(expected_output), "output (key order)"
    if "events" in case:
        if case.get("events_partial"):  # only the events whose ids the recording shows
            shown = {want["id"] for want in case["events"]}
            events = [event for event in events if event.id in shown]
        _compare_events(events, case["events"], normal)
