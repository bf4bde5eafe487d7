"""Workflows: one Standard state machine per ``statemachines/<pipeline>.asl.json``.

The definition is loaded as a string (``DefinitionBody.from_string``) so that it lands inline in
the template, where cfn-lint validates it, with every ``${XFunctionArn}`` placeholder resolved
by a definition substitution. A definition file gets no IAM from CDK: this stack grants the
state machine's role exactly what its Task states call, and refuses integrations it does not
know how to grant.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_stepfunctions as sfn

from infra.nag import FUNCTION_VERSIONS, PARTITION, XRAY, Why, suppress
from infra.project import ProjectError
from infra.stacks.data import removal, retention
from sluiceway.naming import placeholder

if TYPE_CHECKING:
    from aws_cdk import aws_lambda as lambda_
    from constructs import Construct

    from infra.config import Config
    from infra.project import Pipeline, Project
    from infra.stacks.data import DataStack
    from infra.stacks.longsteps import LongStepsStack

LONG_STEP_PLACEHOLDER = "LongStepStateMachineArn"
_FUNCTION_RESOURCE = re.compile(r"^\$\{[A-Za-z0-9]+FunctionArn\}$")
_LAMBDA_INVOKE = re.compile(r"^arn:aws:states:::lambda:invoke(\.waitForTaskToken)?$")
_START_EXECUTION = re.compile(r"^arn:aws:states:::states:startExecution(\.sync(:2)?)?$")


def substitutions(
    pipeline: Pipeline,
    functions: dict[str, lambda_.IFunction],
    long_step_arn: str | None,
) -> dict[str, str]:
    """The definition substitutions of a pipeline: one per placeholder, or an error."""
    values = {placeholder(name): functions[name].function_arn for name in pipeline.functions}
    if long_step_arn is not None and LONG_STEP_PLACEHOLDER in pipeline.placeholders:
        values[LONG_STEP_PLACEHOLDER] = long_step_arn
    missing = sorted(pipeline.placeholders - set(values))
    if missing:
        raise ProjectError(
            f"{pipeline.path.name}: no value for "
            + ", ".join("${" + m + "}" for m in missing)
            + (
                " (long steps are off: sluiceway:longSteps)"
                if LONG_STEP_PLACEHOLDER in missing
                else ""
            )
        )
    return values


class WorkflowsStack(cdk.Stack):
    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        config: Config,
        project: Project,
        data: DataStack,
        functions: dict[str, lambda_.IFunction],
        long_steps: LongStepsStack | None,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, id, **kwargs)
        self.config = config
        self.state_machines: dict[str, sfn.StateMachine] = {}
        long_step = long_steps.state_machine if long_steps else None
        for pipeline in project.pipelines:
            self.state_machines[pipeline.name] = self._state_machine(
                pipeline, data, functions, long_step
            )

    def _state_machine(
        self,
        pipeline: Pipeline,
        data: DataStack,
        functions: dict[str, lambda_.IFunction],
        long_step: sfn.IStateMachine | None,
    ) -> sfn.StateMachine:
        config = self.config
        subs = substitutions(
            pipeline, functions, long_step.state_machine_arn if long_step else None
        )
        name = "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", pipeline.name))
        log_group = logs.LogGroup(
            self,
            f"{name}ExecutionLogs",
            log_group_name=f"/aws/vendedlogs/states/{config.name(pipeline.name)}",
            retention=retention(config),
            encryption_key=data.key,
            removal_policy=removal(config),
        )
        machine = sfn.StateMachine(
            self,
            f"{name}StateMachine",
            # Executions are named after task ids: the console shows sluiceway-document/<task id>.
            state_machine_name=config.name(pipeline.name),
            state_machine_type=sfn.StateMachineType.STANDARD,
            definition_body=sfn.DefinitionBody.from_string(pipeline.definition),
            definition_substitutions=subs,
            logs=sfn.LogOptions(
                destination=log_group, level=sfn.LogLevel.ALL, include_execution_data=True
            ),
            tracing_enabled=True,
            removal_policy=removal(config),
        )
        self._grant(pipeline, machine, functions, long_step)
        suppress(machine, XRAY, FUNCTION_VERSIONS)
        return machine

    def _grant(
        self,
        pipeline: Pipeline,
        machine: sfn.StateMachine,
        functions: dict[str, lambda_.IFunction],
        long_step: sfn.IStateMachine | None,
    ) -> None:
        for name in sorted(pipeline.functions):
            functions[name].grant_invoke(machine)
        for resource in pipeline.task_resources():
            if _FUNCTION_RESOURCE.match(resource) or _LAMBDA_INVOKE.match(resource):
                continue  # granted above: every function the definition names
            if _START_EXECUTION.match(resource) and long_step is not None:
                self._grant_long_step(machine)
                continue
            raise ProjectError(
                f"{pipeline.path.name}: a Task calls {resource!r}, which infra/stacks/workflows.py "
                "does not grant; add its IAM there"
            )

    def _grant_long_step(self, machine: sfn.StateMachine) -> None:
        # ARNs from the deterministic name: an execution ARN derived from a cross-stack
        # reference is an Fn::Split of Fn::GetStackOutput, which cfn-lint cannot check yet.
        name = self.config.name("long-step")
        machine.add_to_role_policy(
            iam.PolicyStatement(
                actions=["states:StartExecution"],
                resources=[
                    self.format_arn(
                        service="states",
                        resource="stateMachine",
                        resource_name=name,
                        arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
                    )
                ],
            )
        )
        machine.add_to_role_policy(
            iam.PolicyStatement(
                actions=["states:DescribeExecution", "states:StopExecution"],
                resources=[
                    self.format_arn(
                        service="states",
                        resource="execution",
                        resource_name=f"{name}:*",
                        arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
                    )
                ],
            )
        )
        machine.add_to_role_policy(
            iam.PolicyStatement(
                actions=["events:PutTargets", "events:PutRule", "events:DescribeRule"],
                resources=[
                    self.format_arn(
                        service="events",
                        resource="rule",
                        resource_name="StepFunctionsGetEventsForStepFunctionsExecutionRule",
                    )
                ],
            )
        )
        suppress(
            machine,
            Why(
                "IAM5",
                "Describe/stop the executions of the long-step state machine this one starts "
                "(execution ARNs end with the execution name).",
                (f"/^Resource::arn:{PARTITION}:states:.*:execution:.*:\\*$/",),
            ),
        )
