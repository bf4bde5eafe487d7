"""Parsing and validation of state machine definitions.

Diagnostics are AWS's (CreateStateMachine / ValidateStateMachineDefinition, as recorded in
``tests/conformance/recordings_validation``): ``CODE: message at location``, the location a
pointer with array indexes in brackets (``/States/C/Choices[0]/Next``), ``null`` where AWS gives
none (``MISSING_END_STATE: Workflow has no terminal state at null``). ``AslValidationError``
joins them as CreateStateMachine does. Features this engine does not implement (ItemReader
resources other than ``s3:getObject``, ...) are reported as ``UNSUPPORTED_FEATURE`` rather than
silently ignored.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from sluiceway.asl.jsonata_eval import JSONATA, JSONPATH
from sluiceway.asl.model import (
    ChoiceState,
    FailState,
    Graph,
    MapState,
    ParallelState,
    State,
    StateMachine,
    SucceedState,
    TaskState,
)
from sluiceway.asl.parse_fields import is_int
from sluiceway.asl.parse_states import StateParser


def validate(definition: Mapping[str, Any] | str) -> list[str]:
    """The problems of a definition, ``[]`` when it is valid."""
    return parse_definition(definition)[1]


def parse_definition(definition: Mapping[str, Any] | str) -> tuple[StateMachine | None, list[str]]:
    parser = _Parser()
    machine = parser.machine(definition)
    return (machine if not parser.problems else None), parser.problems


def _json_problem(text: str, exc: json.JSONDecodeError) -> str:
    """A definition that is not JSON, worded like AWS's parser (Jackson) where we know how."""
    token = re.match(r"[\w$]+", text[exc.pos :])
    if exc.msg == "Expecting value" and token is not None:
        column = exc.colno + len(token[0])
        message = (
            f"Unrecognized token '{token[0]}': was expecting (JSON String, Number, Array, "
            "Object or token 'null', 'true' or 'false')"
        )
    elif exc.msg.startswith("Expecting property name") and exc.pos < len(text):
        char, column = text[exc.pos], exc.colno + 1
        message = (
            f"Unexpected character ('{char}' (code {ord(char)})): was expecting double-quote "
            "to start field name"
        )
    else:
        return f"INVALID_JSON_DESCRIPTION: {exc.msg} at line {exc.lineno}, column {exc.colno}"
    source = (
        f'"{text}"' if len(text) <= 500 else f'"{text[:500]}"[truncated {len(text) - 500} chars]'
    )
    where = f"[Source: (String){source}; line: {exc.lineno}, column: {column}]"
    return f"INVALID_JSON_DESCRIPTION: {message}\n at {where} at {where}"


class _Parser(StateParser):
    def machine(self, spec: Mapping[str, Any] | str) -> StateMachine | None:
        definition: Any = spec
        if isinstance(spec, str):
            try:
                definition = json.loads(spec)
            except json.JSONDecodeError as exc:
                if spec.strip():
                    self.problems.append(_json_problem(spec, exc))
                    return None
        if not isinstance(definition, Mapping):
            self.schema("Definition must be a valid JSON object", None)
            return None
        for key in definition:
            if key not in (
                "StartAt",
                "States",
                "Comment",
                "TimeoutSeconds",
                "Version",
                "QueryLanguage",
            ):
                self.schema(f"Field '{key}' is not supported", "/")
        language = definition.get("QueryLanguage", JSONPATH)
        if language not in (JSONPATH, JSONATA):
            self.schema(
                "The value for the field 'QueryLanguage' must be one of [JSONPath, JSONata]",
                "/QueryLanguage",
            )
        else:
            self.default_language = language
        timeout = definition.get("TimeoutSeconds")
        if timeout is not None and not (is_int(timeout) and timeout > 0):
            self.schema(
                "The value for the field 'TimeoutSeconds' must be a positive integer",
                "/TimeoutSeconds",
            )
            timeout = None
        self.new_scope()
        graph = self.graph(definition, "")
        self.check_scopes()
        if graph is None:
            return None
        comment = definition.get("Comment")
        return StateMachine(
            graph=graph,
            timeout_seconds=timeout,
            comment=comment if isinstance(comment, str) else None,
            definition=dict(definition),
        )

    def graph(self, spec: Mapping[str, Any], location: str) -> Graph | None:
        start_at, states_spec = spec.get("StartAt"), spec.get("States")
        missing = [
            key for key, value in (("States", states_spec), ("StartAt", start_at)) if value is None
        ]
        if missing:
            self.schema(f"These fields are required: [{', '.join(missing)}]", location)
            return None
        if not isinstance(start_at, str):
            self.schema("The value for the field 'StartAt' must be a STRING", f"{location}/StartAt")
            return None
        if not isinstance(states_spec, Mapping) or not states_spec:
            self.schema(
                "The value for the field 'States' must be a non-empty object", f"{location}/States"
            )
            return None
        states: dict[str, State] = {}
        for name, state_spec in states_spec.items():
            where = f"{location}/States/{name}"
            if name in self.names:
                self.problems.append(
                    f"DUPLICATE_STATE_NAME: Duplicate State name: {name} at {where}"
                )
            self.names[name] = where
            if len(name) > 80:
                self.problems.append(
                    f"INVALID_STATE_NAME: State name is longer than 80 characters at {where}"
                )
            state = self.state(name, state_spec, where)
            if state is not None:
                states[name] = state
        if len(states) == len(states_spec):
            self.check_transitions(start_at, states, location)
        return Graph(start_at=start_at, states=states)

    def check_transitions(self, start_at: str, states: Mapping[str, State], location: str) -> None:
        """AWS's graph checks, in its order: targets that name no state (all worded ``'Next'``,
        StartAt first), then a missing terminal state, which hides unreachable states, else the
        states that no transition names (whether or not their referrers are reachable)."""
        targets: list[tuple[str, str]] = [(start_at, f"{location}/StartAt")]
        for name, state in states.items():
            where = f"{location}/States/{name}"
            if state.next is not None:
                targets.append((state.next, f"{where}/Next"))
            if isinstance(state, ChoiceState):
                targets += [
                    (rule.next, f"{where}/Choices[{i}]/Next")
                    for i, rule in enumerate(state.choices)
                ]
                if state.default is not None:
                    targets.append((state.default, f"{where}/Default"))
            if isinstance(state, TaskState | ParallelState | MapState):
                targets += [(c.next, f"{where}/Catch[{i}]/Next") for i, c in enumerate(state.catch)]
        for target, where in targets:
            if target not in states:
                self.problems.append(
                    f"MISSING_TRANSITION_TARGET: Missing 'Next' target: {target} at {where}"
                )
        if not any(s.end or isinstance(s, SucceedState | FailState) for s in states.values()):
            # AWS's diagnostic has no location: CreateStateMachine prints it as "at null".
            self.problems.append(
                f"MISSING_END_STATE: Workflow has no terminal state at {location or 'null'}"
            )
            return
        named = {target for target, _ in targets}
        for name in states:
            if name not in named:
                self.problems.append(
                    f'MISSING_TRANSITION_TARGET: State "{name}" is not reachable. '
                    f"at {location}/States/{name}"
                )

    # -- states ----------------------------------------------------------------------------------
