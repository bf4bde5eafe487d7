"""What a project declares beside its code, read by the embedded runtime and by CDK alike.

- ``functions/<name>/function.json`` (optional): timeout, memory, and a trigger for functions
  that are not pipeline steps (e.g. ``ingest``, fed by an SQS queue).
- ``statemachines/<pipeline>.config.json`` (optional): per-step limits, e.g.
  ``{"max_concurrency": {"Classify": 4}}``, each overridable by an environment variable
  ``SLUICEWAY_MAX_CONCURRENCY_<STEP>`` (``SLUICEWAY_MAX_CONCURRENCY_EXTRACT_FIELDS=2``).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sluiceway.naming import folder_name

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

ENV_PREFIX = "SLUICEWAY_MAX_CONCURRENCY_"


class ProjectConfigError(ValueError):
    pass


@dataclass(frozen=True)
class SqsTrigger:
    queue: str
    batch_size: int = 10
    max_concurrency: int = 2
    max_receive_count: int = 5


@dataclass(frozen=True)
class ApiTrigger:
    """The function serves the HTTP API (API Gateway REST proxy integration; locally, the
    embedded HTTP server feeds it the same events)."""

    base_path: str = "/v1"


@dataclass(frozen=True)
class FunctionConfig:
    name: str
    timeout_seconds: int = 60
    memory_mb: int = 1024
    description: str = ""
    trigger: SqsTrigger | ApiTrigger | None = None
    #: Short CPU-only handlers: the embedded runtime calls them on its event loop, no thread hop.
    inline: bool = False

    @property
    def is_step(self) -> bool:
        """Steps are invoked by state machines; triggered functions by their event source."""
        return self.trigger is None


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ProjectConfigError(f"{path}: {exc}") from exc
    if not isinstance(data, dict):
        raise ProjectConfigError(f"{path}: expected a JSON object")
    return data


def function_config(functions_dir: Path, name: str) -> FunctionConfig:
    path = functions_dir / name / "function.json"
    if not path.is_file():
        return FunctionConfig(name=name)
    data = _read_json(path)
    trigger = data.get("trigger")
    try:
        parsed: SqsTrigger | ApiTrigger | None = None
        if trigger is not None:
            kind = trigger.get("type")
            fields = {k: v for k, v in trigger.items() if k != "type"}
            if kind == "api":
                parsed = ApiTrigger(**fields)
            elif kind == "sqs":
                parsed = SqsTrigger(**fields)
                if not 1 <= parsed.batch_size <= 10 or not 2 <= parsed.max_concurrency <= 1000:
                    raise ProjectConfigError(
                        f"{path}: batch_size must be 1-10 and max_concurrency 2-1000 (as SQS event sources)"
                    )
            else:
                raise ProjectConfigError(
                    f"{path}: trigger type must be 'sqs' or 'api', got {kind!r}"
                )
        return FunctionConfig(
            name=name,
            timeout_seconds=int(data.get("timeout_seconds", 60)),
            memory_mb=int(data.get("memory_mb", 1024)),
            description=str(data.get("description", "")),
            trigger=parsed,
            inline=bool(data.get("inline", False)),
        )
    except TypeError as exc:
        raise ProjectConfigError(f"{path}: {exc}") from exc


def function_configs(functions_dir: Path) -> list[FunctionConfig]:
    return [
        function_config(functions_dir, p.parent.name)
        for p in sorted(functions_dir.glob("*/handler.py"))
    ]


@dataclass(frozen=True)
class StepLimits:
    """Maximum concurrent invocations per function (folder name), across every worker."""

    max_concurrency: dict[str, int] = field(default_factory=dict)

    def limit(self, function: str) -> int | None:
        return self.max_concurrency.get(function)


def step_limits(statemachines_dir: Path, environ: Mapping[str, str] | None = None) -> StepLimits:
    """Limits from every ``*.config.json``, then the environment's overrides (which win)."""
    env = os.environ if environ is None else environ
    limits: dict[str, int] = {}
    for path in sorted(statemachines_dir.glob("*.config.json")):
        for step, value in (_read_json(path).get("max_concurrency") or {}).items():
            name = folder_name(step)
            limits[name] = min(int(value), limits.get(name, int(value)))
    for key, value in env.items():
        if key.startswith(ENV_PREFIX):
            name = key.removeprefix(ENV_PREFIX).lower()
            try:
                limits[name] = int(value)
            except ValueError:
                raise ProjectConfigError(f"{key}={value!r} is not a whole number") from None
    for name, value in limits.items():
        if value < 1:
            raise ProjectConfigError(f"max concurrency of {name} must be at least 1, got {value}")
    return StepLimits(limits)
