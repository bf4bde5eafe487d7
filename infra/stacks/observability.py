"""Observability: the task-status recorder, a dashboard and alarms.

- Step Functions execution status changes (EventBridge) feed a small function
  (``infra/lambdas/status.py``) that records RUNNING and the final status on the task row, and
  publishes the task's model cost as a metric (``Sluiceway/ModelCostUSD``).
- Alarms (to an SNS topic, optionally e-mailed): messages in any dead-letter queue, failed or
  timed-out executions, throttled functions, model spend per hour.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs

from infra.bundling import lambda_architecture, lambda_runtime
from infra.nag import LAMBDA_BASICS, LATEST_RUNTIME, XRAY, Why, suppress
from infra.stacks.data import DATABASE_NAME, removal, retention

if TYPE_CHECKING:
    from aws_cdk import aws_stepfunctions as sfn
    from constructs import Construct

    from infra.config import Config
    from infra.stacks.data import DataStack

METRICS_NAMESPACE = "Sluiceway"
FIVE_MINUTES = cdk.Duration.minutes(5)


class ObservabilityStack(cdk.Stack):
    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        config: Config,
        root: Path,
        data: DataStack,
        layer: lambda_.ILayerVersion,
        functions: Mapping[str, lambda_.IFunction],
        state_machines: dict[str, sfn.StateMachine],
        queues: dict[str, sqs.IQueue],
        dead_letter_queues: dict[str, sqs.IQueue],
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, id, **kwargs)
        self.config = config
        self.topic = sns.Topic(
            self, "Alarms", topic_name=config.name("alarms"), master_key=data.key, enforce_ssl=True
        )
        if config.alarms.email:
            self.topic.add_subscription(subscriptions.EmailSubscription(config.alarms.email))
        self.recorder_dlq = sqs.Queue(
            self,
            "StatusEventsDeadLetterQueue",
            queue_name=config.name("status-events-dlq"),
            encryption=sqs.QueueEncryption.KMS,
            encryption_master_key=data.key,
            enforce_ssl=True,
            retention_period=cdk.Duration.days(14),
        )
        suppress(
            self.recorder_dlq, Why("SQS3", "This is the dead-letter queue of the status events.")
        )
        self.recorder = self._recorder(root, data, layer, state_machines)
        self.model_cost = cw.Metric(
            namespace=METRICS_NAMESPACE,
            metric_name="ModelCostUSD",
            statistic="Sum",
            period=cdk.Duration.hours(1),
        )
        self._alarms(
            functions, state_machines, {**dead_letter_queues, "status-events": self.recorder_dlq}
        )
        self._dashboard(data, functions, state_machines, queues, dead_letter_queues)

    def _recorder(
        self,
        root: Path,
        data: DataStack,
        layer: lambda_.ILayerVersion,
        state_machines: dict[str, sfn.StateMachine],
    ) -> lambda_.Function:
        config = self.config
        function = lambda_.Function(
            self,
            "StatusFunction",
            function_name=config.name("status"),
            description="Records each execution's status on its task row; publishes model cost",
            runtime=lambda_runtime(config),
            architecture=lambda_architecture(config),
            handler="status.handler",
            code=lambda_.Code.from_asset(
                str(root / "infra" / "lambdas"), exclude=["__pycache__", "*.pyc"]
            ),
            layers=[layer],
            memory_size=256,
            timeout=cdk.Duration.seconds(30),
            environment={
                "SLUICEWAY_RUNTIME": "aws",
                "SLUICEWAY_DATABASE_SECRET_ARN": data.secret_arn,
                "SLUICEWAY_DATABASE_HOST": data.proxy.endpoint,
                "SLUICEWAY_DATABASE_NAME": DATABASE_NAME,
                "SLUICEWAY_METRICS_NAMESPACE": METRICS_NAMESPACE,
            },
            vpc=data.vpc,
            vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
            security_groups=[data.functions_sg],
            tracing=lambda_.Tracing.ACTIVE,
            log_group=logs.LogGroup(
                self,
                "StatusLogs",
                retention=retention(config),
                encryption_key=data.key,
                removal_policy=removal(config),
            ),
        )
        data.grant_secret_read(function)
        suppress(function, LAMBDA_BASICS, XRAY, LATEST_RUNTIME)
        events.Rule(
            self,
            "ExecutionStatusChanges",
            description="Sluiceway executions starting and ending -> the task rows",
            event_pattern=events.EventPattern(
                source=["aws.states"],
                detail_type=["Step Functions Execution Status Change"],
                detail={
                    "stateMachineArn": [m.state_machine_arn for m in state_machines.values()],
                    "status": ["RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"],
                },
            ),
            targets=[
                targets.LambdaFunction(
                    function,
                    dead_letter_queue=self.recorder_dlq,
                    retry_attempts=8,
                    max_event_age=cdk.Duration.hours(6),
                )
            ],
        )
        return function

    def _alarm(self, id: str, metric: cw.IMetric, threshold: float, description: str) -> cw.Alarm:
        alarm = cw.Alarm(
            self,
            id,
            metric=metric,
            threshold=threshold,
            evaluation_periods=1,
            comparison_operator=cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cw.TreatMissingData.NOT_BREACHING,
            alarm_description=description,
        )
        alarm.add_alarm_action(cw_actions.SnsAction(self.topic))
        return alarm

    def _alarms(
        self,
        functions: Mapping[str, lambda_.IFunction],
        state_machines: dict[str, sfn.StateMachine],
        dead_letter_queues: dict[str, sqs.IQueue],
    ) -> None:
        alarms = self.config.alarms
        for name, dlq in sorted(dead_letter_queues.items()):
            self._alarm(
                f"{_pascal(name)}DeadLetters",
                dlq.metric_approximate_number_of_messages_visible(
                    period=FIVE_MINUTES, statistic="Maximum"
                ),
                1,
                f"Messages in the {name} dead-letter queue: inspect, then redrive (sluiceway queues redrive).",
            )
        for name, machine in sorted(state_machines.items()):
            failed = cw.MathExpression(
                expression="failed + timedOut",
                using_metrics={
                    "failed": machine.metric_failed(period=FIVE_MINUTES),
                    "timedOut": machine.metric_timed_out(period=FIVE_MINUTES),
                },
                period=FIVE_MINUTES,
            )
            self._alarm(
                f"{_pascal(name)}FailedExecutions",
                failed,
                alarms.failed_executions,
                f"{name}: failed or timed-out executions in 5 minutes (each is a task FAILED with its error).",
            )
        ordered = sorted(functions.items())
        for i in range(0, len(ordered), 10):  # an alarm's metric math takes at most 10 metrics
            group = dict(ordered[i : i + 10])
            throttles = cw.MathExpression(
                expression=" + ".join(f"t{j}" for j in range(len(group))),
                using_metrics={
                    f"t{j}": fn.metric_throttles(period=FIVE_MINUTES, statistic="Sum")
                    for j, fn in enumerate(group.values())
                },
                period=FIVE_MINUTES,
            )
            self._alarm(
                f"FunctionThrottles{i // 10 + 1}",
                throttles,
                alarms.throttles,
                "Throttled invocations of " + ", ".join(group) + " in 5 minutes: a per-step limit "
                "(reserved concurrency) or the account's concurrency is reached.",
            )
        self._alarm(
            "ModelSpend",
            self.model_cost,
            alarms.model_spend_usd_per_hour,
            f"Model spend over ${alarms.model_spend_usd_per_hour}/hour (tasks that ended in the hour).",
        )

    def _dashboard(
        self,
        data: DataStack,
        functions: Mapping[str, lambda_.IFunction],
        state_machines: dict[str, sfn.StateMachine],
        queues: dict[str, sqs.IQueue],
        dead_letter_queues: dict[str, sqs.IQueue],
    ) -> None:
        board = cw.Dashboard(self, "Dashboard", dashboard_name=self.config.name("overview"))
        for name, machine in sorted(state_machines.items()):
            board.add_widgets(
                cw.GraphWidget(
                    title=f"{name}: executions",
                    left=[
                        machine.metric_started(period=FIVE_MINUTES),
                        machine.metric_succeeded(period=FIVE_MINUTES),
                        machine.metric_failed(period=FIVE_MINUTES),
                        machine.metric_timed_out(period=FIVE_MINUTES),
                    ],
                    width=12,
                ),
                cw.GraphWidget(
                    title=f"{name}: execution time (p50, p99)",
                    left=[
                        machine.metric_time(period=FIVE_MINUTES, statistic="p50"),
                        machine.metric_time(period=FIVE_MINUTES, statistic="p99"),
                    ],
                    width=12,
                ),
            )
        ordered = sorted(functions.items())
        board.add_widgets(
            cw.GraphWidget(
                title="Invocations",
                left=[f.metric_invocations(period=FIVE_MINUTES, label=n) for n, f in ordered],
                width=8,
            ),
            cw.GraphWidget(
                title="Errors",
                left=[f.metric_errors(period=FIVE_MINUTES, label=n) for n, f in ordered],
                width=8,
            ),
            cw.GraphWidget(
                title="Throttles",
                left=[f.metric_throttles(period=FIVE_MINUTES, label=n) for n, f in ordered],
                width=8,
            ),
        )
        board.add_widgets(
            cw.GraphWidget(
                title="Duration p90 (ms)",
                left=[
                    f.metric_duration(period=FIVE_MINUTES, statistic="p90", label=n)
                    for n, f in ordered
                ],
                width=12,
            ),
            cw.GraphWidget(
                title="Queues: visible / oldest (s)",
                left=[
                    q.metric_approximate_number_of_messages_visible(label=n)
                    for n, q in sorted(queues.items())
                ]
                + [
                    q.metric_approximate_number_of_messages_visible(label=f"{n} DLQ")
                    for n, q in sorted(dead_letter_queues.items())
                ],
                right=[
                    q.metric_approximate_age_of_oldest_message(label=n)
                    for n, q in sorted(queues.items())
                ],
                width=12,
            ),
        )
        board.add_widgets(
            cw.GraphWidget(
                title="Aurora: ACUs and connections",
                left=[data.cluster.metric("ServerlessDatabaseCapacity", period=FIVE_MINUTES)],
                right=[data.cluster.metric_database_connections(period=FIVE_MINUTES)],
                width=12,
            ),
            cw.GraphWidget(title="Model spend (USD/hour)", left=[self.model_cost], width=12),
        )


def _pascal(name: str) -> str:
    return "".join(part.capitalize() for part in name.replace("-", "_").split("_"))
