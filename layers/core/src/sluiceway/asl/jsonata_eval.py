"""JSONata for Step Functions: ``{% ... %}`` templates, the ``$states`` binding, AWS's functions.

A string that starts with ``{%`` and ends with ``%}`` is a JSONata expression wherever a JSONata
state accepts one: a whole field (``"Output": "{% $states.result %}"``) or any string inside an
object or array of ``Arguments``, ``Output``, ``Assign``, ``ItemSelector``. Other values are copied
as they are. Expressions are evaluated with no input document, ``$states`` bound to
``{"input", "context"[, "result"][, "errorOutput"]}`` and every visible workflow variable bound
to ``$name``.

An expression that returns nothing (JSONata *undefined*), or that fails, raises
:class:`QueryEvaluationError` (``States.QueryEvaluationError``) with AWS's cause texts:
"The JSONata expression '...' specified for the field 'Output/result' returned nothing
(undefined)." The interpreter prefixes the state and entered event, as for States.Runtime.

Step Functions adds ``$partition``, ``$range``, ``$hash``, ``$random`` (with an optional seed),
``$uuid`` and ``$parse`` to JSONata and does not offer ``$eval``. The ``jsonata`` package is
imported on first use only (when a JSONata definition is validated or run).
"""

from __future__ import annotations

import hashlib
import json
import math
import random
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sluiceway.asl.errors import QUERY_EVALUATION_ERROR, StatesError
from sluiceway.asl.jsonata_refs import top_level_references

JSONATA = "JSONata"
JSONPATH = "JSONPath"


class QueryEvaluationError(StatesError):
    """A JSONata expression failed; ``location`` is the field, such as ``Output/result``."""

    def __init__(self, cause: str, location: str) -> None:
        super().__init__(QUERY_EVALUATION_ERROR, cause)
        self.location = location


def is_expression(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("{%") and value.endswith("%}")


def _body(text: str) -> str:
    return text[2:-2].strip()


@lru_cache(maxsize=1)
def _library() -> Any:
    """The ``jsonata`` package, its messages worded as jsonata (and so AWS) words them.

    The Python port words them like jsonata-java but for two slips: "Object" where jsonata says
    "function", and values put in without JSON quotes. AWS: ``T0410: Argument 1 of function
    "abs" does not match function signature``; the port: ``Argument 1 of Object abs does not
    match Object signature``.
    """
    import jsonata
    from jsonata.jexception import JException

    codes = JException.error_codes
    for code, text in codes.items():
        codes[code] = re.sub(r"\bObject\b", "function", text)
    original = JException.msg

    def msg(error: str, location: int, *args: Any, details: bool = False) -> str:
        if codes.get(error) not in (None, "{{{message}}}"):
            args = tuple(
                json.dumps(a, ensure_ascii=False) if isinstance(a, str) else a for a in args
            )
        return str(original(error, location, *args, details=details))

    JException.msg = staticmethod(msg)
    _strict_number(jsonata, JException)
    return jsonata


_DECIMAL = re.compile(r"-?[0-9]+(\.[0-9]+)?([Ee][-+]?[0-9]+)?")
_BASED = re.compile(r"0(?:[xX][0-9A-Fa-f]+|[oO][0-7]+|[bB][01]+)")
_BASES = {"x": 16, "o": 8, "b": 2}


def _strict_number(jsonata: Any, exception: Any) -> None:
    """``$number`` of a string as jsonata casts it: decimal syntax, or 0x/0o/0b (either case),
    else D3030; the port hands other strings to Python's ``float`` ("inf", "1_0", a ValueError
    text) and knows only 0x, 0B and 0O."""
    functions = jsonata.functions.Functions
    number = functions.number

    def strict(arg: Any) -> Any:
        if not isinstance(arg, str) or _DECIMAL.fullmatch(arg):
            return number(arg)
        if _BASED.fullmatch(arg):
            return int(arg[2:], _BASES[arg[1].lower()])
        raise exception("D3030", -1, arg)

    functions.number = staticmethod(strict)
    jsonata.Jsonata.define_function("number", "<(nsb)-:n>")  # rebinds the builtin


@lru_cache(maxsize=2048)
def _compiled(body: str) -> Any:
    expression = _library().Jsonata(body)
    expression.set_output_convert_nulls(False)
    return expression


def syntax_problem(text: str) -> str | None:
    """The parse error of a ``{% ... %}`` expression, or None."""
    body = _body(text)
    if not body:
        return "the expression is empty"
    try:
        _compiled(body)
    except Exception as exc:  # the parser raises JException and a few plain errors
        return _parser_message(exc)
    return None


def _parser_message(exc: Exception) -> str:
    """The parser's message as AWS (jsonata-java) words it: inserted tokens in double quotes."""
    from jsonata.jexception import JException

    template = JException.error_codes.get(getattr(exc, "error", ""))
    if template is None or "{{{" in template:
        return str(exc)
    values = iter((getattr(exc, "current", None), getattr(exc, "expected", None)))
    return re.sub(r"\{\{\w+\}\}", lambda _: f'"{next(values)}"', template)


@dataclass(frozen=True)
class _Expr:
    text: str
    location: str


@dataclass(frozen=True)
class _Object:
    fields: tuple[tuple[str, _Node], ...]


@dataclass(frozen=True)
class _Array:
    items: tuple[_Node, ...]


@dataclass(frozen=True)
class _Static:
    value: Any


_Node = _Expr | _Object | _Array | _Static


@dataclass(frozen=True)
class JsonataTemplate:
    """A compiled JSONata field (a whole expression, or JSON with expressions inside)."""

    root: _Node

    @property
    def is_static(self) -> bool:
        return isinstance(self.root, _Static)

    def evaluate(self, states: Mapping[str, Any], variables: Mapping[str, Any]) -> Any:
        bindings = _bindings(states, variables)
        return _evaluate(self.root, bindings)


def compile_template(value: Any, location: str, field: str, problems: list[str]) -> JsonataTemplate:
    """Compile a JSONata field; ``field`` names it in runtime errors (``Output``), ``location``
    in validation diagnostics (``/States/X/Output``)."""
    return JsonataTemplate(_compile(value, location, field, problems))


def _compile(value: Any, location: str, field: str, problems: list[str]) -> _Node:
    if is_expression(value):
        problem = syntax_problem(value)
        if problem is not None:
            problems.append(f"INVALID_JSONATA_EXPRESSION: {problem} at {location}")
        else:
            problems.extend(
                f"UNSUPPORTED_JSONATA_EXPRESSION: Reference to '{name}' at the top level is not "
                f"supported. at {location}"
                for name in top_level_references(_compiled(_body(value)).ast)
            )
        return _Expr(_body(value), field)
    if isinstance(value, list):
        items = tuple(
            _compile(item, f"{location}[{i}]", f"{field}[{i}]", problems)
            for i, item in enumerate(value)
        )
        return _Static(value) if all(isinstance(i, _Static) for i in items) else _Array(items)
    if isinstance(value, dict):
        fields = tuple(
            (key, _compile(item, f"{location}/{key}", f"{field}/{key}", problems))
            for key, item in value.items()
        )
        if all(isinstance(node, _Static) for _, node in fields):
            return _Static(value)
        return _Object(fields)
    return _Static(value)


def _evaluate(node: _Node, bindings: dict[str, Any]) -> Any:
    if isinstance(node, _Static):
        return node.value
    if isinstance(node, _Object):
        return {key: _evaluate(child, bindings) for key, child in node.fields}
    if isinstance(node, _Array):
        return [_evaluate(child, bindings) for child in node.items]
    return evaluate_expression(node.text, bindings, node.location)


def evaluate_expression(body: str, bindings: dict[str, Any], location: str) -> Any:
    prefix = f"The JSONata expression '{body}' specified for the field '{location}'"
    try:
        result = _compiled(body).evaluate(None, bindings)
    except StatesError:
        raise
    except Exception as exc:
        code = getattr(exc, "error", None)
        message = f"{code}: {exc}" if code and not str(exc).startswith(code) else str(exc)
        raise QueryEvaluationError(
            f"{prefix} threw an error during evaluation. {message}", location
        ) from None
    if result is None:
        raise QueryEvaluationError(f"{prefix} returned nothing (undefined).", location)
    try:
        return from_jsonata(result)
    except ValueError:
        raise QueryEvaluationError(
            f"{prefix} returned an unsupported result type.", location
        ) from None


# -- values ---------------------------------------------------------------------------------------


def to_jsonata(value: Any) -> Any:
    """JSON data as the jsonata package expects it (JSON null is ``Utils.NULL_VALUE``)."""
    from jsonata.utils import Utils

    if value is None:
        return Utils.NULL_VALUE
    if isinstance(value, list):
        return [to_jsonata(item) for item in value]
    if isinstance(value, dict):
        return {key: to_jsonata(item) for key, item in value.items()}
    return value


def from_jsonata(value: Any) -> Any:
    """A jsonata result as plain JSON data; raises ValueError for functions and the like."""
    from jsonata.utils import Utils

    if value is None or value is Utils.NULL_VALUE:
        return None
    if isinstance(value, bool | str):
        return value
    if isinstance(value, int | float):
        return _number(value)
    if isinstance(value, list):
        return [from_jsonata(item) for item in value if item is not None]
    if isinstance(value, dict):
        return {key: from_jsonata(item) for key, item in value.items() if item is not None}
    raise ValueError(f"not JSON: {type(value).__name__}")


def _number(value: int | float) -> int | float:
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("not a finite number")
        if value.is_integer() and abs(value) < 2**53:
            return int(value)
    return value


def _bindings(states: Mapping[str, Any], variables: Mapping[str, Any]) -> dict[str, Any]:
    bindings: dict[str, Any] = {name: to_jsonata(value) for name, value in variables.items()}
    bindings.update(_functions())
    bindings["states"] = to_jsonata(dict(states))
    return bindings


# -- functions that Step Functions adds -----------------------------------------------------------


class FunctionError(Exception):
    """An invalid argument of one of the AWS functions."""

    def __init__(self, message: str, code: str = "D3137") -> None:
        super().__init__(message)
        self.error = code


_HASHES = {"MD5": "md5", "SHA-1": "sha1", "SHA-256": "sha256", "SHA-384": "sha384"}
_HASHES["SHA-512"] = "sha512"


def _plain(value: Any) -> Any:
    try:
        return from_jsonata(value)
    except ValueError:
        raise FunctionError("Arguments must be JSON values") from None


def _partition(array: Any = None, size: Any = None) -> Any:
    items, chunk = _plain(array), _plain(size)
    if not isinstance(items, list):
        raise FunctionError("The first argument of $partition must be an array")
    if isinstance(chunk, bool) or not isinstance(chunk, int | float) or chunk < 1:
        raise FunctionError("The chunk size of $partition must be a positive integer")
    step = int(chunk)
    return to_jsonata([items[i : i + step] for i in range(0, len(items), step)])


def _range(start: Any = None, end: Any = None, step: Any = None) -> Any:
    values = [_plain(start), _plain(end), _plain(step)]
    for position, value in enumerate(values, 1):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise FunctionError(
                f'Argument {position} of function "range" does not match function signature',
                "T0410",
            )
    first, last, increment = (int(value) for value in values)
    if increment == 0 or (increment > 0 and first > last) or (increment < 0 and first < last):
        return None
    items = list(range(first, last + (1 if increment > 0 else -1), increment))
    return items[0] if len(items) == 1 else items


def _hash(data: Any = None, algorithm: Any = None) -> Any:
    text, name = _plain(data), _plain(algorithm)
    if name not in _HASHES:
        raise FunctionError(f"The hash algorithm must be one of {', '.join(_HASHES)}")
    if not isinstance(text, str):
        text = json.dumps(text, separators=(",", ":"), ensure_ascii=False)
    return hashlib.new(_HASHES[name], text.encode("utf-8")).hexdigest()


def _random(seed: Any = None) -> Any:
    if seed is None:
        return random.random()
    value = _plain(seed)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise FunctionError("The seed of $random must be a number")
    return random.Random(int(value)).random()


def _uuid() -> Any:
    return str(uuid.uuid4())


def _parse(text: Any = None) -> Any:
    value = _plain(text)
    if not isinstance(value, str):
        raise FunctionError("The argument of $parse must be a string")
    try:
        return to_jsonata(json.loads(value))
    except ValueError as exc:
        raise FunctionError(f"The argument of $parse is not valid JSON: {exc}") from None


def _no_eval(*_args: Any) -> Any:
    # AWS leaves $eval out of its JSONata: calling it fails like calling any undefined name
    raise FunctionError("Attempted to invoke a non-function", "T1006")


@lru_cache(maxsize=1)
def _functions() -> dict[str, Any]:
    from jsonata import Jsonata

    table: dict[str, Callable[..., Any]] = {
        "partition": _partition,
        "range": _range,
        "hash": _hash,
        "random": _random,
        "uuid": _uuid,
        "parse": _parse,
        "eval": _no_eval,
    }
    return {name: Jsonata.JLambda(function) for name, function in table.items()}
