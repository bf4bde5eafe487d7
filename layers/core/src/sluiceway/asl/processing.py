"""Input and output processing shared by all states (JSONPath query language)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sluiceway.asl import errors, variables
from sluiceway.asl.errors import StatesError
from sluiceway.asl.model import ROOT, State
from sluiceway.asl.paths import JsonPath, PathNotFound, ResultPathError, set_path


def iso_timestamp(moment: datetime) -> str:
    """``2019-03-26T20:14:13.192Z``: the format of the context object's timestamps."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def read_path(path: JsonPath, data: Any, context: Any = None) -> Any:
    """Read ``path`` (``$$`` paths from ``context``); a definite path that matches nothing fails
    with States.Runtime."""
    try:
        return variables.read(path, data, context)
    except PathNotFound as exc:
        raise StatesError(errors.RUNTIME, f"Invalid path '{path.source}' : {exc}") from None


def apply_input_path(state: State, raw: Any, context: Any) -> Any:
    if state.input_path is None:
        return {}
    return raw if state.input_path is ROOT else read_path(state.input_path, raw, context)


def apply_output_path(state: State, output: Any, context: Any) -> Any:
    if state.output_path is None:
        return {}
    return output if state.output_path is ROOT else read_path(state.output_path, output, context)


def merge_result(result_path: JsonPath | None, raw: Any, result: Any) -> Any:
    """Apply ``ResultPath``: null keeps the raw input, ``$`` replaces it, other paths insert."""
    if result_path is None:
        return raw
    try:
        return set_path(raw, result_path, result)
    except ResultPathError as exc:
        raise StatesError(errors.RESULT_PATH_MATCH_FAILURE, str(exc)) from None
