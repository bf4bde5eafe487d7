"""Payload templates: ``Parameters``, ``ResultSelector``, ``ItemSelector``.

A field whose name ends in ``.$`` takes its value from a path (``$...`` on the input, ``$$...`` on
the context object) or an intrinsic function call, and loses the ``.$`` suffix. Other values are
copied as they are; objects are processed recursively, including objects inside arrays.

Key order, as AWS writes it: an object with ``.$`` fields keeps its other fields first, in their
order, then the ``.$`` fields in the iteration order of a Java ``HashMap`` (recorded:
``{"Iterations.$": ..., "Values.$": ...}`` gives ``{"Values": ..., "Iterations": ...}``).
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from typing import Any

import orjson

from sluiceway.asl import variables
from sluiceway.asl.errors import RUNTIME, StatesError
from sluiceway.asl.hash_order import hash_map_order
from sluiceway.asl.intrinsics import (
    Intrinsic,
    IntrinsicSyntaxError,
    looks_like_intrinsic,
    parse_intrinsic,
)
from sluiceway.asl.paths import JsonPath, PathNotFound, PathSyntaxError, parse_path


def compact_json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def plain_text(value: Any) -> str:
    """A value as AWS quotes it in a runtime error: strings bare, the rest as compact JSON."""
    return value if isinstance(value, str) else compact_json(value)


def json_copy(value: Any) -> Any:
    """A deep copy of a JSON value, through orjson (several times faster than copy.deepcopy);
    values orjson cannot represent (integers beyond 64 bits) take the slow path."""
    try:
        return orjson.loads(orjson.dumps(value))
    except TypeError:
        return copy.deepcopy(value)


@dataclass(frozen=True)
class _Static:
    value: Any


@dataclass(frozen=True)
class _Object:
    fields: tuple[tuple[str, _Node], ...]


@dataclass(frozen=True)
class _Array:
    items: tuple[_Node, ...]


@dataclass(frozen=True)
class _PathValue:
    field: str
    path: JsonPath


@dataclass(frozen=True)
class _IntrinsicValue:
    intrinsic: Intrinsic


_Node = _Static | _Object | _Array | _PathValue | _IntrinsicValue


@dataclass(frozen=True)
class PayloadTemplate:
    """A compiled payload template."""

    root: _Node

    def evaluate(self, data: Any, context: Any) -> Any:
        """The payload for ``data``; raises :class:`StatesError` (States.Runtime, ...)."""
        return _evaluate(self.root, data, context)


def compile_template(value: Any, location: str, problems: list[str]) -> PayloadTemplate:
    """Compile ``value``, appending a diagnostic to ``problems`` for each invalid ``.$`` field."""
    return PayloadTemplate(_compile(value, location, problems))


def _compile(value: Any, location: str, problems: list[str]) -> _Node:
    if isinstance(value, list):
        items = tuple(_compile(item, f"{location}[{i}]", problems) for i, item in enumerate(value))
        if all(isinstance(item, _Static) for item in items):
            return _Static(value)
        return _Array(items)
    if not isinstance(value, dict):
        return _Static(value)
    fields: list[tuple[str, _Node]] = []
    bound: list[tuple[str, _Node]] = []
    dynamic = False
    for key, item in value.items():
        if isinstance(key, str) and key.endswith(".$"):
            bound.append((key[:-2], _compile_dynamic(key, item, location, problems)))
        else:
            node = _compile(item, f"{location}/{key}", problems)
            dynamic = dynamic or not isinstance(node, _Static)
            fields.append((key, node))
    if not bound and not dynamic:
        return _Static(value)
    return _Object(tuple(fields) + tuple(hash_map_order(bound)))


def _compile_dynamic(key: str, value: Any, location: str, problems: list[str]) -> _Node:
    problem = (
        f"SCHEMA_VALIDATION_FAILED: The value for the field '{key}' must be a valid JSONPath "
        f"or a valid intrinsic function call at {location}"
    )
    if not isinstance(value, str):
        problems.append(problem)
        return _Static(None)
    if looks_like_intrinsic(value):
        try:
            return _IntrinsicValue(parse_intrinsic(value))
        except IntrinsicSyntaxError as exc:
            problems.append(f"{problem} ({exc})")
            return _Static(None)
    try:
        return _PathValue(key, parse_path(value))
    except PathSyntaxError:
        problems.append(problem)
        return _Static(None)


def _evaluate(node: _Node, data: Any, context: Any) -> Any:
    if isinstance(node, _Static):
        return node.value
    if isinstance(node, _Object):
        return {key: _evaluate(child, data, context) for key, child in node.fields}
    if isinstance(node, _Array):
        return [_evaluate(child, data, context) for child in node.items]
    if isinstance(node, _IntrinsicValue):
        return node.intrinsic.evaluate(data, context)
    try:
        source = variables.path_source(node.path, data, context)
    except PathNotFound as exc:
        raise StatesError(RUNTIME, f"Invalid path '{node.path.source}' : {exc}") from None
    try:
        return node.path.read(source)
    except PathNotFound:
        raise StatesError(
            RUNTIME,
            f"The JSONPath '{node.path.source}' specified for the field '{node.field}' could "
            f"not be found in the input '{compact_json(source)}'",
        ) from None
