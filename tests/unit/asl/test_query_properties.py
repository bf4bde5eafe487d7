"""Property tests: variables and JSONata carry any JSON value unchanged."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from sluiceway.asl.jsonata_eval import compile_template

from .helpers import output_of

# The jsonata package raises the recursion limit when first used: do it before Hypothesis runs.
compile_template("{% $sum([1]) %}", "/", "Output", []).evaluate({}, {})

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53), max_value=2**53)
    | st.floats(allow_nan=False, allow_infinity=False).filter(lambda f: not f.is_integer())
    | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=40, deadline=None)
@given(json_values)
def test_a_variable_returns_what_was_assigned(value: Any) -> None:
    definition = {
        "StartAt": "Set",
        "States": {
            "Set": {"Type": "Pass", "Assign": {"v.$": "$.value"}, "Next": "Get"},
            "Get": {"Type": "Pass", "Parameters": {"v.$": "$v"}, "End": True},
        },
    }
    assert output_of(definition, {"value": value}) == {"v": value}


@settings(max_examples=60, deadline=None)
@given(json_values)
def test_jsonata_returns_input_and_variables_unchanged(value: Any) -> None:
    template = compile_template(
        {"input": "{% $states.input %}", "variable": "{% $v %}"}, "/Output", "Output", []
    )
    assert template.evaluate({"input": value}, {"v": value}) == {"input": value, "variable": value}


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(min_value=-100, max_value=100), max_size=20), st.integers(1, 6))
def test_partition_matches_slicing(items: list[int], size: int) -> None:
    template = compile_template("{% $partition($states.input, $size) %}", "/O", "Output", [])
    expected = [items[i : i + size] for i in range(0, len(items), size)]
    if not expected:
        return  # an empty partition is JSONata's undefined
    result = template.evaluate({"input": items}, {"size": size})
    assert result == expected


@settings(max_examples=40, deadline=None)
@given(st.integers(-50, 50), st.integers(-50, 50), st.integers(1, 7))
def test_range_is_inclusive(start: int, end: int, step: int) -> None:
    if start > end:
        return
    template = compile_template("{% [$range($a, $b, $c)] %}", "/O", "Output", [])
    assert template.evaluate({}, {"a": start, "b": end, "c": step}) == list(
        range(start, end + 1, step)
    )
