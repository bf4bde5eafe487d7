"""What the CDK app deploys, discovered from the project folders with the naming rule.

- one Lambda per ``functions/<name>/handler.py`` (``function.json``: timeout, memory, trigger);
- one Standard state machine per ``statemachines/<pipeline>.asl.json``;
- per-step limits from ``statemachines/*.config.json`` (overridden by CDK context).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sluiceway.naming import folder_name, placeholders_in, state_name
from sluiceway.project import ApiTrigger, FunctionConfig, SqsTrigger, function_configs, step_limits

REPO_ROOT = Path(__file__).resolve().parents[1]
_ANY_PLACEHOLDER = re.compile(r"\$\{([A-Za-z0-9_]+)\}")


class ProjectError(ValueError):
    """The project folders do not describe a deployable application."""


@dataclass(frozen=True)
class Pipeline:
    name: str
    path: Path
    definition: str

    @property
    def functions(self) -> set[str]:
        """Function folders named by ``${XFunctionArn}`` placeholders."""
        return placeholders_in(self.definition)

    @property
    def placeholders(self) -> set[str]:
        """Every ``${Name}`` in the definition (function ARNs and anything else)."""
        return set(_ANY_PLACEHOLDER.findall(self.definition))

    def task_resources(self) -> list[str]:
        """The ``Resource`` of every Task state, nested states included."""
        found: list[str] = []
        _walk(json.loads(self.definition), found)
        return found


def _walk(node: Any, found: list[str]) -> None:
    if isinstance(node, dict):
        if node.get("Type") == "Task" and isinstance(node.get("Resource"), str):
            found.append(node["Resource"])
        for value in node.values():
            _walk(value, found)
    elif isinstance(node, list):
        for value in node:
            _walk(value, found)


@dataclass(frozen=True)
class Project:
    root: Path
    functions: tuple[FunctionConfig, ...]
    pipelines: tuple[Pipeline, ...]
    max_concurrency: dict[str, int]

    @property
    def steps(self) -> list[FunctionConfig]:
        """Functions invoked by state machines (no trigger of their own)."""
        return [f for f in self.functions if f.trigger is None]

    @property
    def sqs_consumers(self) -> list[FunctionConfig]:
        return [f for f in self.functions if isinstance(f.trigger, SqsTrigger)]

    @property
    def api_function(self) -> FunctionConfig | None:
        """The function behind the HTTP API, if the project has one."""
        found = [f for f in self.functions if isinstance(f.trigger, ApiTrigger)]
        if len(found) > 1:
            names = ", ".join(f.name for f in found)
            raise ProjectError(f"only one function may have an 'api' trigger, found: {names}")
        return found[0] if found else None

    @property
    def queues(self) -> dict[str, list[FunctionConfig]]:
        """Queue name -> the functions consuming it."""
        queues: dict[str, list[FunctionConfig]] = {}
        for fn in self.sqs_consumers:
            assert isinstance(fn.trigger, SqsTrigger)
            queues.setdefault(fn.trigger.queue, []).append(fn)
        return queues

    def function(self, name: str) -> FunctionConfig:
        for fn in self.functions:
            if fn.name == name:
                return fn
        raise ProjectError(f"no function folder functions/{name}/")


def _folder_or_none(state: str) -> str | None:
    try:
        return folder_name(state)
    except ValueError:
        return None


def load_project(
    root: Path = REPO_ROOT,
    *,
    sizes: dict[str, dict[str, int]] | None = None,
    max_concurrency: dict[str, int] | None = None,
) -> Project:
    """Discover the project under ``root``; ``sizes`` and ``max_concurrency`` (CDK context)
    override ``function.json`` and ``statemachines/*.config.json``."""
    functions_dir, statemachines_dir = root / "functions", root / "statemachines"
    if not functions_dir.is_dir() or not statemachines_dir.is_dir():
        raise ProjectError(f"{root} has no functions/ and statemachines/ folders")
    functions = []
    for fn in function_configs(functions_dir):
        override = (sizes or {}).get(fn.name, {})
        unknown = set(override) - {"memory_mb", "timeout_seconds"}
        if unknown:
            raise ProjectError(f"unknown size settings for {fn.name}: {sorted(unknown)}")
        functions.append(
            replace(
                fn,
                memory_mb=int(override.get("memory_mb", fn.memory_mb)),
                timeout_seconds=int(override.get("timeout_seconds", fn.timeout_seconds)),
            )
        )
    names = {fn.name for fn in functions}
    for name in sizes or {}:
        if name not in names:
            raise ProjectError(f"size settings for a function that does not exist: {name}")

    pipelines = []
    for path in sorted(statemachines_dir.glob("*.asl.json")):
        pipeline = Pipeline(
            path.name.removesuffix(".asl.json"), path, path.read_text(encoding="utf-8")
        )
        missing = sorted(pipeline.functions - names)
        if missing:
            raise ProjectError(
                f"{path.name} calls functions with no folder: "
                + ", ".join(f"functions/{m}/" for m in missing)
            )
        pipelines.append(pipeline)

    limits = dict(step_limits(statemachines_dir, environ={}).max_concurrency)
    for key, value in (max_concurrency or {}).items():
        folder = key if key in names else _folder_or_none(key)
        if folder is None or folder not in names:
            raise ProjectError(f"maxConcurrency for a function that does not exist: {key}")
        limits[folder] = value
    for name in limits:
        if name not in names:
            raise ProjectError(
                f"a per-step limit names {state_name(name)}, which has no function folder"
            )
    return Project(root, tuple(functions), tuple(pipelines), limits)
