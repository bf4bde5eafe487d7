"""Synthesis helpers for the infra tests.

The CDK modules are loaded with ``importlib``: they are optional (the ``infra`` extra), and the
type checker must pass on these tests whether or not they are installed, so CDK objects are
``Any`` here. The assertions work on the synthesized templates (plain JSON).
"""

from __future__ import annotations

import importlib
import json
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
OFFLINE = {"sluiceway:bundling": "stage"}


def module(name: str) -> Any:
    return importlib.import_module(name)


@dataclass
class Synth:
    """One synthesized app: its stacks (by short name) and their templates (JSON)."""

    app: Any
    stacks: dict[str, Any]
    outdir: Path
    config: Any
    project: Any
    errors: list[str]
    templates: dict[str, dict[str, Any]] = field(default_factory=dict)

    def template(self, short: str) -> dict[str, Any]:
        return self.templates[short]

    def assertions(self, short: str) -> Any:
        """``aws_cdk.assertions.Template`` of one stack."""
        return module("aws_cdk.assertions").Template.from_json(self.templates[short])

    def resources(self, short: str, kind: str) -> dict[str, dict[str, Any]]:
        found = self.template(short)["Resources"].items()
        return {k: v for k, v in found if v["Type"] == kind}

    def all_resources(self, kind: str) -> dict[str, tuple[str, dict[str, Any]]]:
        """Logical id -> (stack short name, resource) across every stack."""
        return {
            k: (short, v)
            for short in self.templates
            for k, v in self.resources(short, kind).items()
        }


def synth(root: Path, outdir: Path, context: dict[str, Any] | None = None) -> Synth:
    """Build the app of ``root`` with ``context`` (offline bundling) and synthesize it once."""
    main = module("infra.main")
    app = main.new_app({**OFFLINE, **(context or {})}, str(outdir))
    stacks = main.build(app, root=root)
    assembly = app.synth()
    config = module("infra.config").load_config(app.node)
    project = module("infra.project").load_project(
        root, sizes=config.functions, max_concurrency=config.max_concurrency
    )
    result = Synth(app, stacks, outdir, config, project, main.errors(assembly))
    for short, stack in stacks.items():
        path = outdir / f"{stack.stack_name}.template.json"
        result.templates[short] = json.loads(path.read_text(encoding="utf-8"))
    return result


def copy_project(root: Path, dest: Path) -> Path:
    """A project folder to change freely: functions/, statemachines/, the library, pyproject."""
    for name in ("functions", "statemachines", "infra"):
        shutil.copytree(
            root / name, dest / name, ignore=shutil.ignore_patterns("__pycache__", "cdk.out")
        )
    (dest / "layers/core/src").mkdir(parents=True)
    shutil.copytree(
        root / "layers/core/src/sluiceway",
        dest / "layers/core/src/sluiceway",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(root / name, dest / name)
    return dest


def env_of(resource: dict[str, Any]) -> dict[str, Any]:
    env: dict[str, Any] = resource["Properties"].get("Environment", {}).get("Variables", {})
    return env


PLACEHOLDER = re.compile(r"\$\{([A-Za-z0-9_]+)\}")
