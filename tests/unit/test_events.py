"""Every sample event parses into its handler's input model (malformed-* ones must not)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
from pydantic import BaseModel, ValidationError

from sluiceway import ingest
from sluiceway.errors import InvalidEvent
from sluiceway.naming import state_name
from tests.conftest import EVENTS, ROOT

FUNCTION_EVENTS = sorted(
    p for p in (EVENTS / "functions").glob("*/*.json") if p.parent.name not in ("ingest", "api")
)
API_EVENTS = sorted((EVENTS / "functions" / "api").glob("*.json"))  # see test_api_events.py
INGEST_EVENTS = sorted((EVENTS / "functions" / "ingest").glob("*.json"))


def input_model(function: str) -> type[BaseModel]:
    from sluiceway.domain import bench, steps

    name = f"{state_name(function)}Input"
    model: type[BaseModel] = getattr(steps, name, None) or getattr(bench, name)
    return model


def test_every_function_has_a_sample_event() -> None:
    folders = {p.parent.name for p in (ROOT / "functions").glob("*/handler.py")}
    with_events = {p.parent.name for p in FUNCTION_EVENTS + INGEST_EVENTS + API_EVENTS}
    assert folders == with_events


@pytest.mark.parametrize("path", FUNCTION_EVENTS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_sample_events_match_their_input_model(path: Path) -> None:
    model = input_model(path.parent.name)
    text = path.read_text()
    if path.name.startswith("malformed-"):
        with pytest.raises(ValidationError):
            model.model_validate_json(text)
    else:
        model.model_validate_json(text)


@pytest.mark.parametrize("path", INGEST_EVENTS, ids=lambda p: p.name)
def test_ingest_events_are_sqs_events_of_ingest_messages(path: Path) -> None:
    event = json.loads(path.read_text())
    for record in event["Records"]:
        assert record["eventSource"] == "aws:sqs"
        if path.name.startswith("malformed-"):
            with pytest.raises(InvalidEvent):
                ingest.parse_message(record["body"], pipeline="document", default_tenant="default")
        else:
            assert ingest.parse_message(
                record["body"], pipeline="document", default_tenant="default"
            )


def test_statemachine_inputs_match_the_first_step() -> None:
    for path in (EVENTS / "statemachines" / "document").glob("*.json"):
        input_model("extract").model_validate_json(path.read_text())


def test_handlers_are_one_liners_over_steps() -> None:
    for handler in (ROOT / "functions").glob("*/handler.py"):
        code = [
            ln
            for ln in handler.read_text().splitlines()
            if ln.strip() and not ln.startswith(("from", "import"))
        ]
        assert len(code) <= 3, handler
        spec = importlib.util.spec_from_file_location(
            f"functions.{handler.parent.name}.handler", handler
        )
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        assert callable(module.lambda_handler)
