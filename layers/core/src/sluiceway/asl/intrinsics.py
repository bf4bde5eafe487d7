"""Intrinsic functions (``States.Format(...)`` and friends): parser and evaluator.

Grammar (States Language spec, "Intrinsic Functions")::

    call     := NAME "(" [ arg { "," arg } ] ")"        NAME is States.<Function>
    arg      := call | string | number | "null" | "true" | "false" | path
    string   := "'" { char | "\\'" | "\\{" | "\\}" | "\\\\" } "'"
    path     := "$" ... | "$$" ...                       a JSONPath

An unknown escape (an "open" backslash) is an error, as AWS documents. Arity, nesting depth
(at most 10 calls) and the placeholder count of a literal ``States.Format`` template are checked
when the expression is compiled; argument types are checked when it is evaluated, and a wrong
one fails with ``States.IntrinsicFailure``. A path argument that matches nothing fails with
``States.Runtime``, as on AWS.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sluiceway.asl import intrinsic_functions as functions
from sluiceway.asl import variables
from sluiceway.asl.errors import INTRINSIC_FAILURE, RUNTIME, StatesError
from sluiceway.asl.paths import JsonPath, PathNotFound, PathSyntaxError, parse_path

MAX_NESTING = 10

_NAME = re.compile(r"States\.[A-Za-z0-9]+")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?")
_WORD = re.compile(r"(null|true|false)(?=[\s,)]|$)")


class IntrinsicSyntaxError(ValueError):
    """An intrinsic function call that does not compile."""


@dataclass(frozen=True)
class Literal:
    value: Any
    #: For a string literal: its text split at each unescaped ``{}`` (States.Format template).
    format_parts: tuple[str, ...] | None = None


@dataclass(frozen=True)
class PathArg:
    path: JsonPath


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple[Arg, ...]


Arg = Literal | PathArg | Call


def looks_like_intrinsic(text: str) -> bool:
    return text.lstrip().startswith("States.")


@dataclass(frozen=True)
class Intrinsic:
    """A compiled intrinsic function expression."""

    source: str
    call: Call

    def evaluate(self, data: Any, context: Any) -> Any:
        try:
            return self._eval(self.call, data, context)
        except functions.IntrinsicArgumentError as exc:
            raise StatesError(
                INTRINSIC_FAILURE, f"The function '{self.source}' had the following error: {exc}"
            ) from None

    def _eval(self, node: Arg, data: Any, context: Any) -> Any:
        if isinstance(node, Literal):
            return node.value
        if isinstance(node, PathArg):
            try:
                source = variables.path_source(node.path, data, context)
            except PathNotFound as exc:
                raise StatesError(
                    RUNTIME, f"The function '{self.source}' had the following error: {exc}"
                ) from None
            try:
                return node.path.read(source)
            except PathNotFound:
                raise StatesError(
                    RUNTIME,
                    f"The function '{self.source}' had the following error: The JsonPath "
                    f"argument for the field '{node.path.source}' could not be found in the "
                    f"input '{json.dumps(source, separators=(',', ':'), ensure_ascii=False)}'",
                ) from None
        values = [self._eval(arg, data, context) for arg in node.args]
        if node.name == "States.Format":
            first = node.args[0]
            template = first.format_parts if isinstance(first, Literal) else None
            return functions.format_string(values, template)
        return functions.FUNCTIONS[node.name].impl(values)


@lru_cache(maxsize=1024)
def parse_intrinsic(text: str) -> Intrinsic:
    """Compile an intrinsic function expression; raises :class:`IntrinsicSyntaxError`."""
    parser = _Parser(text)
    parser.skip_spaces()
    call = parser.parse_call(depth=1)
    parser.skip_spaces()
    if parser.position != len(text):
        raise IntrinsicSyntaxError(
            f"Unexpected text after the function call: {text[parser.position :]!r}"
        )
    return Intrinsic(text, call)


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.position = 0

    def skip_spaces(self) -> None:
        while self.position < len(self.text) and self.text[self.position].isspace():
            self.position += 1

    def _expect(self, char: str) -> None:
        self.skip_spaces()
        if not self.text.startswith(char, self.position):
            found = self.text[self.position : self.position + 10] or "end of text"
            raise IntrinsicSyntaxError(f"Expected {char!r} but found {found!r}")
        self.position += 1

    def parse_call(self, depth: int) -> Call:
        if depth > MAX_NESTING:
            raise IntrinsicSyntaxError(
                f"Intrinsic functions can be nested {MAX_NESTING} deep at most"
            )
        match = _NAME.match(self.text, self.position)
        if not match:
            raise IntrinsicSyntaxError(
                f"Expected a States.<Function> call at position {self.position}"
            )
        name = match.group()
        spec = functions.FUNCTIONS.get(name)
        if spec is None:
            raise IntrinsicSyntaxError(f"Unknown intrinsic function {name}")
        self.position = match.end()
        self._expect("(")
        args: list[Arg] = []
        self.skip_spaces()
        if self.text.startswith(")", self.position):
            self.position += 1
        else:
            while True:
                args.append(self._parse_arg(depth))
                self.skip_spaces()
                if self.text.startswith(",", self.position):
                    self.position += 1
                    continue
                self._expect(")")
                break
        _check_arity(name, args)
        return Call(name, tuple(args))

    def _parse_arg(self, depth: int) -> Arg:
        self.skip_spaces()
        text, position = self.text, self.position
        if position >= len(text):
            raise IntrinsicSyntaxError("Unexpected end of the function call")
        char = text[position]
        if char == "'":
            return self._parse_string()
        if char == "$":
            return self._parse_path()
        if text.startswith("States.", position):
            return self.parse_call(depth + 1)
        number = _NUMBER.match(text, position)
        if number:
            self.position = number.end()
            literal = number.group()
            is_int = re.fullmatch(r"-?\d+", literal)
            return Literal(int(literal) if is_int else float(literal))
        word = _WORD.match(text, position)
        if word:
            self.position = word.end()
            return Literal({"null": None, "true": True, "false": False}[word.group(1)])
        raise IntrinsicSyntaxError(
            f"Invalid argument at position {position}: {text[position : position + 10]!r}"
        )

    def _parse_string(self) -> Literal:
        text = self.text
        index = self.position + 1
        value: list[str] = []
        segment: list[str] = []
        segments: list[str] = []
        while index < len(text):
            char = text[index]
            if char == "\\":
                if index + 1 >= len(text) or text[index + 1] not in "'{}\\":
                    raise IntrinsicSyntaxError(
                        "An open escape backslash '\\' must be escaped as '\\\\'"
                    )
                value.append(text[index + 1])
                segment.append(text[index + 1])
                index += 2
            elif char == "'":
                self.position = index + 1
                segments.append("".join(segment))
                return Literal("".join(value), tuple(segments))
            elif text.startswith("{}", index):
                value.append("{}")
                segments.append("".join(segment))
                segment = []
                index += 2
            else:
                value.append(char)
                segment.append(char)
                index += 1
        raise IntrinsicSyntaxError("Unterminated string literal")

    def _parse_path(self) -> PathArg:
        text, start = self.text, self.position
        index, depth, quote = start, 0, ""
        while index < len(text):
            char = text[index]
            if quote:
                if char == "\\":
                    index += 1
                elif char == quote:
                    quote = ""
            elif char in "'\"" and depth:
                quote = char
            elif char in "[(":
                depth += 1
            elif char in "])" and depth:
                depth -= 1
            elif depth == 0 and (char in ",)" or char.isspace()):
                break
            index += 1
        self.position = index
        try:
            return PathArg(parse_path(text[start:index]))
        except PathSyntaxError as exc:
            raise IntrinsicSyntaxError(str(exc)) from None


def _check_arity(name: str, args: list[Arg]) -> None:
    spec = functions.FUNCTIONS[name]
    count = len(args)
    if count < spec.min_args or (spec.max_args is not None and count > spec.max_args):
        expected = (
            str(spec.min_args)
            if spec.min_args == spec.max_args
            else f"at least {spec.min_args}"
            if spec.max_args is None
            else f"{spec.min_args} to {spec.max_args}"
        )
        raise IntrinsicSyntaxError(f"{name} takes {expected} argument(s) but was given {count}")
    if name == "States.Format" and isinstance(args[0], Literal):
        parts = args[0].format_parts
        if parts is None:
            raise IntrinsicSyntaxError("The first argument of States.Format must be a string")
        if len(parts) - 1 != count - 1:
            raise IntrinsicSyntaxError(
                f"States.Format has {len(parts) - 1} placeholder(s) '{{}}' but {count - 1} value(s)"
            )
