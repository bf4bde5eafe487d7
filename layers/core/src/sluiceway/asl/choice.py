"""Choice rules: compilation (with validation) and evaluation.

Semantics follow the Step Functions guide ("Choice workflow state"): a comparison of values of
the wrong type is false (``StringEquals`` on a number does not match), timestamps compare as
instants (RFC 3339 with an uppercase ``T`` and a ``Z`` or numeric offset), ``StringMatches``
knows only the ``*`` wildcard (``\\*`` and ``\\\\`` escape), ``Is*`` operators take a boolean, and
a ``Variable`` (or ``...Path`` operand) that matches nothing fails the state with
``States.Runtime`` except under ``IsPresent``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sluiceway.asl import variables
from sluiceway.asl.errors import RUNTIME, StatesError
from sluiceway.asl.paths import JsonPath, PathNotFound, PathSyntaxError, parse_path

_COMPARISONS = ("Equals", "LessThan", "GreaterThan", "LessThanEquals", "GreaterThanEquals")
STRING_OPERATORS = frozenset(f"String{c}" for c in _COMPARISONS)
NUMERIC_OPERATORS = frozenset(f"Numeric{c}" for c in _COMPARISONS)
TIMESTAMP_OPERATORS = frozenset(f"Timestamp{c}" for c in _COMPARISONS)
TYPE_TESTS = frozenset({"IsNull", "IsPresent", "IsNumeric", "IsString", "IsBoolean", "IsTimestamp"})
VALUE_OPERATORS = STRING_OPERATORS | NUMERIC_OPERATORS | TIMESTAMP_OPERATORS | {"BooleanEquals"}
PATH_OPERATORS = frozenset(f"{op}Path" for op in VALUE_OPERATORS)
OPERATORS = VALUE_OPERATORS | PATH_OPERATORS | TYPE_TESTS | {"StringMatches"}

_TIMESTAMP = re.compile(r"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})")


def parse_timestamp(value: Any) -> datetime | None:
    """An ASL timestamp (``2016-03-14T01:59:00Z``) as an aware datetime, or None."""
    if not isinstance(value, str):
        return None
    match = _TIMESTAMP.fullmatch(value)
    if not match:
        return None
    fraction = (match.group(2) or "0")[:6].ljust(6, "0")
    zone = "+00:00" if match.group(3) == "Z" else match.group(3)
    try:
        return datetime.fromisoformat(f"{match.group(1)}.{fraction}{zone}")
    except ValueError:
        return None


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _order(operator: str, left: Any, right: Any) -> bool:
    if operator.endswith("GreaterThanEquals"):
        return bool(left >= right)
    if operator.endswith("LessThanEquals"):
        return bool(left <= right)
    if operator.endswith("GreaterThan"):
        return bool(left > right)
    if operator.endswith("LessThan"):
        return bool(left < right)
    return bool(left == right)


def _matches(pattern: str, value: str) -> bool:
    regex, index = [], 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\" and index + 1 < len(pattern):
            regex.append(re.escape(pattern[index + 1]))
            index += 2
            continue
        regex.append(".*" if char == "*" else re.escape(char))
        index += 1
    return re.fullmatch("".join(regex), value, flags=re.DOTALL) is not None


def compare(operator: str, value: Any, expected: Any) -> bool:
    """Apply a value operator (without the ``Path`` suffix) or type test."""
    if operator in STRING_OPERATORS:
        return (
            isinstance(value, str)
            and isinstance(expected, str)
            and _order(operator, value, expected)
        )
    if operator in NUMERIC_OPERATORS:
        return _is_number(value) and _is_number(expected) and _order(operator, value, expected)
    if operator in TIMESTAMP_OPERATORS:
        left, right = parse_timestamp(value), parse_timestamp(expected)
        return left is not None and right is not None and _order(operator, left, right)
    if operator == "BooleanEquals":
        return isinstance(value, bool) and isinstance(expected, bool) and value == expected
    if operator == "StringMatches":
        return isinstance(value, str) and _matches(expected, value)
    actual = {
        "IsNull": value is None,
        "IsNumeric": _is_number(value),
        "IsString": isinstance(value, str),
        "IsBoolean": isinstance(value, bool),
        "IsTimestamp": parse_timestamp(value) is not None,
    }[operator]
    return actual is bool(expected)


@dataclass(frozen=True)
class ChoiceRule:
    """A compiled choice rule: a boolean combination or a data test."""

    kind: str  # "And", "Or", "Not" or "Test"
    children: tuple[ChoiceRule, ...] = ()
    variable: JsonPath | None = None
    operator: str = ""
    value: Any = None
    value_path: JsonPath | None = None
    next: str | None = None

    def evaluate(self, data: Any, context: Any = None) -> bool:
        """Whether ``data`` (the effective input) matches; ``$$`` paths read ``context``."""
        if self.kind == "And":
            return all(child.evaluate(data, context) for child in self.children)
        if self.kind == "Or":
            return any(child.evaluate(data, context) for child in self.children)
        if self.kind == "Not":
            return not self.children[0].evaluate(data, context)
        assert self.variable is not None
        if self.operator == "IsPresent":
            return variables.exists(self.variable, data, context) is bool(self.value)
        value = _read(self.variable, data, context)
        if self.value_path is not None:
            return compare(self.operator[:-4], value, _read(self.value_path, data, context))
        return compare(self.operator, value, self.value)


def _read(path: JsonPath, data: Any, context: Any) -> Any:
    try:
        return variables.read(path, data, context)
    except PathNotFound:
        raise StatesError(
            RUNTIME,
            f"Invalid path '{path.source}': The choice state's condition path references an "
            "invalid value.",
        ) from None


def _schema(problems: list[str], message: str, location: str) -> None:
    problems.append(f"SCHEMA_VALIDATION_FAILED: {message} at {location}")


def compile_rule(
    rule: Any, location: str, problems: list[str], *, top_level: bool
) -> ChoiceRule | None:
    """Compile one rule of ``Choices`` (or a nested one), reporting problems."""
    if not isinstance(rule, dict):
        _schema(problems, "A Choice Rule must be a JSON object", location)
        return None
    next_state = rule.get("Next")
    if top_level and not isinstance(next_state, str):
        _schema(problems, "These fields are required: [Next]", location)
    if not top_level and "Next" in rule:
        _schema(problems, "Field 'Next' is not supported", location)
    combinators = [key for key in ("And", "Or", "Not") if key in rule]
    operators = [key for key in rule if key in OPERATORS]
    for key in rule:
        if key not in OPERATORS and key not in ("And", "Or", "Not", "Variable", "Next", "Comment"):
            _schema(problems, f"Field '{key}' is not supported", location)
    if len(combinators) + len(operators) != 1:
        message = (
            "Each Choice Rule can only have one comparison operator"
            if combinators or operators
            else "A Choice Rule must have a comparison operator or And, Or, Not"
        )
        _schema(problems, message, location)
        return None
    target = next_state if top_level and isinstance(next_state, str) else None
    if combinators:
        return _compile_combinator(rule, combinators[0], location, problems, target)
    return _compile_test(rule, operators[0], location, problems, target)


def _compile_combinator(
    rule: dict[str, Any], kind: str, location: str, problems: list[str], target: str | None
) -> ChoiceRule | None:
    if "Variable" in rule:
        _schema(problems, "Field 'Variable' is not supported", location)
    operand = rule[kind]
    if kind == "Not":
        child = compile_rule(operand, f"{location}/Not", problems, top_level=False)
        return None if child is None else ChoiceRule("Not", (child,), next=target)
    if not isinstance(operand, list) or not operand:
        _schema(problems, f"The value for the field '{kind}' must be a non-empty array", location)
        return None
    children = [
        compile_rule(item, f"{location}/{kind}[{i}]", problems, top_level=False)
        for i, item in enumerate(operand)
    ]
    compiled = tuple(child for child in children if child is not None)
    return ChoiceRule(kind, compiled, next=target) if len(compiled) == len(children) else None


def _compile_test(
    rule: dict[str, Any], operator: str, location: str, problems: list[str], target: str | None
) -> ChoiceRule | None:
    variable = _compile_path(rule.get("Variable"), "Variable", location, problems)
    value = rule[operator]
    where = f"{location}/{operator}"
    if operator in PATH_OPERATORS:
        value_path = _compile_path(value, operator, location, problems)
        if variable is None or value_path is None:
            return None
        return ChoiceRule(
            "Test", variable=variable, operator=operator, value_path=value_path, next=target
        )
    valid = (
        ((operator in STRING_OPERATORS or operator == "StringMatches") and isinstance(value, str))
        or (operator in NUMERIC_OPERATORS and _is_number(value))
        or (operator in TIMESTAMP_OPERATORS and parse_timestamp(value) is not None)
        or ((operator == "BooleanEquals" or operator in TYPE_TESTS) and isinstance(value, bool))
    )
    if not valid:
        expected = (
            "a NUMBER"
            if operator in NUMERIC_OPERATORS
            else "a valid timestamp"
            if operator in TIMESTAMP_OPERATORS
            else "a BOOLEAN"
            if operator == "BooleanEquals" or operator in TYPE_TESTS
            else "a STRING"
        )
        _schema(problems, f"The value for the field '{operator}' must be {expected}", where)
        return None
    if variable is None:
        return None
    return ChoiceRule("Test", variable=variable, operator=operator, value=value, next=target)


def _compile_path(value: Any, field: str, location: str, problems: list[str]) -> JsonPath | None:
    if value is None and field == "Variable":
        _schema(problems, "These fields are required: [Variable]", location)
        return None
    try:
        return parse_path(value)
    except (PathSyntaxError, TypeError):
        _schema(
            problems,
            f"The value for the field '{field}' must be a valid JSONPath",
            f"{location}/{field}",
        )
        return None
