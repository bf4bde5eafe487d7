"""One Lambda function per ``functions/<name>/`` folder, built the same way in every stack.

- Most functions are zip functions: the folder's ``handler.py`` on top of the core layer
  (``sluiceway`` and its dependencies, bundled by ``pip --platform``; see ``infra/bundling.py``).
- The functions that call models (``sluiceway:modelFunctions``: ``classify``, ``extract_fields``)
  are container-image functions built from ``infra/Dockerfile`` (target ``lambda``): litellm and
  its dependencies do not fit in the 250 MB a zip function and its layers may use.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs

from infra.bundling import (
    DOCKER_CONTEXT_EXCLUDE,
    docker_platform,
    lambda_architecture,
    lambda_runtime,
)
from infra.nag import (
    KMS_ACTIONS,
    LAMBDA_BASICS,
    LATEST_RUNTIME,
    OBJECT_KEYS,
    PARTITION,
    XRAY,
    Why,
    suppress,
)
from infra.stacks.data import DATABASE_NAME, removal, retention
from sluiceway.naming import cdk_id

if TYPE_CHECKING:
    from aws_cdk import aws_sqs as sqs
    from constructs import Construct, IConstruct

    from infra.config import Config
    from infra.stacks.data import DataStack
    from sluiceway.project import FunctionConfig


@dataclass
class FunctionContext:
    """What every function is wired to."""

    config: Config
    root: Path
    data: DataStack
    layer: lambda_.ILayerVersion
    ingest_queue: sqs.IQueue | None = None
    state_machine_arns: dict[str, str] = field(default_factory=dict)


def image_uri_parts(uri: str) -> tuple[str, str]:
    """``ACCOUNT.dkr.ecr.REGION.amazonaws.com/REPO:TAG`` (or ``@sha256:...``) -> (REPO, TAG)."""
    _, _, path = uri.partition("/")
    if "@" in path:
        repo, _, digest = path.partition("@")
        return repo, digest
    repo, _, tag = path.rpartition(":") if ":" in path else (path, "", "latest")
    return repo, tag


def model_image_code(scope: Construct, ctx: FunctionContext, name: str) -> lambda_.DockerImageCode:
    handler = f"functions.{name}.handler.lambda_handler"
    if ctx.config.model_image == "asset":
        return lambda_.DockerImageCode.from_image_asset(
            str(ctx.root),
            file="infra/Dockerfile",
            target="lambda",
            cmd=[handler],
            platform=docker_platform(ctx.config),
            exclude=DOCKER_CONTEXT_EXCLUDE,
            ignore_mode=cdk.IgnoreMode.DOCKER,
            build_args={"PYTHON_VERSION": ctx.config.python_version},
        )
    repo, tag = image_uri_parts(ctx.config.model_image)
    repository = ecr.Repository.from_repository_name(scope, f"{cdk_id(name)}Repository", repo)
    return lambda_.DockerImageCode.from_ecr(repository, tag_or_digest=tag, cmd=[handler])


def environment(scope: Construct, ctx: FunctionContext) -> dict[str, str]:
    env = {
        "SLUICEWAY_RUNTIME": "aws",
        "SLUICEWAY_BUCKET": ctx.data.bucket.bucket_name,
        "SLUICEWAY_DATABASE_SECRET_ARN": ctx.data.secret_arn,
        "SLUICEWAY_DATABASE_HOST": ctx.data.proxy.endpoint,
        "SLUICEWAY_DATABASE_NAME": DATABASE_NAME,
        "SLUICEWAY_MODEL_SMALL": ctx.config.models["small"],
        "SLUICEWAY_MODEL_LARGE": ctx.config.models["large"],
        "SLUICEWAY_MODEL_FALLBACK": ctx.config.models["fallback"],
        # litellm would download its price map at import without this.
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",
    }
    if ctx.ingest_queue is not None:
        env["SLUICEWAY_INGEST_QUEUE_URL"] = ctx.ingest_queue.queue_url
    if ctx.state_machine_arns:
        # {"document": "arn:aws:states:...:stateMachine:sluiceway-document"}, tokens resolved
        env["SLUICEWAY_STATE_MACHINE_ARNS"] = cdk.Stack.of(scope).to_json_string(
            ctx.state_machine_arns
        )
    return env


def state_machine_arns(scope: IConstruct, config: Config, pipelines: list[str]) -> dict[str, str]:
    """Pipeline -> state machine ARN, built from the deterministic names (``<prefix>-<pipeline>``)
    rather than referenced: an environment variable holding a JSON of cross-stack references is
    one ``Fn::Join`` of ``Fn::GetStackOutput`` values, which cfn-lint cannot check yet."""
    stack = cdk.Stack.of(scope)
    return {
        p: stack.format_arn(
            service="states",
            resource="stateMachine",
            resource_name=config.name(p),
            arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
        )
        for p in pipelines
    }


def create_function(
    scope: Construct,
    ctx: FunctionContext,
    fn: FunctionConfig,
    *,
    reserved_concurrency: int | None = None,
) -> lambda_.Function:
    """The Lambda of ``functions/<fn.name>/``, with CDK id ``<State>Function`` (naming rule)."""
    config = ctx.config
    name = cdk_id(fn.name)
    log_group = logs.LogGroup(
        scope,
        f"{name}Logs",
        log_group_name=f"/aws/lambda/{config.name(fn.name)}",
        retention=retention(config),
        encryption_key=ctx.data.key,
        removal_policy=removal(config),
    )
    description = fn.description or f"Sluiceway step {name.removesuffix('Function')}"
    # What image and zip functions share.
    common: dict[str, Any] = {
        "function_name": config.name(fn.name),
        "description": description,
        "architecture": lambda_architecture(config),
        "memory_size": fn.memory_mb,
        "timeout": cdk.Duration.seconds(fn.timeout_seconds),
        "environment": environment(scope, ctx),
        "vpc": ctx.data.vpc,
        "vpc_subnets": ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
        "security_groups": [ctx.data.functions_sg],
        "tracing": lambda_.Tracing.ACTIVE,
        "log_group": log_group,
        "reserved_concurrent_executions": reserved_concurrency,
    }
    function: lambda_.Function
    if fn.name in config.model_functions:
        function = lambda_.DockerImageFunction(
            scope, name, code=model_image_code(scope, ctx, fn.name), **common
        )
    else:
        function = lambda_.Function(
            scope,
            name,
            runtime=lambda_runtime(config),
            handler="handler.lambda_handler",
            code=lambda_.Code.from_asset(
                str(ctx.root / "functions" / fn.name), exclude=["__pycache__", "*.pyc"]
            ),
            layers=[ctx.layer],
            **common,
        )
        suppress(function, LATEST_RUNTIME)
    grant_data_access(ctx, function, models=fn.name in config.model_functions)
    return function


def grant_data_access(ctx: FunctionContext, function: lambda_.Function, *, models: bool) -> None:
    """Documents, database credentials and, for model functions on Bedrock, the models."""
    ctx.data.bucket.grant_read_write(function)
    ctx.data.grant_secret_read(function)
    if models and ctx.config.uses_bedrock:
        grant_bedrock(ctx.config, function)
    suppress(function, LAMBDA_BASICS, XRAY, OBJECT_KEYS, KMS_ACTIONS)


def bedrock_model_ids(config: Config) -> list[str]:
    """``bedrock/us.anthropic.claude-...`` -> ``us.anthropic.claude-...``."""
    return sorted(
        {m.removeprefix("bedrock/") for m in config.models.values() if m.startswith("bedrock/")}
    )


def grant_bedrock(config: Config, grantee: iam.IGrantable) -> None:
    stack = cdk.Stack.of(grantee)  # type: ignore[arg-type]
    resources: list[str] = []
    for model in bedrock_model_ids(config):
        # A cross-Region inference profile (us./eu./apac./global.) routes to the foundation model
        # in any Region of its geography: the model must be allowed in each of them.
        base = (
            model.split(".", 1)[1]
            if model.split(".", 1)[0] in ("us", "eu", "apac", "global")
            else model
        )
        resources.append(f"arn:{stack.partition}:bedrock:*::foundation-model/{base}")
        if base != model:
            resources.append(
                f"arn:{stack.partition}:bedrock:{stack.region}:{stack.account}:inference-profile/{model}"
            )
    grantee.grant_principal.add_to_principal_policy(
        iam.PolicyStatement(
            actions=["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"],
            resources=resources,
        )
    )
    suppress(
        grantee,  # type: ignore[arg-type]
        Why(
            "IAM5",
            "Bedrock cross-Region inference: the named foundation models in every Region of the "
            "profile's geography (the Region is the only wildcard).",
            (f"/^Resource::arn:{PARTITION}:bedrock:\\*::foundation-model\\/.*$/",),
        ),
    )
