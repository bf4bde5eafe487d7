"""What the two query languages share at run time: Assign, JSONata fields, payload limits.

* ``Assign`` is evaluated on the state's "result" as the developer guide describes it for JSONPath
  states (``$`` is the Pass result, the raw Task/Parallel/Map result (before ``ResultSelector``), the
  effective input of a Choice or Wait state, the error output in a Catcher) and, for JSONata
  states, with ``$states`` (``input``, ``result``/``errorOutput``, ``context``). All of a state's
  expressions see the variables as they were when it was entered.
* Step Functions limits a state's input and output, a task's result and the values one Assign
  writes to 256 KiB (UTF-8 of the JSON text); beyond that the execution fails with the terminal
  ``States.DataLimitExceeded``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from sluiceway.asl import errors
from sluiceway.asl.errors import StatesError
from sluiceway.asl.jsonata_eval import JsonataTemplate, QueryEvaluationError
from sluiceway.asl.payload import PayloadTemplate, compact_json
from sluiceway.asl.variables import MAX_ASSIGN_BYTES, Context, assigned_size

#: The Step Functions payload limit (state input/output, task results): 256 KiB.
MAX_PAYLOAD_BYTES = 256 * 1024


def payload_size(value: Any) -> int:
    """The value's size as compact UTF-8 JSON (orjson; the standard library for what it cannot
    represent, such as integers beyond 64 bits)."""
    try:
        return len(orjson.dumps(value))
    except TypeError:
        return len(compact_json(value).encode("utf-8"))


def check_result_size(
    state_name: str, value: Any, *, size: int | None = None, terminal: bool = True
) -> None:
    """States.DataLimitExceeded for a result or output larger than 256 KiB (``size``: the
    value's JSON size when the caller has it already). A state's output is terminal; a task
    result (``terminal=False``) can be retried and caught."""
    if (payload_size(value) if size is None else size) > MAX_PAYLOAD_BYTES:
        raise StatesError(
            errors.DATA_LIMIT_EXCEEDED,
            f"The state/task '{state_name}' returned a result with a size exceeding the maximum "
            "number of bytes service limit.",
            terminal=terminal,
        )


def states_binding(context: Context, input: Any, **extra: Any) -> dict[str, Any]:
    """The ``$states`` value of a JSONata expression."""
    return {"input": input, "context": dict(context), **extra}


def evaluate(template: JsonataTemplate, context: Context, states: Mapping[str, Any]) -> Any:
    return template.evaluate(states, context.variables.visible())


def assign_values(
    assign: Any, data: Any, context: Context, states: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The variables an Assign field writes (``{}`` without one)."""
    if assign is None:
        return {}
    if isinstance(assign, JsonataTemplate):
        values = evaluate(assign, context, states or {})
    else:
        assert isinstance(assign, PayloadTemplate)
        values = assign.evaluate(data, context)
    assert isinstance(values, dict)
    if assigned_size(values) > MAX_ASSIGN_BYTES:
        raise StatesError(
            errors.DATA_LIMIT_EXCEEDED,
            "The variables assigned by the state exceed the maximum number of bytes service limit.",
            terminal=True,
        )
    return values


def jsonata_integer(
    template: JsonataTemplate, context: Context, states: Mapping[str, Any], field: str, minimum: int
) -> int:
    """A JSONata expression that must return an integer >= ``minimum``."""
    value = evaluate(template, context, states)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise QueryEvaluationError(
            f"The JSONata expression specified for the field '{field}' returned an invalid "
            f"value: expected an integer >= {minimum} but got {compact_json(value)}.",
            field,
        )
    return value


def jsonata_string(
    template: JsonataTemplate, context: Context, states: Mapping[str, Any], field: str
) -> str:
    value = evaluate(template, context, states)
    if not isinstance(value, str):
        raise QueryEvaluationError(
            f"The JSONata expression specified for the field '{field}' returned an invalid "
            f"value: expected a string but got {compact_json(value)}.",
            field,
        )
    return value
