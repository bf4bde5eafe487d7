"""The OpenAPI spec is generated from the route table; the served and committed copies cannot
drift from it."""

from __future__ import annotations

import json
from typing import Any

from sluiceway.api import BASE_PATH
from sluiceway.api.openapi import build_spec, render, spec
from sluiceway.api.routes import ROUTES
from sluiceway.project import ApiTrigger, function_config
from tests.conftest import ROOT
from tests.unit.test_api import Fixture, api

__all__ = ["api"]
COMMITTED = ROOT / "docs" / "openapi.json"


def test_the_served_spec_is_generated_from_the_route_table(api: Fixture) -> None:
    status, _, served = api.call("GET", "/v1/openapi.json", key=None)
    assert status == 200
    assert served == json.loads(json.dumps(build_spec(ROUTES)))


def test_the_committed_spec_is_up_to_date() -> None:
    assert COMMITTED.read_text(encoding="utf-8") == render(spec()), (
        "docs/openapi.json is stale: run python -m sluiceway.api.openapi docs/openapi.json"
    )


def test_every_route_is_described_once() -> None:
    paths = spec()["paths"]
    described = {(m.upper(), p) for p, ops in paths.items() for m in ops}
    assert described == {(r.method, BASE_PATH + r.path) for r in ROUTES}
    ids = [op["operationId"] for ops in paths.values() for op in ops.values()]
    assert len(ids) == len(set(ids)) == len(ROUTES)


def _refs(node: Any) -> set[str]:
    if isinstance(node, dict):
        found = {node["$ref"]} if isinstance(node.get("$ref"), str) else set()
        for value in node.values():
            found |= _refs(value)
        return found
    if isinstance(node, list):
        return set().union(*(_refs(v) for v in node)) if node else set()
    return set()


def test_every_reference_resolves_and_errors_are_typed() -> None:
    document = spec()
    schemas = document["components"]["schemas"]
    for ref in _refs(document):
        assert ref.startswith("#/components/schemas/") and ref.rsplit("/", 1)[1] in schemas, ref
    submit = document["paths"]["/v1/tasks"]["post"]
    assert {"202", "400", "401", "403", "413", "415", "500", "503"} <= set(submit["responses"])
    assert "Location" in submit["responses"]["202"]["headers"]
    assert "DocumentTooLarge" in submit["responses"]["413"]["description"]
    assert document["paths"]["/v1/health"]["get"]["security"] == []
    assert document["paths"]["/v1/tasks/{task_id}"]["get"]["security"] == [{"apiKey": []}]


def test_the_function_config_names_the_same_base_path() -> None:
    config = function_config(ROOT / "functions", "api")
    assert isinstance(config.trigger, ApiTrigger)
    assert config.trigger.base_path == BASE_PATH
    assert not config.is_step
