"""JSONPath as Step Functions evaluates it (AWS runs Jayway JsonPath).

Supported syntax: ``$`` (and ``$$`` for the context object), ``.name``, ``['name']``,
``["name"]``, ``[3]`` and ``[-1]`` (counted from the end), ``[0,2]``, ``[*]`` and ``.*``,
slices ``[1:3]`` / ``[:2]`` / ``[-2:]``, deep scan ``..name`` and filters ``[?(@.price < 10)]``.

A *definite* path (only names and single indexes) selects one value; reading it where nothing is
found raises :class:`PathNotFound` with Jayway's message (``No results for path: $['a']``). An
indefinite path selects a list of matches, possibly empty. A *reference path* is a definite path
with non-negative indexes only: the only kind ``ResultPath`` accepts.

Paths are compiled once (:func:`parse_path` is cached); :meth:`JsonPath.read` never mutates data
and :func:`set_path` copies only the containers along the path.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sluiceway.asl.filters import FilterExpr, parse_filter


class PathSyntaxError(ValueError):
    """Text that is not a valid JSONPath."""


class PathNotFound(LookupError):
    """A definite path that matches nothing; ``str()`` is Jayway's message."""


class ResultPathError(ValueError):
    """A reference path that cannot be applied to the given data (States.ResultPathMatchFailure)."""


@dataclass(frozen=True)
class Member:
    name: str


@dataclass(frozen=True)
class Index:
    index: int


@dataclass(frozen=True)
class Indexes:
    indexes: tuple[int, ...]


@dataclass(frozen=True)
class Wildcard:
    pass


@dataclass(frozen=True)
class Slice:
    start: int | None
    stop: int | None


@dataclass(frozen=True)
class DeepScan:
    """``..`` followed by the token it applies to at every depth."""

    target: Member | Wildcard | Index | Indexes | Slice | Filter


@dataclass(frozen=True)
class Filter:
    expr: FilterExpr
    source: str


Token = Member | Index | Indexes | Wildcard | Slice | DeepScan | Filter

_NAME_END = re.compile(r"[.\[\]()\s'\"]")
_INT = re.compile(r"\s*(-?\d+)\s*")
#: A variable reference after ``$``: a Unicode identifier (``$myVar``, ``$_x2``).
_VARIABLE = re.compile(r"[^\W\d]\w*")


@dataclass(frozen=True)
class JsonPath:
    """A compiled JSONPath."""

    source: str
    context: bool  # starts with $$ (the context object)
    tokens: tuple[Token, ...]
    #: ``$name...``: the path reads the workflow variable ``name`` (see ``variables.py``).
    variable: str | None = None

    @property
    def definite(self) -> bool:
        return all(isinstance(t, Member | Index) for t in self.tokens)

    @property
    def is_reference(self) -> bool:
        """Whether this is a Reference Path: names and non-negative indexes only."""
        return all(
            isinstance(t, Member) or (isinstance(t, Index) and t.index >= 0) for t in self.tokens
        )

    @property
    def is_root(self) -> bool:
        return not self.tokens

    def __str__(self) -> str:
        """Jayway's normalized form, as its error messages show it: ``$['a'][0]``."""
        return self._prefix() + "".join(_render(t) for t in self.tokens)

    def _prefix(self) -> str:
        if self.variable is not None:
            return "$" + self.variable
        return "$$" if self.context else "$"

    def read(self, data: Any) -> Any:
        """The value a definite path selects, or the list of matches of an indefinite one."""
        if self.definite:
            return self._read_definite(data)
        return list(_walk(data, self.tokens, data))

    def exists(self, data: Any) -> bool:
        if self.definite:
            try:
                self._read_definite(data)
            except PathNotFound:
                return False
            return True
        return any(True for _ in _walk(data, self.tokens, data))

    def _read_definite(self, data: Any) -> Any:
        current = data
        prefix = self._prefix()
        last = len(self.tokens) - 1
        for position, token in enumerate(self.tokens):
            if isinstance(token, Member):
                if not isinstance(current, dict):
                    raise PathNotFound(
                        f"Expected to find an object with property ['{token.name}'] in path "
                        f"{prefix} but found '{_java_type(current)}'. This is not a json object "
                        "according to the JsonProvider: "
                        "'com.jayway.jsonpath.spi.json.JacksonJsonProvider'."
                    )
                if token.name not in current:
                    if position == last:
                        raise PathNotFound(f"No results for path: {self}")
                    raise PathNotFound(f"Missing property in path {prefix}['{token.name}']")
                current = current[token.name]
            else:
                assert isinstance(token, Index)
                if not isinstance(current, list):
                    raise PathNotFound(
                        f"Filter: [{token.index}] can only be applied to arrays. "
                        f"Current context is: {_compact(current)}"
                    )
                if not -len(current) <= token.index < len(current):
                    raise PathNotFound(f"No results for path: {self}")
                current = current[token.index]
            prefix += _render(token)
        return current


def _render(token: Token) -> str:
    if isinstance(token, Member):
        return f"['{token.name}']"
    if isinstance(token, Index):
        return f"[{token.index}]"
    if isinstance(token, Indexes):
        return "[" + ",".join(str(i) for i in token.indexes) + "]"
    if isinstance(token, Wildcard):
        return "[*]"
    if isinstance(token, Slice):
        start = "" if token.start is None else str(token.start)
        stop = "" if token.stop is None else str(token.stop)
        return f"[{start}:{stop}]"
    if isinstance(token, DeepScan):
        return ".." + _render(token.target)
    return "[?]"


def _java_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "java.lang.Boolean"
    if isinstance(value, int):
        return "java.lang.Integer"
    if isinstance(value, float):
        return "java.lang.Double"
    if isinstance(value, str):
        return "java.lang.String"
    return "java.util.ArrayList" if isinstance(value, list) else "java.util.LinkedHashMap"


def _compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


# -- evaluation of indefinite paths -------------------------------------------------------------


def _walk(node: Any, tokens: tuple[Token, ...], root: Any) -> Iterator[Any]:
    if not tokens:
        yield node
        return
    token, rest = tokens[0], tokens[1:]
    if isinstance(token, DeepScan):
        for match in _scan(node, token.target, root):
            yield from _walk(match, rest, root)
        return
    for child in _step(node, token, root):
        yield from _walk(child, rest, root)


def _step(node: Any, token: Token, root: Any) -> Iterator[Any]:
    if isinstance(token, Member):
        if isinstance(node, dict) and token.name in node:
            yield node[token.name]
    elif isinstance(token, Index):
        if isinstance(node, list) and -len(node) <= token.index < len(node):
            yield node[token.index]
    elif isinstance(token, Indexes):
        for index in token.indexes:
            yield from _step(node, Index(index), root)
    elif isinstance(token, Wildcard):
        if isinstance(node, dict):
            yield from node.values()
        elif isinstance(node, list):
            yield from node
    elif isinstance(token, Slice):
        if isinstance(node, list):
            yield from node[token.start : token.stop]
    elif isinstance(token, Filter):
        candidates = node if isinstance(node, list) else [node] if isinstance(node, dict) else []
        for candidate in candidates:
            if token.expr.test(candidate, root, _read_relative):
                yield candidate


def _scan(node: Any, target: Token, root: Any) -> Iterator[Any]:
    """Jayway's deep scan: matches at this level first, then each child in document order."""
    if isinstance(target, Member | Wildcard) or isinstance(node, list):
        yield from _step(node, target, root)
    children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
    for child in children:
        if isinstance(child, dict | list):
            yield from _scan(child, target, root)


def _read_relative(path_text: str, current: Any, root: Any) -> tuple[bool, Any]:
    """Evaluate a filter operand path (``@...`` or ``$...``): (found, value)."""
    path = parse_path("$" + path_text[1:])
    base = current if path_text.startswith("@") else root
    if path.definite:
        try:
            return True, path.read(base)
        except PathNotFound:
            return False, None
    matches = path.read(base)
    return bool(matches), matches


# -- compilation --------------------------------------------------------------------------------


@lru_cache(maxsize=4096)
def parse_path(text: str) -> JsonPath:
    """Compile a JSONPath; raises :class:`PathSyntaxError`."""
    if not isinstance(text, str) or not text.startswith("$"):
        raise PathSyntaxError(f"A path must start with '$': {text!r}")
    context = text.startswith("$$")
    position = 2 if context else 1
    variable: str | None = None
    name = _VARIABLE.match(text, 1)
    if not context and name:
        variable, position = name.group(), name.end()
    tokens: list[Token] = []
    while position < len(text):
        if text.startswith("..", position):
            position += 2
            target, position = _parse_after_dot(text, position, deep=True)
            tokens.append(DeepScan(target))  # type: ignore[arg-type]
        elif text[position] == ".":
            token, position = _parse_after_dot(text, position + 1, deep=False)
            tokens.append(token)
        elif text[position] == "[":
            token, position = _parse_bracket(text, position)
            tokens.append(token)
        else:
            raise PathSyntaxError(f"Unexpected character {text[position]!r} in path {text!r}")
    return JsonPath(text, context, tuple(tokens), variable)


def _parse_after_dot(text: str, position: int, *, deep: bool) -> tuple[Token, int]:
    if position >= len(text):
        raise PathSyntaxError(f"Path must not end with a '.': {text!r}")
    if text[position] == "*":
        return Wildcard(), position + 1
    if text[position] == "[" and deep:
        return _parse_bracket(text, position)
    match = _NAME_END.search(text, position)
    end = match.start() if match else len(text)
    if end == position:
        raise PathSyntaxError(f"Expected a property name at position {position} in {text!r}")
    if match and text[end] not in ".[":
        raise PathSyntaxError(f"Unexpected character {text[end]!r} in path {text!r}")
    return Member(text[position:end]), end


def _parse_bracket(text: str, position: int) -> tuple[Token, int]:
    close = _find_close(text, position)
    inner = text[position + 1 : close].strip()
    end = close + 1
    if not inner:
        raise PathSyntaxError(f"Empty brackets in path {text!r}")
    if inner[0] in "'\"":
        name, rest = _parse_quoted(inner, text)
        if rest.strip():
            raise PathSyntaxError(f"Only one property name is supported in brackets: {text!r}")
        return Member(name), end
    if inner == "*":
        return Wildcard(), end
    if inner.startswith("?"):
        source = inner[1:].strip()
        if not (source.startswith("(") and source.endswith(")")):
            raise PathSyntaxError(f"A filter must read [?(...)] in {text!r}")
        try:
            return Filter(parse_filter(source[1:-1]), source), end
        except ValueError as exc:
            raise PathSyntaxError(f"Invalid filter in {text!r}: {exc}") from None
    if ":" in inner:
        parts = inner.split(":")
        if len(parts) != 2:
            raise PathSyntaxError(f"Slices take [start:end] only, in {text!r}")
        return Slice(_optional_int(parts[0], text), _optional_int(parts[1], text)), end
    indexes = tuple(_int(part, text) for part in inner.split(","))
    return (Index(indexes[0]) if len(indexes) == 1 else Indexes(indexes)), end


def _find_close(text: str, position: int) -> int:
    depth, quote, index = 0, "", position
    while index < len(text):
        char = text[index]
        if quote:
            if char == "\\":
                index += 1
            elif char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
        elif char in "[(":
            depth += 1
        elif char in "])":
            depth -= 1
            if depth == 0:
                if char != "]":
                    break
                return index
        index += 1
    raise PathSyntaxError(f"Unclosed '[' in path {text!r}")


def _parse_quoted(inner: str, text: str) -> tuple[str, str]:
    quote, chars, index = inner[0], [], 1
    while index < len(inner):
        char = inner[index]
        if char == "\\" and index + 1 < len(inner):
            chars.append(inner[index + 1])
            index += 2
            continue
        if char == quote:
            return "".join(chars), inner[index + 1 :]
        chars.append(char)
        index += 1
    raise PathSyntaxError(f"Unterminated quoted name in path {text!r}")


def _int(part: str, text: str) -> int:
    match = _INT.fullmatch(part)
    if not match:
        raise PathSyntaxError(f"Invalid array index {part.strip()!r} in path {text!r}")
    return int(match.group(1))


def _optional_int(part: str, text: str) -> int | None:
    return None if not part.strip() else _int(part, text)


def is_path(text: Any) -> bool:
    """Whether ``text`` is a syntactically valid JSONPath."""
    try:
        parse_path(text)
    except PathSyntaxError:
        return False
    return True


# -- writing (ResultPath) -----------------------------------------------------------------------


def set_path(data: Any, path: JsonPath, value: Any) -> Any:
    """``data`` with ``value`` placed at the reference ``path``, creating missing objects.

    ``data`` is not modified: the containers along the path are copied. Raises
    :class:`ResultPathError` where the path crosses a value that is not an object (or an array,
    for an index within it).
    """
    if not path.is_reference or path.context or path.variable is not None:
        raise ResultPathError(f"{path.source} is not a reference path")
    if not path.tokens:
        return value
    return _set(data, path.tokens, value, path, data)


def _set(node: Any, tokens: tuple[Token, ...], value: Any, path: JsonPath, root: Any) -> Any:
    token, rest = tokens[0], tokens[1:]
    if isinstance(token, Member):
        if node is _MISSING:
            node = {}
        if not isinstance(node, dict):
            raise ResultPathError(
                f"Unable to apply ReferencePath {path.source} to input {_compact(root)}"
            )
        copy = dict(node)
        copy[token.name] = (
            value if not rest else _set(node.get(token.name, _MISSING), rest, value, path, root)
        )
        return copy
    assert isinstance(token, Index)
    if not isinstance(node, list) or not 0 <= token.index < len(node):
        raise ResultPathError(
            f"Unable to apply ReferencePath {path.source} to input {_compact(root)}"
        )
    copy_list = list(node)
    copy_list[token.index] = value if not rest else _set(node[token.index], rest, value, path, root)
    return copy_list


_MISSING: Any = object()
