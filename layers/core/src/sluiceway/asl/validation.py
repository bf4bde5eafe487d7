"""Parsing and validation of state machine definitions.

Diagnostics read like the ones of AWS's CreateStateMachine / ValidateStateMachineDefinition:
``CODE: message at /json/pointer``, for instance
``MISSING_TRANSITION_TARGET: Missing 'Next' target: Foo at /States/Bar/Next`` or
``MISSING_TRANSITION_TARGET: State "Baz" is not reachable. at /States/Baz``. Features this
engine does not implement (ItemReader resources other than ``s3:getObject``, ...) are
reported as ``UNSUPPORTED_FEATURE`` rather than silently ignored.
"""

from __future__ import annotations

import json
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


class _Parser(StateParser):
    def machine(self, definition: Mapping[str, Any] | str) -> StateMachine | None:
        if isinstance(definition, str | bytes):
            try:
                definition = json.loads(definition)
            except ValueError as exc:
                self.problems.append(f"INVALID_JSON_DESCRIPTION: {exc}")
                return None
        if not isinstance(definition, Mapping):
            self.schema("The state machine definition must be a JSON object", "/")
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
            key for key, value in (("StartAt", start_at), ("States", states_spec)) if value is None
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
        def missing(kind: str, target: str, where: str) -> None:
            self.problems.append(
                f"MISSING_TRANSITION_TARGET: Missing '{kind}' target: {target} at {where}"
            )

        if start_at not in states:
            missing("StartAt", start_at, f"{location}/StartAt")
        edges: dict[str, list[str]] = {}
        for name, state in states.items():
            where = f"{location}/States/{name}"
            targets: list[tuple[str, str, str]] = []
            if state.next is not None:
                targets.append(("Next", state.next, f"{where}/Next"))
            if isinstance(state, ChoiceState):
                targets += [
                    ("Next", rule.next, f"{where}/Choices/{i}/Next")
                    for i, rule in enumerate(state.choices)
                ]
                if state.default is not None:
                    targets.append(("Default", state.default, f"{where}/Default"))
            if isinstance(state, TaskState | ParallelState | MapState):
                targets += [
                    ("Next", c.next, f"{where}/Catch/{i}/Next") for i, c in enumerate(state.catch)
                ]
            for kind, target, target_where in targets:
                if target not in states:
                    missing(kind, target, target_where)
            edges[name] = [target for _, target, _ in targets]
        reached, pending = set(), [start_at]
        while pending:
            name = pending.pop()
            if name in reached or name not in states:
                continue
            reached.add(name)
            pending.extend(edges[name])
        for name in states:
            if name not in reached and start_at in states:
                self.problems.append(
                    f'MISSING_TRANSITION_TARGET: State "{name}" is not reachable. at {location}/States/{name}'
                )
        if not any(s.end or isinstance(s, SucceedState | FailState) for s in states.values()):
            self.problems.append(
                f"MISSING_END_STATE: Workflow has no terminal state at {location or '/'}"
            )

    # -- states ----------------------------------------------------------------------------------
