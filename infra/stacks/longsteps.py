"""Long steps: steps too long for Lambda's 15 minutes run as Kubernetes Jobs on EKS.

A Standard state machine ``<prefix>-long-step`` has one ``eks:runJob.sync`` state: it runs the
job image (``infra/Dockerfile``, target ``job``: the same package and handlers as the functions)
with ``{"function": "extract", "event": {...}}`` and waits for the Job to end. A pipeline calls
it with ``arn:aws:states:::states:startExecution.sync:2`` and
``"StateMachineArn": "${LongStepStateMachineArn}"``; the step's output is its durable checkpoint.

The cluster is created here (``aws_eks_v2``, EKS Auto Mode) or imported from context
(``sluiceway:longSteps`` ``{"mode": "import", "clusterName", "endpoint", "certificateAuthority"}``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecr_assets as ecr_assets
from aws_cdk import aws_eks as eks_l1
from aws_cdk import aws_eks_v2 as eks
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_stepfunctions as sfn

from infra.bundling import DOCKER_CONTEXT_EXCLUDE, docker_platform
from infra.nag import KMS_ACTIONS, OBJECT_KEYS, PARTITION, XRAY, Why, suppress
from infra.stacks.data import DATABASE_NAME, removal, retention
from infra.stacks.lambdas import grant_bedrock

if TYPE_CHECKING:
    from constructs import Construct

    from infra.config import Config
    from infra.stacks.data import DataStack

JOB_NAME_PREFIX = "sluiceway-step-"


class LongStepsStack(cdk.Stack):
    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        config: Config,
        data: DataStack,
        root: str,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, id, **kwargs)
        self.config = config
        settings = config.long_steps
        if settings.mode == "create":
            cluster = self._cluster(data)
            self.cluster_name = cluster.cluster_name
            self.cluster_arn = cluster.cluster_arn
            endpoint, authority = (
                cluster.cluster_endpoint,
                cluster.cluster_certificate_authority_data,
            )
        else:
            assert settings.cluster_name and settings.endpoint and settings.certificate_authority
            self.cluster_name = settings.cluster_name
            self.cluster_arn = self.format_arn(
                service="eks", resource="cluster", resource_name=settings.cluster_name
            )
            endpoint, authority = settings.endpoint, settings.certificate_authority
        self.job_role = self._job_role(data)
        self.image_uri = self._image(root)
        self.state_machine = self._state_machine(data, endpoint, authority)

    def _cluster(self, data: DataStack) -> eks.Cluster:
        cluster = eks.Cluster(
            self,
            "Cluster",
            cluster_name=self.config.name("long-steps"),
            version=eks.KubernetesVersion.of(self.config.long_steps.kubernetes_version),
            vpc=data.vpc,
            vpc_subnets=[ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS)],
            default_capacity_type=eks.DefaultCapacityType.AUTOMODE,
            compute=eks.ComputeConfig(node_pools=["system", "general-purpose"]),
            # Step Functions reaches the Kubernetes API on its public endpoint only.
            endpoint_access=eks.EndpointAccess.PUBLIC_AND_PRIVATE,
            cluster_logging=list(eks.ClusterLoggingTypes),
            secrets_encryption_key=data.key,
            output_config_command=False,
            removal_policy=removal(self.config),
        )
        # Jobs (Auto Mode nodes use the cluster security group) reach the database proxy.
        ec2.CfnSecurityGroupIngress(
            self,
            "JobsToProxy",
            group_id=data.proxy_sg.security_group_id,
            source_security_group_id=cluster.cluster_security_group_id,
            ip_protocol="tcp",
            from_port=5432,
            to_port=5432,
            description="long-step jobs to the proxy",
        )
        suppress(
            cluster,
            Why(
                "EKS1",
                "Step Functions' eks:runJob integration calls the Kubernetes API on its public endpoint only; access is by IAM access entries.",
            ),
            Why(
                "IAM4",
                "The EKS cluster and Auto Mode node roles use the AWS-managed EKS policies that "
                "EKS Auto Mode requires.",
                (
                    f"/^Policy::arn:{PARTITION}:iam::aws:policy\\/Amazon(EKS|EC2ContainerRegistry).*$/",
                ),
            ),
        )
        return cluster

    def _job_role(self, data: DataStack) -> iam.Role:
        settings = self.config.long_steps
        role = iam.Role(
            self,
            "JobRole",
            assumed_by=iam.SessionTagsPrincipal(iam.ServicePrincipal("pods.eks.amazonaws.com")),
            description="EKS Pod Identity role of the long-step jobs",
        )
        eks_l1.CfnPodIdentityAssociation(
            self,
            "JobIdentity",
            cluster_name=self.cluster_name,
            namespace=settings.namespace,
            service_account=settings.service_account,
            role_arn=role.role_arn,
        )
        data.bucket.grant_read_write(role)
        data.grant_secret_read(role)
        if self.config.uses_bedrock:
            grant_bedrock(self.config, role)
        suppress(role, OBJECT_KEYS, KMS_ACTIONS)
        return role

    def _image(self, root: str) -> str:
        uri = self.config.long_steps.job_image
        if uri != "asset":
            return uri
        asset = ecr_assets.DockerImageAsset(
            self,
            "JobImage",
            directory=root,
            file="infra/Dockerfile",
            target="job",
            platform=docker_platform(self.config),
            exclude=DOCKER_CONTEXT_EXCLUDE,
            ignore_mode=cdk.IgnoreMode.DOCKER,
            build_args={"PYTHON_VERSION": self.config.python_version},
        )
        return asset.image_uri

    def job_environment(self, data: DataStack) -> list[dict[str, str]]:
        env = {
            "SLUICEWAY_RUNTIME": "aws",
            "SLUICEWAY_BUCKET": data.bucket.bucket_name,
            "SLUICEWAY_DATABASE_SECRET_ARN": data.secret_arn,
            "SLUICEWAY_DATABASE_HOST": data.proxy.endpoint,
            "SLUICEWAY_DATABASE_NAME": DATABASE_NAME,
            "SLUICEWAY_MODEL_SMALL": self.config.models["small"],
            "SLUICEWAY_MODEL_LARGE": self.config.models["large"],
            "SLUICEWAY_MODEL_FALLBACK": self.config.models["fallback"],
            "LITELLM_LOCAL_MODEL_COST_MAP": "True",
            "AWS_REGION": self.region,
        }
        return [{"name": k, "value": v} for k, v in env.items()]

    def _state_machine(self, data: DataStack, endpoint: str, authority: str) -> sfn.StateMachine:
        settings = self.config.long_steps
        memory = settings.memory
        job = {
            "apiVersion": "batch/v1",
            "kind": "Job",
            "metadata": {"name.$": f"States.Format('{JOB_NAME_PREFIX}{{}}', States.UUID())"},
            "spec": {
                "backoffLimit": 0,
                "activeDeadlineSeconds": settings.timeout_seconds,
                "ttlSecondsAfterFinished": 3600,
                "template": {
                    "metadata": {"labels": {"app.kubernetes.io/name": "sluiceway-long-step"}},
                    "spec": {
                        "serviceAccountName": settings.service_account,
                        "restartPolicy": "Never",
                        "containers": [
                            {
                                "name": "step",
                                "image": self.image_uri,
                                "resources": {
                                    "requests": {"cpu": settings.cpu, "memory": memory},
                                    "limits": {"memory": memory},
                                },
                                "env": [
                                    {"name": "SLUICEWAY_STEP", "value.$": "$.function"},
                                    {
                                        "name": "SLUICEWAY_EVENT",
                                        "value.$": "States.JsonToString($.event)",
                                    },
                                    *self.job_environment(data),
                                ],
                            }
                        ],
                    },
                },
            },
        }
        run = sfn.CustomState(
            self,
            "RunStepJob",
            state_json={
                "Type": "Task",
                "Resource": "arn:aws:states:::eks:runJob.sync",
                "Parameters": {
                    "ClusterName": self.cluster_name,
                    "CertificateAuthority": authority,
                    "Endpoint": endpoint,
                    "Namespace": settings.namespace,
                    "LogOptions": {"RetrieveLogs": True},
                    "Job": job,
                },
                "TimeoutSeconds": settings.timeout_seconds + 300,
            },
        )
        log_group = logs.LogGroup(
            self,
            "LongStepExecutionLogs",
            log_group_name=f"/aws/vendedlogs/states/{self.config.name('long-step')}",
            retention=retention(self.config),
            encryption_key=data.key,
            removal_policy=removal(self.config),
        )
        machine = sfn.StateMachine(
            self,
            "LongStepStateMachine",
            state_machine_name=self.config.name("long-step"),
            state_machine_type=sfn.StateMachineType.STANDARD,
            definition_body=sfn.DefinitionBody.from_chainable(run),
            logs=sfn.LogOptions(
                destination=log_group, level=sfn.LogLevel.ALL, include_execution_data=True
            ),
            tracing_enabled=True,
            removal_policy=removal(self.config),
        )
        machine.add_to_role_policy(
            iam.PolicyStatement(actions=["eks:DescribeCluster"], resources=[self.cluster_arn])
        )
        # The state machine's role may run Jobs in the jobs' namespace, nothing else.
        eks_l1.CfnAccessEntry(
            self,
            "StateMachineAccess",
            cluster_name=self.cluster_name,
            principal_arn=machine.role.role_arn,
            access_policies=[
                eks_l1.CfnAccessEntry.AccessPolicyProperty(
                    policy_arn=f"arn:{self.partition}:eks::aws:cluster-access-policy/AmazonEKSEditPolicy",
                    access_scope=eks_l1.CfnAccessEntry.AccessScopeProperty(
                        type="namespace", namespaces=[settings.namespace]
                    ),
                )
            ],
        )
        suppress(machine, XRAY)
        return machine
