"""The CDK app: which stacks, in which order, wired to what.

``infra/app.py`` is the entry point of the CDK CLI (``cd infra && cdk deploy --all``);
``scripts/synth`` calls :func:`main` directly (no CLI, no Docker, no AWS credentials).

Stacks (``<prefix>-<name>``), each depending only on those before it:

data -> queues -> functions -> long-steps -> workflows -> ingest -> api -> observability
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks

from infra.config import load_config
from infra.nag import suppress_cdk_internals
from infra.project import REPO_ROOT, ProjectError, load_project
from infra.stacks.api import ApiStack
from infra.stacks.data import DataStack
from infra.stacks.functions import FunctionsStack
from infra.stacks.ingest import IngestStack
from infra.stacks.longsteps import LongStepsStack
from infra.stacks.observability import ObservabilityStack
from infra.stacks.queues import QueuesStack
from infra.stacks.workflows import WorkflowsStack

if TYPE_CHECKING:
    from aws_cdk import cx_api

    from infra.config import Config

CDK_JSON = Path(__file__).resolve().parent / "cdk.json"


def default_context() -> dict[str, Any]:
    """The ``context`` of ``infra/cdk.json`` (the CDK CLI passes it itself; a plain
    ``python infra/app.py`` does not)."""
    context: dict[str, Any] = json.loads(CDK_JSON.read_text(encoding="utf-8"))["context"]
    return context


def new_app(context: dict[str, Any] | None = None, outdir: str | None = None) -> cdk.App:
    merged = {} if "CDK_CONTEXT_JSON" in os.environ else default_context()
    merged.update(context or {})
    return cdk.App(context=merged, outdir=outdir)


def build(app: cdk.App, *, root: Path = REPO_ROOT, nag: bool = True) -> dict[str, cdk.Stack]:
    """Add every stack of the deployment to ``app``; returns them by short name."""
    config = load_config(app.node)
    project = load_project(root, sizes=config.functions, max_concurrency=config.max_concurrency)
    _check_model_functions(config, {fn.name for fn in project.functions})
    env = cdk.Environment(
        account=os.environ.get("CDK_DEFAULT_ACCOUNT"), region=os.environ.get("CDK_DEFAULT_REGION")
    )
    stacks: dict[str, cdk.Stack] = {}

    def stack_id(name: str) -> str:
        return config.name(name)

    data = DataStack(app, stack_id("data"), config=config, env=env)
    queues = QueuesStack(
        app, stack_id("queues"), config=config, project=project, data=data, env=env
    )
    functions = FunctionsStack(
        app, stack_id("functions"), config=config, project=project, data=data, env=env
    )
    stacks.update(data=data, queues=queues, functions=functions)
    long_steps = None
    if config.long_steps.mode != "off":
        long_steps = LongStepsStack(
            app, stack_id("long-steps"), config=config, data=data, root=str(root), env=env
        )
        stacks["long-steps"] = long_steps
    workflows = WorkflowsStack(
        app,
        stack_id("workflows"),
        config=config,
        project=project,
        data=data,
        functions=dict(functions.functions),
        long_steps=long_steps,
        env=env,
    )
    ingest = IngestStack(
        app,
        stack_id("ingest"),
        project=project,
        context=functions.context,
        queues=queues,
        state_machines=workflows.state_machines,
        env=env,
    )
    ingest.add_stack_dependency(workflows, "ingestion starts executions of the state machines")
    stacks.update(workflows=workflows, ingest=ingest)
    all_functions = {**functions.functions, **ingest.functions}
    api_function = project.api_function
    if api_function is not None:
        api = ApiStack(
            app,
            stack_id("api"),
            function=api_function,
            context=functions.context,
            queues=queues,
            state_machines=workflows.state_machines,
            env=env,
        )
        api.add_stack_dependency(workflows, "the API starts executions of the state machines")
        stacks["api"] = api
        all_functions[api_function.name] = api.function
    else:
        cdk.Annotations.of(ingest).add_info(
            "No function has an 'api' trigger (functions/<name>/function.json): no API stack."
        )
    stacks["observability"] = ObservabilityStack(
        app,
        stack_id("observability"),
        config=config,
        root=root,
        data=data,
        layer=functions.layer,
        functions=all_functions,
        state_machines=workflows.state_machines,
        queues=dict(queues.queues),
        dead_letter_queues=dict(queues.dead_letter_queues),
        env=env,
    )
    if config.bundling == "stage":
        cdk.Annotations.of(functions).add_warning_v2(
            "sluiceway:staged-layer",
            "sluiceway:bundling=stage: the core layer holds no third-party dependency; "
            "this synthesis is for tests and must not be deployed.",
        )
    for stack in stacks.values():
        suppress_cdk_internals(stack)
    # AWS::RDS::DBProxyTargetGroup takes no tags (CloudFormation rejects them).
    untaggable = ["AWS::RDS::DBProxyTargetGroup"]
    cdk.Tags.of(app).add("project", "sluiceway", exclude_resource_types=untaggable)
    cdk.Tags.of(app).add("sluiceway:prefix", config.prefix, exclude_resource_types=untaggable)
    if nag:
        cdk.Aspects.of(app).add(AwsSolutionsChecks(verbose=True))
    return stacks


def _check_model_functions(config: Config, names: set[str]) -> None:
    missing = sorted(set(config.model_functions) - names)
    if missing:
        raise ProjectError(f"sluiceway:modelFunctions names functions with no folder: {missing}")


def errors(assembly: cx_api.CloudAssembly) -> list[str]:
    """Error annotations (cdk-nag findings included) of every stack, as the CLI would print."""
    found = []
    for stack in assembly.stacks_recursively:
        for message in stack.messages:
            if message.level == cdk.cx_api.SynthesisMessageLevel.ERROR:
                found.append(f"{message.id}: {message.entry.data}")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="infra/app.py", description=__doc__)
    parser.add_argument("-c", "--context", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("-o", "--output", default=None, help="cloud assembly folder")
    args = parser.parse_args(argv)
    context: dict[str, Any] = {}
    for item in args.context:
        key, sep, value = item.partition("=")
        if not sep:
            parser.error(f"--context expects KEY=VALUE, got {item!r}")
        context[key] = value
    app = new_app(context, args.output)
    build(app)
    found = errors(app.synth())
    for line in found:
        sys.stderr.write(line + "\n")
    return 1 if found else 0
