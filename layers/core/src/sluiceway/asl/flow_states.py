"""Pass, Choice, Wait, Succeed and Fail, in both query languages.

Each runner returns ``(next state, output, assigned variables)``.
"""

from __future__ import annotations

import copy
from abc import abstractmethod
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from sluiceway.asl import errors, query
from sluiceway.asl.choice import parse_timestamp
from sluiceway.asl.control import Sleep
from sluiceway.asl.errors import StatesError
from sluiceway.asl.intrinsics import Intrinsic
from sluiceway.asl.jsonata_eval import QueryEvaluationError
from sluiceway.asl.model import ChoiceState, FailState, PassState, State, WaitState
from sluiceway.asl.paths import JsonPath
from sluiceway.asl.payload import plain_text
from sluiceway.asl.processing import apply_input_path, apply_output_path, merge_result, read_path
from sluiceway.asl.variables import Context

Step = tuple[str | None, Any, dict[str, Any]]


def jsonata_output(state: State, context: Context, states: dict[str, Any], default: Any) -> Any:
    return default if state.output is None else query.evaluate(state.output, context, states)


class FlowStates:
    sleep: Sleep
    clock: Callable[[], datetime]

    def run_pass(self, state: PassState, raw: Any, context: Context) -> Step:
        if state.jsonata:
            states = query.states_binding(context, raw)
            output = jsonata_output(state, context, states, raw)
            return state.next, output, query.assign_values(state.assign, None, context, states)
        effective = apply_input_path(state, raw, context)
        if state.parameters is not None:
            effective = state.parameters.evaluate(effective, context)
        result = copy.deepcopy(state.result) if state.has_result else effective
        assigned = query.assign_values(state.assign, result, context)
        output = merge_result(state.result_path, raw, result)
        return state.next, apply_output_path(state, output, context), assigned

    def run_succeed(self, state: State, raw: Any, context: Context) -> Step:
        if state.jsonata:
            return None, jsonata_output(state, context, query.states_binding(context, raw), raw), {}
        effective = apply_input_path(state, raw, context)
        return None, apply_output_path(state, effective, context), {}

    def run_choice(self, state: ChoiceState, raw: Any, context: Context) -> Step:
        if state.jsonata:
            states = query.states_binding(context, raw)
            for index, choice in enumerate(state.choices):
                assert choice.condition is not None
                matched = query.evaluate(choice.condition, context, states)
                if not isinstance(matched, bool):
                    raise QueryEvaluationError(
                        f"The JSONata expression specified for the field 'Condition' of the "
                        f"Choice Rule #{index} returned a non-boolean value.",
                        "Condition",
                    )
                if matched:
                    output = (
                        raw
                        if choice.output is None
                        else query.evaluate(choice.output, context, states)
                    )
                    return (
                        choice.next,
                        output,
                        query.assign_values(choice.assign, None, context, states),
                    )
            self._no_choice(state)
            output = jsonata_output(state, context, states, raw)
            return state.default, output, query.assign_values(state.assign, None, context, states)
        effective = apply_input_path(state, raw, context)
        for choice in state.choices:
            assert choice.rule is not None
            if choice.rule.evaluate(effective, context):
                assigned = query.assign_values(choice.assign, effective, context)
                return choice.next, apply_output_path(state, effective, context), assigned
        self._no_choice(state)
        assigned = query.assign_values(state.assign, effective, context)
        return state.default, apply_output_path(state, effective, context), assigned

    def _no_choice(self, state: ChoiceState) -> None:
        if state.default is None:
            raise StatesError(
                errors.NO_CHOICE_MATCHED,
                f"No Choice Rule of the state '{state.name}' matched its input and it has no "
                "Default.",
            )

    async def run_wait(self, state: WaitState, raw: Any, context: Context) -> Step:
        jsonata = state.jsonata
        effective = raw if jsonata else apply_input_path(state, raw, context)
        states = query.states_binding(context, raw)
        seconds: float
        text: Any = state.timestamp
        if state.seconds is not None:
            seconds = state.seconds
        elif state.seconds_expr is not None:
            seconds = query.jsonata_integer(state.seconds_expr, context, states, "Seconds", 0)
        elif state.seconds_path is not None:
            value = read_path(state.seconds_path, effective, context)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise StatesError(
                    errors.RUNTIME,
                    "The SecondsPath parameter does not reference a valid non-negative "
                    f"integer: {value!r}",
                )
            seconds = value
        else:
            if state.timestamp_expr is not None:
                text = query.jsonata_string(state.timestamp_expr, context, states, "Timestamp")
            elif state.timestamp_path is not None:
                text = read_path(state.timestamp_path, effective, context)
            moment = parse_timestamp(text)
            if moment is None:
                shown = repr(text)
                if (
                    state.timestamp_path is not None
                ):  # AWS: "...: $.start_at == 2023-12-06T07:58:05"
                    shown = f"{state.timestamp_path.source} == {plain_text(text)}"
                raise StatesError(
                    errors.RUNTIME,
                    "The TimestampPath parameter does not reference a valid ISO-8601 extended "
                    f"offset date-time format string: {shown}",
                )
            seconds = max(0.0, (moment - self.clock()).total_seconds())
        if seconds > 0:
            await self.sleep(seconds)
        if jsonata:
            output = jsonata_output(state, context, states, raw)
            return state.next, output, query.assign_values(state.assign, None, context, states)
        assigned = query.assign_values(state.assign, effective, context)
        return state.next, apply_output_path(state, effective, context), assigned

    def fail_error(self, state: FailState, raw: Any, context: Context) -> StatesError:
        error, cause = state.error, state.cause
        states = query.states_binding(context, raw)
        if state.error_expr is not None:
            error = query.jsonata_string(state.error_expr, context, states, "Error")
        if state.cause_expr is not None:
            cause = query.jsonata_string(state.cause_expr, context, states, "Cause")
        if state.error_path is not None:
            error = self.dynamic_string(state.error_path, raw, context, "ErrorPath")
        if state.cause_path is not None:
            cause = self.dynamic_string(state.cause_path, raw, context, "CausePath")
        return StatesError(error if error is not None else "", cause)

    @abstractmethod
    def dynamic_string(
        self, source: JsonPath | Intrinsic, data: Any, context: Mapping[str, Any], field: str
    ) -> str: ...
