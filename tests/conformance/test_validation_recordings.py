"""Definitions AWS judged (``recordings_validation/*.json``): our diagnostics must be AWS's.

A case's ``message`` is the CreateStateMachine ``InvalidDefinition`` text; ``diagnostics`` are the
ValidateStateMachineDefinition ones (``[]``: accepted). See README.md, "Recorded definitions".
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import pytest

from sluiceway.asl import AslValidationError, validate
from sluiceway.cli import statemachine as cli
from tests.conformance.cases import recorded_cases

RECORDINGS = Path(__file__).parent / "recordings_validation"


def _definition_text(case: dict[str, Any]) -> str:
    """What was sent to AWS: a string definition is the text itself, anything else its JSON."""
    definition = case["definition"]
    return definition if isinstance(definition, str) else json.dumps(definition)


def expected_problems(case: dict[str, Any]) -> list[str] | None:
    """AWS's diagnostics as our problems (``CODE: message at location``; no location: ``null``,
    as CreateStateMachine prints it); None when the case gives a CreateStateMachine message."""
    if "diagnostics" not in case:
        return None if case["message"] is not None else []
    return [
        f"{d['code']}: {d['message']} at {d.get('location', 'null')}" for d in case["diagnostics"]
    ]


@pytest.mark.parametrize("case", recorded_cases(RECORDINGS))
def test_recorded_definition(case: dict[str, Any]) -> None:
    problems = validate(_definition_text(case))
    expected = expected_problems(case)
    if expected is not None:
        assert problems == expected
    else:
        assert problems, "AWS rejected this definition"
        assert str(AslValidationError(problems)) == case["message"]


@pytest.mark.parametrize(
    "case", [c for c in recorded_cases(RECORDINGS) if expected_problems(c.values[0]) != []][:3]
)
def test_cli_prints_the_problems_and_exits_2(
    case: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "definition.json"
    path.write_text(_definition_text(case), encoding="utf-8")
    code = cli.main(argparse.Namespace(action="validate", definition=path))
    assert code == 2
    assert capsys.readouterr().err == "".join(f"{p}\n" for p in validate(path.read_text()))
