"""Function configs and per-step limits (config files + environment overrides)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sluiceway.project import (
    ProjectConfigError,
    SqsTrigger,
    function_config,
    function_configs,
    step_limits,
)
from tests.conftest import ROOT


def test_the_project_declares_ingest_as_an_sqs_triggered_function() -> None:
    configs = {c.name: c for c in function_configs(ROOT / "functions")}
    trigger = configs["ingest"].trigger
    assert isinstance(trigger, SqsTrigger)
    assert trigger.queue == "ingest"
    assert not configs["ingest"].is_step
    assert configs["extract"].is_step


def test_limits_come_from_config_files_and_env_wins(tmp_path: Path) -> None:
    (tmp_path / "a.config.json").write_text(
        json.dumps({"max_concurrency": {"Classify": 4, "ExtractFields": 6}})
    )
    (tmp_path / "b.config.json").write_text(json.dumps({"max_concurrency": {"Classify": 2}}))
    limits = step_limits(tmp_path, {"SLUICEWAY_MAX_CONCURRENCY_EXTRACT_FIELDS": "3"})
    assert limits.limit("classify") == 2  # the strictest file wins
    assert limits.limit("extract_fields") == 3  # the environment overrides files
    assert limits.limit("embed") is None
    with pytest.raises(ProjectConfigError, match="whole number"):
        step_limits(tmp_path, {"SLUICEWAY_MAX_CONCURRENCY_CLASSIFY": "many"})
    with pytest.raises(ProjectConfigError, match="at least 1"):
        step_limits(tmp_path, {"SLUICEWAY_MAX_CONCURRENCY_CLASSIFY": "0"})


def test_bad_function_configs_are_reported(tmp_path: Path) -> None:
    (tmp_path / "f").mkdir()
    (tmp_path / "f" / "function.json").write_text(
        '{"trigger": {"type": "sqs", "queue": "q", "max_concurrency": 1}}'
    )
    with pytest.raises(ProjectConfigError, match="2-1000"):
        function_config(tmp_path, "f")
    (tmp_path / "f" / "function.json").write_text('{"trigger": {"type": "kinesis"}}')
    with pytest.raises(ProjectConfigError, match="'sqs' or 'api'"):
        function_config(tmp_path, "f")
    (tmp_path / "f" / "function.json").write_text("{oops")
    with pytest.raises(ProjectConfigError, match=r"function\.json"):
        function_config(tmp_path, "f")
