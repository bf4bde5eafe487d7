"""API: API Gateway (REST) in front of the function whose trigger is ``api``.

Every route under the trigger's base path (``/v1`` and ``/v1/{proxy+}``) is a Lambda proxy
integration: the function gets API-Gateway-shaped events, the same ones the embedded HTTP
server feeds it locally. Callers need an API key (one per tenant, ``sluiceway:api.apiKeys``),
metered by a usage plan (rate, burst, daily quota); the stage throttles as a whole too.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

import aws_cdk as cdk
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_logs as logs

from infra.nag import Why, managed_policy, suppress
from infra.stacks.data import removal, retention
from infra.stacks.ingest import grant_orchestration
from infra.stacks.lambdas import FunctionContext, create_function, state_machine_arns
from sluiceway.ingest import INGEST_QUEUE
from sluiceway.project import ApiTrigger

if TYPE_CHECKING:
    from aws_cdk import aws_stepfunctions as sfn
    from constructs import Construct

    from infra.stacks.queues import QueuesStack
    from sluiceway.project import FunctionConfig


class ApiStack(cdk.Stack):
    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        function: FunctionConfig,
        context: FunctionContext,
        queues: QueuesStack,
        state_machines: dict[str, sfn.StateMachine],
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, id, **kwargs)
        assert isinstance(function.trigger, ApiTrigger)
        config = context.config
        ingest_queue = queues.queues.get(INGEST_QUEUE)
        ctx = replace(
            context,
            ingest_queue=ingest_queue,
            state_machine_arns=state_machine_arns(self, context.config, list(state_machines)),
        )
        self.function = create_function(self, ctx, function)
        if ingest_queue is not None:
            ingest_queue.grant_send_messages(self.function)
        grant_orchestration(self.function, config, list(state_machines))

        access_logs = logs.LogGroup(
            self,
            "AccessLogs",
            retention=retention(config),
            encryption_key=context.data.key,
            removal_policy=removal(config),
        )
        self.api = apigw.RestApi(
            self,
            "Api",
            rest_api_name=config.name("api"),
            description="Sluiceway HTTP API",
            endpoint_types=[apigw.EndpointType.REGIONAL],
            cloud_watch_role=True,
            cloud_watch_role_removal_policy=removal(config),
            deploy_options=apigw.StageOptions(
                stage_name=config.api.stage,
                throttling_rate_limit=config.api.throttle_rate,
                throttling_burst_limit=config.api.throttle_burst,
                logging_level=apigw.MethodLoggingLevel.ERROR,
                metrics_enabled=True,
                tracing_enabled=True,
                access_log_destination=apigw.LogGroupLogDestination(access_logs),
                access_log_format=apigw.AccessLogFormat.json_with_standard_fields(
                    caller=False,
                    http_method=True,
                    ip=True,
                    protocol=True,
                    request_time=True,
                    resource_path=True,
                    response_length=True,
                    status=True,
                    user=True,
                ),
            ),
            default_method_options=apigw.MethodOptions(api_key_required=True),
        )
        integration = apigw.LambdaIntegration(self.function, proxy=True)
        base = self.api.root
        for part in function.trigger.base_path.strip("/").split("/"):
            if part:
                base = base.add_resource(part)
        base.add_method("ANY", integration)
        base.add_proxy(default_integration=integration, any_method=True)

        plan = self.api.add_usage_plan(
            "UsagePlan",
            name=config.name("tenants"),
            throttle=apigw.ThrottleSettings(
                rate_limit=config.api.throttle_rate, burst_limit=config.api.throttle_burst
            ),
            quota=apigw.QuotaSettings(limit=config.api.quota_per_day, period=apigw.Period.DAY),
        )
        plan.add_api_stage(stage=self.api.deployment_stage)
        for tenant in config.api.api_keys:
            key = self.api.add_api_key(
                f"ApiKey{tenant.capitalize()}", api_key_name=config.name(tenant)
            )
            plan.add_api_key(key)
        cdk.CfnOutput(self, "ApiUrl", value=self.api.url_for_path(function.trigger.base_path))

        suppress(
            self.api,
            Why(
                "APIG2",
                "Requests are validated by the function itself (pydantic models of every route); a proxy resource has no per-route schema here.",
            ),
            Why(
                "APIG3",
                "No WAF by default (cost): the stage and the usage plan throttle, and every call needs an API key.",
            ),
            Why(
                "APIG4",
                "Callers authenticate with an API key per tenant (usage plan); the function scopes every query to that tenant.",
            ),
            Why("COG4", "API keys per tenant, not Cognito: callers are services, not users."),
            Why(
                "IAM4",
                "The account-level API Gateway role that pushes execution logs uses the AWS-managed "
                "AmazonAPIGatewayPushToCloudWatchLogs policy.",
                (managed_policy("service-role/AmazonAPIGatewayPushToCloudWatchLogs"),),
            ),
        )
