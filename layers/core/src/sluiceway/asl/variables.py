"""Workflow variables (``Assign`` and ``$name`` references), as in the developer guide's
"Passing data between states with variables".

* The states of the machine share one scope. Each Parallel branch and inline Map iteration runs in
  a scope of its own that reads the outer scopes; a Distributed Map's child workflows cannot read
  them. Variables assigned in an inner scope are not visible outside it, and an inner scope may not
  assign a variable of an outer scope (checked when the definition is validated).
* Every expression of a state sees the values the variables had when the state was entered: new
  values take effect when the state exits (after ``OutputPath`` / ``Output``), and they are listed
  in the state's ``...StateExited`` event as ``assignedVariables``.
* Names are Unicode identifiers (a letter or ``_`` then letters, digits or ``_``) of at most 80
  characters; ``states`` is reserved.

The context object handed around the interpreter is a :class:`Context`: a ``dict`` (the ``$$``
value) that also carries the variable scope of the state being run.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from sluiceway.asl.paths import JsonPath, PathNotFound

MAX_NAME_LENGTH = 80
RESERVED_NAMES = frozenset({"states"})
#: Total size of the values one Assign field assigns (UTF-8 of their JSON), as AWS limits it.
MAX_ASSIGN_BYTES = 256 * 1024

_NAME = re.compile(r"[^\W\d]\w*")


def name_problem(name: str) -> str | None:
    """Why ``name`` cannot be a variable name, or None when it can."""
    if name in RESERVED_NAMES:
        return f"The variable name '{name}' is reserved"
    if len(name) > MAX_NAME_LENGTH:
        return f"The variable name '{name}' is longer than {MAX_NAME_LENGTH} characters"
    if not _NAME.fullmatch(name):
        return (
            f"The variable name '{name}' is invalid: it must start with a letter or '_' and "
            "contain only letters, digits and '_'"
        )
    return None


class Scope:
    """The variables of the machine, of a Parallel branch or of a Map iteration."""

    def __init__(self, parent: Scope | None = None) -> None:
        self.parent = parent
        self.values: dict[str, Any] = {}

    def lookup(self, name: str) -> tuple[bool, Any]:
        scope: Scope | None = self
        while scope is not None:
            if name in scope.values:
                return True, scope.values[name]
            scope = scope.parent
        return False, None

    def visible(self) -> dict[str, Any]:
        """Every variable this scope can read (inner values hide outer ones)."""
        values = self.parent.visible() if self.parent is not None else {}
        values.update(self.values)
        return values

    def assign(self, values: Mapping[str, Any]) -> None:
        self.values.update(values)


class Context(dict[str, Any]):
    """The context object of a state, with the variable scope it reads and its entered event."""

    variables: Scope
    entered_id: int = 0

    def derive(self, **fields: Any) -> Context:
        """A copy with more top-level fields (``Map``, ``Task``), same scope."""
        derived = Context({**self, **fields})
        derived.variables = self.variables
        derived.entered_id = self.entered_id
        return derived


def make_context(values: Mapping[str, Any], scope: Scope, entered_id: int = 0) -> Context:
    context = Context(values)
    context.variables = scope
    context.entered_id = entered_id
    return context


def variables_of(context: Any) -> Scope | None:
    return getattr(context, "variables", None)


def path_source(path: JsonPath, data: Any, context: Any) -> Any:
    """What ``path`` reads: a variable's value, the context object (``$$``) or ``data``.

    Raises :class:`PathNotFound` for a variable that is not defined.
    """
    if path.variable is not None:
        scope = variables_of(context)
        found, value = scope.lookup(path.variable) if scope is not None else (False, None)
        if not found:
            raise PathNotFound(f"The variable '{path.variable}' is not defined")
        return value
    if path.context and context is not None:
        return dict(context) if isinstance(context, Context) else context
    return data


def read(path: JsonPath, data: Any, context: Any) -> Any:
    """``path.read`` on the right source; raises :class:`PathNotFound`."""
    return path.read(path_source(path, data, context))


def exists(path: JsonPath, data: Any, context: Any) -> bool:
    try:
        source = path_source(path, data, context)
    except PathNotFound:
        return False
    return path.exists(source)


def compact_json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def assigned_fields(values: Mapping[str, Any]) -> dict[str, Any]:
    """``assignedVariables`` (name -> JSON text) for a ``...StateExited`` event."""
    if not values:
        return {}
    return {
        # AWS lists them sorted by name.
        "assignedVariables": {name: compact_json(values[name]) for name in sorted(values)},
        "assignedVariablesDetails": {"truncated": False},
    }


def assigned_size(values: Mapping[str, Any]) -> int:
    return sum(len(compact_json(value).encode("utf-8")) for value in values.values())
