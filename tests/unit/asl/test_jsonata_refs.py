"""Names a JSONata expression reads at its top level (rejected at validation, like AWS)."""

from __future__ import annotations

import pytest

from sluiceway.asl import validate
from sluiceway.asl.jsonata_refs import top_level_references


def _refs(expression: str) -> list[str]:
    from jsonata import Jsonata

    return top_level_references(Jsonata(expression).ast)


@pytest.mark.parametrize(
    ("expression", "names"),
    [
        ("phone", ["phone"]),
        ("a.b", ["a"]),
        ('{"k": name}', ["name"]),
        ("$count(phone).x", ["phone"]),
        ("a ? b : c", ["a", "b", "c"]),
        ("[a, $b, a]", ["a"]),
        ("$states.input.a", []),
        ("$states.input[x > 1].y", []),
        ("$states.input^(name)", []),
        ("$states.input{k: v}", []),
        ("$v.(a)", []),
        ("$map($states.input, function($v) { $v.a })", []),
        ("($x := 1; $x + 1)", []),
    ],
)
def test_top_level_references(expression: str, names: list[str]) -> None:
    assert _refs(expression) == names


def test_each_name_is_a_diagnostic_at_the_field() -> None:
    definition = {
        "QueryLanguage": "JSONata",
        "StartAt": "E",
        "States": {"E": {"Type": "Pass", "Output": {"v": "{% a & b & a %}"}, "End": True}},
    }
    assert validate(definition) == [
        "UNSUPPORTED_JSONATA_EXPRESSION: Reference to 'a' at the top level is not supported. "
        "at /States/E/Output/v",
        "UNSUPPORTED_JSONATA_EXPRESSION: Reference to 'b' at the top level is not supported. "
        "at /States/E/Output/v",
    ]
