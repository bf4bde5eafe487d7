"""The naming rule links function folders, ASL states, placeholders and CDK ids, totally."""

from __future__ import annotations

import json

import pytest

from sluiceway import naming
from sluiceway.project import function_configs
from tests.conftest import ROOT


def task_resources(states: dict[str, object]) -> dict[str, str]:
    """{state name: Resource} for every Task state, including inside Parallel and Map."""
    found: dict[str, str] = {}
    for name, state in states.items():
        assert isinstance(state, dict)
        if state.get("Type") == "Task":
            found[name] = state["Resource"]
        for branch in state.get("Branches", []):
            found.update(task_resources(branch["States"]))
        processor = state.get("ItemProcessor") or state.get("Iterator")
        if processor:
            found.update(task_resources(processor["States"]))
    return found


@pytest.mark.parametrize(
    ("folder", "state"),
    [
        ("extract", "Extract"),
        ("extract_fields", "ExtractFields"),
        ("record_failure", "RecordFailure"),
    ],
)
def test_round_trip(folder: str, state: str) -> None:
    assert naming.state_name(folder) == state
    assert naming.folder_name(state) == folder
    assert naming.placeholder(folder) == f"{state}FunctionArn"
    assert naming.cdk_id(folder) == f"{state}Function"


def test_every_function_folder_is_a_state_and_every_placeholder_a_folder() -> None:
    """Steps (functions without a trigger) are exactly the functions the state machines use."""
    folders = {c.name for c in function_configs(ROOT / "functions") if c.is_step}
    referenced: set[str] = set()
    for path in (ROOT / "statemachines").glob("*.asl.json"):
        text = path.read_text()
        referenced |= naming.placeholders_in(text)
        for state, resource in task_resources(json.loads(text)["States"]).items():
            if resource.endswith("FunctionArn}"):
                assert resource == "${" + naming.placeholder(naming.folder_name(state)) + "}", state
    assert referenced == folders


def test_substitution_rejects_unknown_placeholders() -> None:
    with pytest.raises(KeyError, match="functions/nope/"):
        naming.substitute_function_arns('{"Resource": "${NopeFunctionArn}"}', {})
    text = naming.substitute_function_arns(
        '"${ExtractFunctionArn}"', {"extract": naming.local_function_arn("extract")}
    )
    assert text == '"arn:aws:lambda:local:000000000000:function:extract"'


def test_bad_names_are_rejected() -> None:
    with pytest.raises(ValueError, match="snake_case"):
        naming.state_name("Extract")
    with pytest.raises(ValueError, match="PascalCase"):
        naming.folder_name("extract_fields")
