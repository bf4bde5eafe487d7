"""How the embedded runtime calls a Python handler: Lambda's JSON boundary and errors."""

from __future__ import annotations

import json
from typing import Any

import pytest

from sluiceway.asl import StatesError
from sluiceway.runtime.local.functions import call_handler


def test_event_and_result_cross_a_json_boundary() -> None:
    seen: list[Any] = []

    def handler(event: Any, context: Any) -> Any:
        seen.append((event, context.function_name))
        return {"big": 2**70, "tuple": (1, 2)}

    result = call_handler(handler, {"n": 2**65, "f": 1.5}, "fn", None)
    assert seen == [({"n": 2**65, "f": 1.5}, "fn")]
    assert result == {"big": 2**70, "tuple": [1, 2]}


def test_a_result_that_is_not_json_is_a_marshal_error_with_pythons_text() -> None:
    with pytest.raises(StatesError) as failure:
        call_handler(lambda event, context: {1, 2}, {}, "fn", None)
    assert failure.value.error == "Runtime.MarshalError"
    assert failure.value.cause == (
        "Unable to marshal response: Object of type set is not JSON serializable"
    )


def test_an_exception_is_the_functions_error() -> None:
    def handler(event: Any, context: Any) -> Any:
        raise ValueError("bad input")

    with pytest.raises(StatesError) as failure:
        call_handler(handler, {}, "fn", None)
    assert failure.value.error == "ValueError"
    cause = json.loads(failure.value.cause or "")
    assert (cause["errorMessage"], cause["errorType"]) == ("bad input", "ValueError")
    assert list(cause) == ["errorMessage", "errorType", "requestId", "stackTrace"]
