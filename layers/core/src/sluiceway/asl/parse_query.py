"""Parsing of the fields that depend on the query language: Assign, JSONata fields, numbers that
may be JSONata expressions, and the checks that keep JSONPath and JSONata fields apart."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sluiceway.asl import jsonata_eval
from sluiceway.asl.jsonata_eval import JSONATA, JSONPATH, JsonataTemplate
from sluiceway.asl.parse_fields import FieldParser, is_int
from sluiceway.asl.payload import compile_template
from sluiceway.asl.variables import name_problem

#: Fields that only JSONPath states accept.
JSONPATH_ONLY = frozenset(
    (
        "InputPath",
        "OutputPath",
        "Parameters",
        "ResultSelector",
        "ResultPath",
        "Result",
        "ItemsPath",
        "SecondsPath",
        "TimestampPath",
        "ErrorPath",
        "CausePath",
        "TimeoutSecondsPath",
        "HeartbeatSecondsPath",
        "MaxConcurrencyPath",
        "ToleratedFailureCountPath",
        "ToleratedFailurePercentagePath",
    )
)
#: Fields that only JSONata states accept, by state type.
JSONATA_ONLY: dict[str, frozenset[str]] = {
    "Pass": frozenset(("Output",)),
    "Task": frozenset(("Arguments", "Output")),
    "Choice": frozenset(("Output",)),
    "Wait": frozenset(("Output",)),
    "Succeed": frozenset(("Output",)),
    "Fail": frozenset(),
    "Parallel": frozenset(("Arguments", "Output")),
    "Map": frozenset(("Items", "Output")),
}
#: States that may assign variables.
ASSIGNING = frozenset(("Pass", "Task", "Choice", "Wait", "Parallel", "Map"))


def language_field_problem(key: str, language: str) -> str:
    """AWS's words for a field of the other query language (located at its state or rule)."""
    other = JSONPATH if language == JSONATA else JSONATA
    return (
        f"The QueryLanguage is set to '{language}', but field '{key}' is only supported for "
        f"the '{other}' QueryLanguage"
    )


class QueryFieldParser(FieldParser):
    """Tracks the query language and the variables each scope assigns."""

    def __init__(self) -> None:
        super().__init__()
        self.default_language = JSONPATH
        #: (chain of graph ids, variable name, location) of every assignment.
        self.assignments: list[tuple[tuple[int, ...], str, str, bool]] = []
        self.scope_chain: tuple[int, ...] = ()
        self._next_scope = 0

    def new_scope(self, *, isolated: bool = False) -> tuple[int, ...]:
        """Enter a nested graph's scope; returns the chain to restore afterwards."""
        previous = self.scope_chain
        self._next_scope += 1
        self.scope_chain = (self._next_scope,) if isolated else (*previous, self._next_scope)
        return previous

    def language(self, spec: Mapping[str, Any], where: str) -> str:
        language = spec.get("QueryLanguage", self.default_language)
        if language not in (JSONPATH, JSONATA):
            self.schema(
                "The value for the field 'QueryLanguage' must be one of [JSONPath, JSONata]",
                f"{where}/QueryLanguage",
            )
            return self.default_language
        if self.default_language == JSONATA and language == JSONPATH:
            self.schema(
                "'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine",
                where,
            )
        return str(language)

    def check_language_fields(
        self, kind: str, spec: Mapping[str, Any], where: str, language: str
    ) -> set[str]:
        """Report fields of the other query language; returns the keys already reported."""
        reported: set[str] = set()
        for key in spec:
            if language == JSONATA and key in JSONPATH_ONLY:
                self.schema(language_field_problem(key, JSONATA), where)
                reported.add(key)
            elif language == JSONPATH and key in JSONATA_ONLY[kind]:
                self.schema(language_field_problem(key, JSONPATH), where)
                reported.add(key)
        return reported

    def assign(
        self, spec: Mapping[str, Any], where: str, language: str, *, scoped: bool = True
    ) -> Any:
        """The compiled Assign field of a state, Choice rule or Catcher (None when absent).

        ``scoped=False`` (a Catcher): for :meth:`check_scopes` its names are not the outer
        scope's to keep; AWS runs a Parallel whose branch assigns a variable its Catcher assigns
        too (recorded execution)."""
        if "Assign" not in spec:
            return None
        value, at = spec["Assign"], f"{where}/Assign"
        if not isinstance(value, Mapping):
            self.schema("The value for the field 'Assign' must be an OBJECT", at)
            return None
        for key in value:
            name = key[:-2] if language == JSONPATH and key.endswith(".$") else key
            problem = name_problem(name)
            if problem is not None:
                self.schema(problem, f"{at}/{key}")
            else:
                self.assignments.append((self.scope_chain, name, f"{at}/{key}", scoped))
        if language == JSONATA:
            return jsonata_eval.compile_template(dict(value), at, "Assign", self.problems)
        return compile_template(dict(value), at, self.problems)

    def catcher_extras(self, spec: Mapping[str, Any], where: str, jsonata: bool) -> dict[str, Any]:
        language = JSONATA if jsonata else JSONPATH
        extras: dict[str, Any] = {"assign": self.assign(spec, where, language, scoped=False)}
        if jsonata:
            extras["output"] = self.jsonata(spec, "Output", where)
        return extras

    def jsonata(self, spec: Mapping[str, Any], key: str, where: str) -> JsonataTemplate | None:
        if key not in spec:
            return None
        return jsonata_eval.compile_template(spec[key], f"{where}/{key}", key, self.problems)

    def number_or_expression(
        self, spec: Mapping[str, Any], key: str, where: str, *, minimum: int
    ) -> tuple[int | None, JsonataTemplate | None]:
        """A field holding an integer >= ``minimum`` or (JSONata) a ``{% %}`` expression."""
        value = spec.get(key)
        if value is None:
            return None, None
        if jsonata_eval.is_expression(value):
            return None, self.jsonata(spec, key, where)
        if not is_int(value) or value < minimum:
            kind = {0: "a non-negative integer", 1: "a positive integer"}.get(
                minimum, f"an integer >= {minimum}"
            )
            self.schema(f"The value for the field '{key}' must be {kind}", f"{where}/{key}")
            return None, None
        return int(value), None

    def check_scopes(self) -> None:
        """An inner scope (Parallel branch, inline Map) may not assign an outer variable. A
        catcher's Assign does not count as the outer one: AWS ran a Parallel whose branch and
        whose catcher both assign ``inputVar`` (states_variables recording)."""
        by_chain: dict[tuple[int, ...], set[str]] = {}
        for chain, name, _, scoped in self.assignments:
            if scoped:
                by_chain.setdefault(chain, set()).add(name)
        for chain, name, location, _ in self.assignments:
            outer = set().union(*(by_chain.get(chain[:i], set()) for i in range(1, len(chain))))
            if name in outer:
                self.schema(
                    f"The variable '{name}' is assigned in an outer scope; a Parallel branch or "
                    "Map iteration cannot assign it",
                    location,
                )
