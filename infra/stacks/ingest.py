"""Ingest: the functions fed by SQS (``"trigger": {"type": "sqs"}``) and the S3 drop.

An object created under ``incoming/`` in the document bucket is announced on the ``ingest``
queue; the ``ingest`` function consumes it (at most ``max_concurrency`` at once, partial batch
failures reported) and starts one execution per document, named after the task id.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_notifications as s3n

from infra.nag import PARTITION, Why, suppress
from infra.stacks.lambdas import FunctionContext, create_function, state_machine_arns
from sluiceway.ingest import INCOMING, INGEST_QUEUE
from sluiceway.project import SqsTrigger

if TYPE_CHECKING:
    from aws_cdk import aws_lambda as lambda_
    from aws_cdk import aws_stepfunctions as sfn
    from constructs import Construct

    from infra.config import Config
    from infra.project import Project
    from infra.stacks.queues import QueuesStack


def grant_orchestration(function: lambda_.IFunction, config: Config, pipelines: list[str]) -> None:
    """Start executions (named after task ids) and read, stop or redrive them. The ARNs are
    built from the deterministic state machine names, not referenced across stacks."""
    stack = cdk.Stack.of(function)
    machines = state_machine_arns(function, config, pipelines)
    executions = [
        stack.format_arn(
            service="states",
            resource="execution",
            resource_name=f"{config.name(p)}:*",
            arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
        )
        for p in pipelines
    ]
    function.add_to_role_policy(
        iam.PolicyStatement(actions=["states:StartExecution"], resources=list(machines.values()))
    )
    function.add_to_role_policy(
        iam.PolicyStatement(
            actions=["states:DescribeExecution", "states:StopExecution", "states:RedriveExecution"],
            resources=executions,
        )
    )
    suppress(
        function,
        Why(
            "IAM5",
            "Describe, stop or redrive the executions of this deployment's state machines "
            "(execution ARNs end with the execution name, the task id).",
            (f"/^Resource::arn:{PARTITION}:states:.*:execution:.*:\\*$/",),
        ),
    )


class IngestStack(cdk.Stack):
    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        project: Project,
        context: FunctionContext,
        queues: QueuesStack,
        state_machines: dict[str, sfn.StateMachine],
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, id, **kwargs)
        ctx = replace(
            context,
            ingest_queue=queues.queues.get(INGEST_QUEUE),
            state_machine_arns=state_machine_arns(self, context.config, list(state_machines)),
        )
        self.functions: dict[str, lambda_.Function] = {}
        for fn in project.sqs_consumers:
            assert isinstance(fn.trigger, SqsTrigger)
            function = create_function(self, ctx, fn)
            function.add_event_source(
                sources.SqsEventSource(
                    queues.queues[fn.trigger.queue],
                    batch_size=fn.trigger.batch_size,
                    max_concurrency=fn.trigger.max_concurrency,
                    report_batch_item_failures=True,
                )
            )
            grant_orchestration(function, context.config, list(state_machines))
            self.functions[fn.name] = function

        ingest_queue = queues.queues.get(INGEST_QUEUE)
        if ingest_queue is not None:
            # Imported here so that the notification (which references the queue) lives in this
            # stack and the data stack never depends on the queues stack.
            bucket = s3.Bucket.from_bucket_attributes(
                self,
                "Documents",
                bucket_arn=context.data.bucket.bucket_arn,
                bucket_name=context.data.bucket.bucket_name,
            )
            bucket.add_event_notification(
                s3.EventType.OBJECT_CREATED,
                s3n.SqsDestination(ingest_queue),
                s3.NotificationKeyFilter(prefix=f"{INCOMING}/"),
            )
        else:
            cdk.Annotations.of(self).add_warning_v2(
                "sluiceway:no-ingest-queue",
                "No function consumes the 'ingest' queue: S3 drops under incoming/ start nothing.",
            )
