"""Names a JSONata expression reads from the context item at its top level.

Step Functions evaluates expressions with no context item (the input is ``$states.input``), and
rejects the definition for each such name: "UNSUPPORTED_JSONATA_EXPRESSION: Reference to 'phone'
at the top level is not supported." A path's later steps, filters and groups read the value of the
previous step, so only a path's first step (and what its arguments read) is at the top level.
"""

from __future__ import annotations

from typing import Any

#: Node fields not read at the top level: a path's later steps, what a step's filters and groups
#: read (the step's own value), and the parser's back-references.
_SKIPPED = frozenset(
    (
        "steps",
        "stages",
        "predicate",
        "group",
        "focus",
        "index",
        "tuple",
        "ancestor",
        "_outer_instance",
    )
)


def top_level_references(ast: Any) -> list[str]:
    """The distinct top-level names of a parsed expression (jsonata-python AST), in order."""
    names: list[str] = []
    _walk(ast, names, set())
    return list(dict.fromkeys(names))


def _walk(node: Any, names: list[str], seen: set[int]) -> None:
    if isinstance(node, list | tuple):
        for item in node:
            _walk(item, names, seen)
        return
    if not hasattr(node, "type") or id(node) in seen:
        return
    seen.add(id(node))
    if node.type == "path" and node.steps:
        node = node.steps[0]
    if node.type == "name":
        names.append(str(node.value))
        return
    for key, value in vars(node).items():
        if key not in _SKIPPED:
            _walk(value, names, seen)
