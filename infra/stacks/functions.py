"""Functions: the core layer, one Lambda per pipeline step, and the schema migrations run on
every deploy (a custom resource that runs ``sluiceway.adapters.postgres.db.migrate``)."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import custom_resources as cr

from infra.bundling import core_layer_code, lambda_architecture, lambda_runtime
from infra.nag import LAMBDA_BASICS, LATEST_RUNTIME, XRAY, Why, suppress
from infra.stacks.data import DATABASE_NAME, removal, retention
from infra.stacks.lambdas import FunctionContext, create_function

if TYPE_CHECKING:
    from constructs import Construct

    from infra.config import Config
    from infra.project import Project
    from infra.stacks.data import DataStack

INFRA_LAMBDAS = "lambdas"  # infra/lambdas/: the functions of the deployment itself


def migrations_hash(project: Project) -> str:
    folder = project.root / "layers/core/src/sluiceway/adapters/postgres/sql/migrations"
    digest = hashlib.sha256()
    for path in sorted(folder.glob("*.sql")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


class FunctionsStack(cdk.Stack):
    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        config: Config,
        project: Project,
        data: DataStack,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, id, **kwargs)
        self.config = config
        self.layer = lambda_.LayerVersion(
            self,
            "CoreLayer",
            layer_version_name=config.name("core"),
            description="The sluiceway package and its dependencies (litellm excepted)",
            code=core_layer_code(project.root, config),
            compatible_runtimes=[lambda_runtime(config)],
            compatible_architectures=[lambda_architecture(config)],
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        self.context = FunctionContext(
            config=config, root=project.root, data=data, layer=self.layer
        )
        self.migrations = self._migrations(project, data)
        self.functions: dict[str, lambda_.Function] = {}
        for fn in project.steps:
            function = create_function(
                self,
                self.context,
                fn,
                reserved_concurrency=project.max_concurrency.get(fn.name),
            )
            # A new version of a step never runs against an old schema.
            function.node.add_dependency(self.migrations)
            self.functions[fn.name] = function

    def _migrations(self, project: Project, data: DataStack) -> cdk.CustomResource:
        config = self.config
        function = lambda_.Function(
            self,
            "MigrateFunction",
            function_name=config.name("migrate"),
            description="Runs the schema migrations of the sluiceway package (custom resource)",
            runtime=lambda_runtime(config),
            architecture=lambda_architecture(config),
            handler="migrate.on_event",
            code=lambda_.Code.from_asset(
                str(project.root / "infra" / INFRA_LAMBDAS), exclude=["__pycache__", "*.pyc"]
            ),
            layers=[self.layer],
            memory_size=512,
            timeout=cdk.Duration.minutes(14),
            environment={
                "SLUICEWAY_RUNTIME": "aws",
                "SLUICEWAY_DATABASE_SECRET_ARN": data.secret_arn,
                # The writer itself, not the proxy: the proxy may still be registering targets
                # on the first deploy.
                "SLUICEWAY_DATABASE_HOST": data.cluster.cluster_endpoint.hostname,
                "SLUICEWAY_DATABASE_NAME": DATABASE_NAME,
            },
            vpc=data.vpc,
            vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
            security_groups=[data.admin_sg],
            tracing=lambda_.Tracing.ACTIVE,
            log_group=logs.LogGroup(
                self,
                "MigrateLogs",
                retention=retention(config),
                encryption_key=data.key,
                removal_policy=removal(config),
            ),
        )
        data.grant_secret_read(function)
        suppress(function, LAMBDA_BASICS, XRAY, LATEST_RUNTIME)
        provider = cr.Provider(
            self,
            "MigrationsProvider",
            on_event_handler=function,
            log_group=logs.LogGroup(
                self,
                "MigrationsProviderLogs",
                retention=retention(config),
                encryption_key=data.key,
                removal_policy=removal(config),
            ),
        )
        suppress(
            provider,
            Why(
                "IAM5",
                "The custom resource framework may invoke the migrate function and its versions.",
                ("/^Resource::<.*MigrateFunction.*\\.Arn>:\\*$/",),
            ),
        )
        resource = cdk.CustomResource(
            self,
            "Migrations",
            service_token=provider.service_token,
            resource_type="Custom::SluicewayMigrations",
            # A change of any migration file re-runs the migrations on the next deploy.
            properties={"Migrations": migrations_hash(project)},
        )
        resource.node.add_dependency(data.cluster)
        return resource
