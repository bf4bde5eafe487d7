"""The States.* intrinsic functions, on already-evaluated argument values.

Behaviour follows the Step Functions developer guide ("Intrinsic functions for JSONPath states")
and executions recorded on AWS (tests/conformance/recordings/intrinsics.json): argument
validation, the 1000-item limit of ArrayRange, the 10,000-character limit of the Base64
functions, rounding of each non-integer argument of MathAdd and MathRandom (Java's
``Math.round``), a half-open range for MathRandom, StringToJson of an empty or blank string
giving null, StringSplit splitting at each delimiter character and dropping empty strings, and
States.Format rendering objects and arrays the way the Java service does (``{a=1, b=[x, y]}``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import math
import random
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any


class IntrinsicArgumentError(ValueError):
    """An argument of the wrong type or value (States.IntrinsicFailure)."""


@dataclass(frozen=True)
class FunctionSpec:
    min_args: int
    max_args: int | None
    impl: Callable[[list[Any]], Any]


def json_equal(left: Any, right: Any) -> bool:
    """JSON equality: 1 == 1.0, but true is not 1."""
    if isinstance(left, bool) or isinstance(right, bool):
        return isinstance(left, bool) and isinstance(right, bool) and left == right
    if isinstance(left, int | float) and isinstance(right, int | float):
        return left == right
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(map(json_equal, left, right))
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(json_equal(left[k], right[k]) for k in left)
    return type(left) is type(right) and bool(left == right)


def json_type(value: Any) -> str:
    """A value's JSON type name, as AWS names it in error messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _array(value: Any, what: str) -> list[Any]:
    if not isinstance(value, list):
        raise IntrinsicArgumentError(f"Expected {what} to be an array, but got {json_type(value)}")
    return value


def _string(value: Any, what: str) -> str:
    if not isinstance(value, str):
        raise IntrinsicArgumentError(f"Expected {what} to be a string, but got {json_type(value)}")
    return value


def _integer(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise IntrinsicArgumentError(
            f"Expected {what} to be an integer, but got {json_type(value)}"
        )
    if isinstance(value, float):
        if not value.is_integer():
            raise IntrinsicArgumentError(f"Expected {what} to be an integer, but got {value}")
        return int(value)
    return value


def _rounded(value: Any, what: str) -> int:
    """A number rounded like Java's Math.round (half up)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise IntrinsicArgumentError(f"Expected {what} to be a number, but got {json_type(value)}")
    return value if isinstance(value, int) else math.floor(value + 0.5)


def to_format_string(value: Any) -> str:
    """How States.Format renders a value: strings bare, JSON scalars as JSON, Java-style maps."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "[" + ", ".join(to_format_string(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}={to_format_string(v)}" for k, v in value.items()) + "}"
    return json.dumps(value)


def format_string(values: list[Any], template_parts: Sequence[str] | None) -> str:
    template = _string(values[0], "the first argument")
    parts = list(template_parts) if template_parts is not None else template.split("{}")
    arguments = values[1:]
    if len(parts) - 1 != len(arguments):
        raise IntrinsicArgumentError(
            f"Number of arguments ({len(arguments)}) does not match the number of "
            f"placeholders ({len(parts) - 1}) in the template"
        )
    pieces = [parts[0]]
    for argument, part in zip(arguments, parts[1:], strict=True):
        pieces.append(to_format_string(argument))
        pieces.append(part)
    return "".join(pieces)


def _string_to_json(args: list[Any]) -> Any:
    text = _string(args[0], "the argument")
    if not text.strip():
        return None  # AWS: an empty or blank string parses to null
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise IntrinsicArgumentError(f"The argument is not a valid JSON string: {exc}") from None


def _json_to_string(args: list[Any]) -> str:
    return json.dumps(args[0], separators=(",", ":"), ensure_ascii=False)


def _array_partition(args: list[Any]) -> list[list[Any]]:
    array = _array(args[0], "the first argument")
    size = _integer(args[1], "the chunk size")
    if size <= 0:
        raise IntrinsicArgumentError("The chunk size must be a non-zero, positive integer")
    return [array[i : i + size] for i in range(0, len(array), size)]


def _array_contains(args: list[Any]) -> bool:
    array = _array(args[0], "the first argument")
    return any(json_equal(item, args[1]) for item in array)


def _array_range(args: list[Any]) -> list[int]:
    start = _integer(args[0], "the first argument")
    end = _integer(args[1], "the second argument")
    step = _integer(args[2], "the step")
    if step == 0:
        raise IntrinsicArgumentError("The step must be a non-zero integer")
    count = max(0, (end - start) // step + 1)
    if count > 1000:
        raise IntrinsicArgumentError(f"The array cannot contain more than 1000 items ({count})")
    return [start + i * step for i in range(count)]


def _array_get_item(args: list[Any]) -> Any:
    array = _array(args[0], "the first argument")
    index = _integer(args[1], "the index")
    if not 0 <= index < len(array):
        raise IntrinsicArgumentError(
            f"Index {index} is out of bounds for an array of length {len(array)}"
        )
    return array[index]


def _array_length(args: list[Any]) -> int:
    return len(_array(args[0], "the argument"))


def _array_unique(args: list[Any]) -> list[Any]:
    unique: list[Any] = []
    for item in _array(args[0], "the argument"):
        if not any(json_equal(item, seen) for seen in unique):
            unique.append(item)
    return unique


def _limited(value: Any) -> str:
    text = _string(value, "the argument")
    if len(text) > 10_000:
        raise IntrinsicArgumentError("The argument cannot be longer than 10000 characters")
    return text


def _base64_encode(args: list[Any]) -> str:
    return base64.b64encode(_limited(args[0]).encode("utf-8")).decode("ascii")


def _base64_decode(args: list[Any]) -> str:
    try:
        return base64.b64decode(_limited(args[0]), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise IntrinsicArgumentError(f"The argument is not valid Base64: {exc}") from None


_ALGORITHMS = {
    "MD5": "md5",
    "SHA-1": "sha1",
    "SHA-256": "sha256",
    "SHA-384": "sha384",
    "SHA-512": "sha512",
}


def _hash(args: list[Any]) -> str:
    data = _limited(args[0])
    algorithm = _string(args[1], "the algorithm")
    if algorithm not in _ALGORITHMS:
        raise IntrinsicArgumentError(
            f"Unsupported hash algorithm {algorithm!r}; use one of {', '.join(_ALGORITHMS)}"
        )
    return hashlib.new(_ALGORITHMS[algorithm], data.encode("utf-8")).hexdigest()


def _json_merge(args: list[Any]) -> dict[str, Any]:
    left, right, deep = args
    if not isinstance(left, dict) or not isinstance(right, dict):
        raise IntrinsicArgumentError("States.JsonMerge merges two JSON objects")
    if deep is not False:
        raise IntrinsicArgumentError(
            "Only the shallow merge mode is supported: the third argument must be false"
        )
    merged = {**left, **right}
    # AWS writes the merged object's keys sorted (recorded: {"a","b","d"} + {"a","c","d"} gives
    # a, b, c, d; "constant_in_literal" + "constant_input_field" keep that order).
    return {key: merged[key] for key in sorted(merged)}


def _math_random(args: list[Any]) -> int:
    start = _rounded(args[0], "the start number")
    end = _rounded(args[1], "the end number")
    if end <= start:
        raise IntrinsicArgumentError("The end number must be greater than the start number")
    generator = random.Random(_rounded(args[2], "the seed")) if len(args) == 3 else random
    return generator.randrange(start, end)


def _math_add(args: list[Any]) -> int:
    total = _rounded(args[0], "the first argument") + _rounded(args[1], "the second argument")
    if not -(2**31) <= total < 2**31:
        raise IntrinsicArgumentError("The sum is out of the 32-bit integer range")
    return total


def _string_split(args: list[Any]) -> list[str]:
    text = _string(args[0], "the first argument")
    delimiters = _string(args[1], "the delimiter")
    parts = [text]
    for delimiter in delimiters:
        parts = [piece for part in parts for piece in part.split(delimiter)]
    return [part for part in parts if part]


def _uuid(_args: list[Any]) -> str:
    return str(uuid.uuid4())


def _not_used(_args: list[Any]) -> Any:  # States.Format is special-cased by the evaluator
    raise NotImplementedError


FUNCTIONS: dict[str, FunctionSpec] = {
    "States.Format": FunctionSpec(1, None, _not_used),
    "States.StringToJson": FunctionSpec(1, 1, _string_to_json),
    "States.JsonToString": FunctionSpec(1, 1, _json_to_string),
    "States.Array": FunctionSpec(0, None, list),
    "States.ArrayPartition": FunctionSpec(2, 2, _array_partition),
    "States.ArrayContains": FunctionSpec(2, 2, _array_contains),
    "States.ArrayRange": FunctionSpec(3, 3, _array_range),
    "States.ArrayGetItem": FunctionSpec(2, 2, _array_get_item),
    "States.ArrayLength": FunctionSpec(1, 1, _array_length),
    "States.ArrayUnique": FunctionSpec(1, 1, _array_unique),
    "States.Base64Encode": FunctionSpec(1, 1, _base64_encode),
    "States.Base64Decode": FunctionSpec(1, 1, _base64_decode),
    "States.Hash": FunctionSpec(2, 2, _hash),
    "States.JsonMerge": FunctionSpec(3, 3, _json_merge),
    "States.MathRandom": FunctionSpec(2, 3, _math_random),
    "States.MathAdd": FunctionSpec(2, 2, _math_add),
    "States.StringSplit": FunctionSpec(2, 2, _string_split),
    "States.UUID": FunctionSpec(0, 0, _uuid),
}
