"""JSONPath filter expressions: the ``...`` of ``[?(...)]``.

A small subset of Jayway's filter language: comparisons ``== != < <= > >=`` between ``@``/``$``
paths and JSON literals (numbers, 'strings' or "strings", true, false, null), existence tests
(``@.isbn``), ``!``, ``&&``, ``||`` and parentheses. Comparing values of different JSON types is
false, as in Jayway.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Reader = Callable[[str, Any, Any], tuple[bool, Any]]

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<op>==|!=|<=|>=|<|>|&&|\|\||!|\(|\))
      | (?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
      | (?P<number>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)
      | (?P<word>true|false|null)
      | (?P<path>[@$](?:\[[^\]]*\]|[^\s=!<>&|()\[\]])*)
    )""",
    re.VERBOSE,
)


@dataclass(frozen=True)
class _Literal:
    value: Any


@dataclass(frozen=True)
class _Path:
    text: str


Operand = _Literal | _Path


@dataclass(frozen=True)
class FilterExpr:
    """A compiled filter predicate."""

    kind: str  # "cmp", "exists", "and", "or", "not"
    op: str = ""
    left: Operand | None = None
    right: Operand | None = None
    children: tuple[FilterExpr, ...] = ()

    def test(self, current: Any, root: Any, read: Reader) -> bool:
        if self.kind == "and":
            return all(child.test(current, root, read) for child in self.children)
        if self.kind == "or":
            return any(child.test(current, root, read) for child in self.children)
        if self.kind == "not":
            return not self.children[0].test(current, root, read)
        assert self.left is not None
        found, left = _value(self.left, current, root, read)
        if self.kind == "exists":
            return found
        assert self.right is not None
        right_found, right = _value(self.right, current, root, read)
        return found and right_found and _compare(self.op, left, right)


def _value(operand: Operand, current: Any, root: Any, read: Reader) -> tuple[bool, Any]:
    if isinstance(operand, _Literal):
        return True, operand.value
    return read(operand.text, current, root)


def _compare(op: str, left: Any, right: Any) -> bool:
    numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in (left, right))
    if op in ("==", "!="):
        same_kind = numbers or type(left) is type(right)
        equal = same_kind and left == right
        return equal if op == "==" else not equal
    if not numbers and not (isinstance(left, str) and isinstance(right, str)):
        return False
    if op == "<":
        return bool(left < right)
    if op == "<=":
        return bool(left <= right)
    if op == ">":
        return bool(left > right)
    return bool(left >= right)


def _tokenize(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    position = 0
    while position < len(text):
        if not text[position:].strip():
            break
        match = _TOKEN.match(text, position)
        if not match or match.end() == position:
            raise ValueError(f"unexpected text {text[position:]!r}")
        kind = match.lastgroup
        assert kind is not None
        tokens.append((kind, match.group(kind)))
        position = match.end()
    return tokens


def parse_filter(text: str) -> FilterExpr:
    """Compile a filter expression; raises ValueError."""
    parser = _Parser(_tokenize(text))
    expr = parser.parse_or()
    if parser.position != len(parser.tokens):
        raise ValueError(f"unexpected {parser.tokens[parser.position][1]!r}")
    return expr


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens = tokens
        self.position = 0

    def _peek(self) -> tuple[str, str] | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def _take(self) -> tuple[str, str]:
        token = self._peek()
        if token is None:
            raise ValueError("unexpected end of filter")
        self.position += 1
        return token

    def parse_or(self) -> FilterExpr:
        children = [self.parse_and()]
        while self._peek() == ("op", "||"):
            self.position += 1
            children.append(self.parse_and())
        return children[0] if len(children) == 1 else FilterExpr("or", children=tuple(children))

    def parse_and(self) -> FilterExpr:
        children = [self.parse_unary()]
        while self._peek() == ("op", "&&"):
            self.position += 1
            children.append(self.parse_unary())
        return children[0] if len(children) == 1 else FilterExpr("and", children=tuple(children))

    def parse_unary(self) -> FilterExpr:
        token = self._peek()
        if token == ("op", "!"):
            self.position += 1
            return FilterExpr("not", children=(self.parse_unary(),))
        if token == ("op", "("):
            self.position += 1
            inner = self.parse_or()
            if self._take() != ("op", ")"):
                raise ValueError("missing ')'")
            return inner
        left = self._operand()
        token = self._peek()
        if token and token[0] == "op" and token[1] in ("==", "!=", "<", "<=", ">", ">="):
            self.position += 1
            return FilterExpr("cmp", op=token[1], left=left, right=self._operand())
        if not isinstance(left, _Path):
            raise ValueError("a literal alone is not a condition")
        return FilterExpr("exists", left=left)

    def _operand(self) -> Operand:
        kind, text = self._take()
        if kind == "path":
            return _Path(text)
        if kind == "number":
            number = float(text)
            return _Literal(int(text) if re.fullmatch(r"-?\d+", text) else number)
        if kind == "word":
            return _Literal({"true": True, "false": False, "null": None}[text])
        if kind == "string":
            return _Literal(re.sub(r"\\(.)", r"\1", text[1:-1]))
        raise ValueError(f"unexpected {text!r}")
