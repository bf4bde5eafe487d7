"""Intrinsic functions: the developer guide's examples, the parser, and failures."""

from __future__ import annotations

import re
from typing import Any

import pytest

from sluiceway.asl import StatesError
from sluiceway.asl.intrinsics import IntrinsicSyntaxError, parse_intrinsic

from .helpers import execute, single


def call(expression: str, data: Any = None, context: Any = None) -> Any:
    return parse_intrinsic(expression).evaluate({} if data is None else data, context or {})


# Each case is an example of the "Intrinsic functions" page of the Step Functions developer
# guide (input, call, documented result), or of the States Language specification.
DOC_EXAMPLES: list[tuple[str, Any, Any]] = [
    (
        "States.Format('Hello, my name is {}.', $.name)",
        {"name": "Arnav"},
        "Hello, my name is Arnav.",
    ),
    (
        "States.Format($.template, $.name)",
        {"name": "Arnav", "template": "Hello, my name is {}."},
        "Hello, my name is Arnav.",
    ),
    (
        "States.Format('Your name is {}, we are in the year {}', $.name, 2020)",
        {"name": "Foo", "zebra": "stripe"},
        "Your name is Foo, we are in the year 2020",
    ),
    (
        "States.StringToJson($.escapedJsonString)",
        {"escapedJsonString": '{"foo": "bar"}'},
        {"foo": "bar"},
    ),
    ("States.StringToJson($.someString)", {"someString": '{"number": 20}'}, {"number": 20}),
    ("States.JsonToString($.unescapedJson)", {"unescapedJson": {"foo": "bar"}}, '{"foo":"bar"}'),
    (
        "States.JsonToString($.someJson)",
        {"someJson": {"name": "Foo", "year": 2020}, "zebra": "stripe"},
        '{"name":"Foo","year":2020}',
    ),
    ("States.Array($.Id)", {"Id": 123456}, [123456]),
    (
        "States.Array('Foo', 2020, $.someJson, null)",
        {"someJson": {"random": "abcdefg"}, "zebra": "stripe"},
        ["Foo", 2020, {"random": "abcdefg"}, None],
    ),
    (
        "States.ArrayPartition($.inputArray,4)",
        {"inputArray": [1, 2, 3, 4, 5, 6, 7, 8, 9]},
        [[1, 2, 3, 4], [5, 6, 7, 8], [9]],
    ),
    (
        "States.ArrayContains($.inputArray, $.lookingFor)",
        {"inputArray": [1, 2, 3, 4, 5, 6, 7, 8, 9], "lookingFor": 5},
        True,
    ),
    ("States.ArrayRange(1, 9, 2)", {}, [1, 3, 5, 7, 9]),
    (
        "States.ArrayGetItem($.inputArray, $.index)",
        {"inputArray": [1, 2, 3, 4, 5, 6, 7, 8, 9], "index": 5},
        6,
    ),
    ("States.ArrayLength($.inputArray)", {"inputArray": [1, 2, 3, 4, 5, 6, 7, 8, 9]}, 9),
    ("States.ArrayUnique($.inputArray)", {"inputArray": [1, 2, 3, 3, 3, 3, 3, 3, 4]}, [1, 2, 3, 4]),
    ("States.Base64Encode($.input)", {"input": "Data to encode"}, "RGF0YSB0byBlbmNvZGU="),
    # The guide prints "Decoded data" here; decoding its example input gives the original text.
    ("States.Base64Decode($.base64)", {"base64": "RGF0YSB0byBlbmNvZGU="}, "Data to encode"),
    # The guide's digest lacks one character ("...d7485e8..."); this is SHA-1 of "input data".
    (
        "States.Hash($.Data, $.Algorithm)",
        {"Data": "input data", "Algorithm": "SHA-1"},
        "aaff4a450a104cd177d28d18d74485e8cae074b7",
    ),
    (
        "States.JsonMerge($.json1, $.json2, false)",
        {"json1": {"a": {"a1": 1, "a2": 2}, "b": 2}, "json2": {"a": {"a3": 1, "a4": 2}, "c": 3}},
        {"a": {"a3": 1, "a4": 2}, "b": 2, "c": 3},
    ),
    ("States.MathAdd($.value1, $.step)", {"value1": 111, "step": -1}, 110),
    (
        "States.StringSplit($.inputString, $.splitter)",
        {"inputString": "1,2,3,4,5", "splitter": ","},
        ["1", "2", "3", "4", "5"],
    ),
    (
        "States.StringSplit($.inputString, $.splitter)",
        {"inputString": "This.is+a,test=string", "splitter": ".+,="},
        ["This", "is", "a", "test", "string"],
    ),
]


@pytest.mark.parametrize(("expression", "data", "expected"), DOC_EXAMPLES)
def test_documented_examples(expression: str, data: Any, expected: Any) -> None:
    assert call(expression, data) == expected


def test_nine_nested_functions_from_the_guide() -> None:
    inner = (
        "States.ArrayGetItem(States.StringSplit(States.ArrayGetItem("
        "States.StringSplit($.ImageRecipe.Arn, '/'), 2), '.'), {})"
    )
    data = {"ImageRecipe": {"Arn": "arn:aws:imagebuilder:us-east-1:1:image-recipe/my-recipe/1.0.2"}}
    # The guide's example has three placeholders for two values: it cannot run as printed.
    with pytest.raises(IntrinsicSyntaxError, match="placeholder"):
        parse_intrinsic(f"States.Format('{{}}.{{}}.{{}}', {inner.format(0)}, {inner.format(1)})")
    expression = f"States.Format('{{}}.{{}}', {inner.format(0)}, {inner.format(1)})"
    assert call(expression, data) == "1.0"


def test_hash_algorithms() -> None:
    assert call("States.Hash('input data', 'MD5')") == "812f45842bc6d66ee14572ce20db8e86"
    assert call("States.Hash('abc', 'SHA-256')") == (
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    )
    assert len(call("States.Hash('abc', 'SHA-384')")) == 96
    assert len(call("States.Hash('abc', 'SHA-512')")) == 128


def test_math_random_and_uuid() -> None:
    values = {
        call("States.MathRandom($.start, $.end)", {"start": 1, "end": 999}) for _ in range(50)
    }
    assert all(isinstance(v, int) and 1 <= v < 999 for v in values)
    assert call("States.MathRandom(1, 999, 42)") == call("States.MathRandom(1, 999, 42)")
    uuid = call("States.UUID()")
    assert re.fullmatch(
        r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", uuid
    )


@pytest.mark.parametrize(
    ("start", "end", "low", "high"),
    # The inputs AWS was recorded with (test_math_operations: outputs masked as random).
    [(12.5, 44.51, 13, 45), (9999, 99999, 9999, 99999), (-99999, -9999, -99999, -9999)],
)
def test_math_random_recorded_inputs(start: float, end: float, low: int, high: int) -> None:
    data = {"fst": start, "snd": end}
    for _ in range(20):
        value = call("States.MathRandom($.fst, $.snd)", data)
        assert isinstance(value, int) and low <= value < high
    seeded = call("States.MathRandom(0, 999, 3)")
    assert isinstance(seeded, int) and 0 <= seeded < 999


def test_string_to_json_of_a_blank_string_is_null() -> None:
    assert call("States.StringToJson('')") is None
    assert call("States.StringToJson(' ')") is None


def test_math_add_rounds_like_java() -> None:
    assert call("States.MathAdd(1.6, 1)") == 3
    assert call("States.MathAdd(1.5, 0)") == 2
    assert call("States.MathAdd(-1.5, 0)") == -1


def test_array_range_and_split_edges() -> None:
    assert call("States.ArrayRange(9, 1, -3)") == [9, 6, 3]
    assert call("States.ArrayRange(1, 2, -1)") == []
    assert call("States.StringSplit(',a,,b,', ',')") == ["a", "b"]
    assert call("States.ArrayContains($.a, $.b)", {"a": [1, True], "b": 1}) is True
    assert call("States.ArrayContains($.a, $.b)", {"a": [True], "b": 1}) is False
    assert call("States.ArrayUnique($.a)", {"a": [{"x": 1}, {"x": 1}, 1, 1.0, True]}) == [
        {"x": 1},
        1,
        True,
    ]


def test_escapes_in_string_literals() -> None:
    assert call(r"States.Format('It\'s {} \{not a placeholder\} \\ done', 'ok')") == (
        r"It's ok {not a placeholder} \ done"
    )
    assert call(r"States.Array('\{\}')") == ["{}"]
    assert call("States.Format('{} and {}', 'a,b', '(c)')") == "a,b and (c)"


def test_format_renders_values_like_the_service() -> None:
    data = {"obj": {"a": 1, "b": [True, None, "x"]}, "f": 1.5}
    assert call("States.Format('{} {} {} {}', $.obj, $.f, true, null)", data) == (
        "{a=1, b=[true, null, x]} 1.5 true null"
    )


def test_arguments_of_all_kinds() -> None:
    context = {"Execution": {"Name": "run-1"}}
    assert call(
        "States.Array( -1.5e2 , $$.Execution.Name, $['a b'][0], States.Array() )",
        {"a b": [7]},
        context,
    ) == [
        -150.0,
        "run-1",
        7,
        [],
    ]


@pytest.mark.parametrize(
    ("expression", "reason"),
    [
        ("States.Nope()", "Unknown intrinsic function"),
        ("States.Array(", "Unexpected end"),
        ("States.Array('a)", "Unterminated"),
        (r"States.Array('\n')", "open escape"),
        ("States.Format('{} {}', 1)", "placeholder"),
        ("States.Format(1)", "must be a string"),
        ("States.UUID(1)", "takes 0 argument"),
        ("States.ArrayRange(1, 2)", "takes 3 argument"),
        ("States.MathRandom(1)", "takes 2 to 3"),
        ("States.Array($.a b)", r"Expected .\)."),
        ("States.Array(1) x", "Unexpected text"),
        ("States.Array(undefined)", "Invalid argument"),
        ("States.Array(" * 11 + ")" * 11, "nested"),
    ],
)
def test_syntax_errors(expression: str, reason: str) -> None:
    with pytest.raises(IntrinsicSyntaxError, match=reason):
        parse_intrinsic(expression)


@pytest.mark.parametrize(
    ("expression", "data"),
    [
        ("States.ArrayGetItem($.a, 5)", {"a": [1]}),
        ("States.ArrayGetItem($.a, 0)", {"a": "x"}),
        ("States.ArrayPartition($.a, 0)", {"a": [1]}),
        ("States.ArrayRange(1, 2000, 1)", {}),
        ("States.ArrayRange(1, 5, 0)", {}),
        ("States.ArrayRange(1.5, 5, 1)", {}),
        ("States.StringToJson('{nope')", {}),
        ("States.StringToJson(1)", {}),
        ("States.Base64Decode('***')", {}),
        ("States.Hash('x', 'SHA-3')", {}),
        ("States.JsonMerge($.a, $.a, true)", {"a": {}}),
        ("States.JsonMerge($.a, 1, false)", {"a": {}}),
        ("States.MathAdd('1', 1)", {}),
        ("States.MathRandom(5, 5)", {}),
        ("States.Format($.t, 1)", {"t": "no placeholder"}),
        ("States.Base64Encode($.long)", {"long": "x" * 10_001}),
    ],
)
def test_argument_errors_are_intrinsic_failures(expression: str, data: Any) -> None:
    with pytest.raises(StatesError) as raised:
        call(expression, data)
    assert raised.value.error == "States.IntrinsicFailure"
    assert raised.value.cause is not None
    assert raised.value.cause.startswith(f"The function '{expression}' had the following error: ")


def test_missing_path_argument_fails_the_execution_with_states_runtime() -> None:
    outcome = execute(
        single({"Type": "Pass", "Parameters": {"v.$": "States.Format('{}', $.nope)"}, "End": True}),
        {"other": 1},
    )
    assert outcome.result.status == "FAILED"
    assert outcome.result.error == "States.Runtime"
    assert outcome.result.cause == (
        "An error occurred while executing the state 'S' (entered at the event id #2). "
        "The function 'States.Format('{}', $.nope)' had the following error: "
        "The JsonPath argument for the field '$.nope' could not be found in the input '{\"other\":1}'"
    )


def test_intrinsic_failure_is_catchable() -> None:
    definition = {
        "StartAt": "T",
        "States": {
            "T": {
                "Type": "Task",
                "Resource": "arn:aws:lambda:us-east-1:123456789012:function:f",
                "Parameters": {"item.$": "States.ArrayGetItem($.list, 3)"},
                "Catch": [
                    {
                        "ErrorEquals": ["States.IntrinsicFailure"],
                        "ResultPath": "$.error",
                        "Next": "Done",
                    }
                ],
                "End": True,
            },
            "Done": {"Type": "Succeed"},
        },
    }
    outcome = execute(definition, {"list": [1]}, {"f": lambda event: event})
    assert outcome.result.status == "SUCCEEDED"
    assert outcome.result.output["error"]["Error"] == "States.IntrinsicFailure"
    assert outcome.invoker.calls == []
