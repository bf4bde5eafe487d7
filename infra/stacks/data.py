"""Data: the KMS key, the network, the document bucket, Aurora PostgreSQL (pgvector) + RDS Proxy."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_rds as rds
from aws_cdk import aws_s3 as s3

from infra.nag import Why, suppress

if TYPE_CHECKING:
    from constructs import Construct

    from infra.config import Config

DATABASE_NAME = "sluiceway"
DATABASE_USER = "sluiceway"
# Aurora PostgreSQL 16 (the embedded runtime's major version) with pgvector; cfn-lint knows it
# as current (16.6 and older are deprecated for new clusters).
ENGINE_VERSION = rds.AuroraPostgresEngineVersion.VER_16_13


def removal(config: Config) -> cdk.RemovalPolicy:
    return (
        cdk.RemovalPolicy.RETAIN if config.removal_policy == "retain" else cdk.RemovalPolicy.DESTROY
    )


_RETENTION = {
    1: logs.RetentionDays.ONE_DAY,
    7: logs.RetentionDays.ONE_WEEK,
    14: logs.RetentionDays.TWO_WEEKS,
    30: logs.RetentionDays.ONE_MONTH,
    90: logs.RetentionDays.THREE_MONTHS,
    180: logs.RetentionDays.SIX_MONTHS,
    365: logs.RetentionDays.ONE_YEAR,
    731: logs.RetentionDays.TWO_YEARS,
}


def retention(config: Config) -> logs.RetentionDays:
    if config.log_retention_days not in _RETENTION:
        raise ValueError(
            f"sluiceway:logRetentionDays must be one of {sorted(_RETENTION)}, "
            f"not {config.log_retention_days}"
        )
    return _RETENTION[config.log_retention_days]


class DataStack(cdk.Stack):
    def __init__(self, scope: Construct, id: str, *, config: Config, **kwargs: Any) -> None:
        super().__init__(scope, id, **kwargs)
        self.config = config
        self.key = self._key()
        self.vpc = self._vpc()
        self.functions_sg = ec2.SecurityGroup(
            self,
            "FunctionsSecurityGroup",
            vpc=self.vpc,
            description="Sluiceway functions and jobs: reach RDS Proxy, AWS APIs, model providers",
        )
        self.admin_sg = ec2.SecurityGroup(
            self,
            "AdminSecurityGroup",
            vpc=self.vpc,
            description="Schema migrations: reach the Aurora writer directly",
        )
        self.access_logs = self._access_logs_bucket()
        self.bucket = self._documents_bucket()
        self.cluster, self.proxy = self._database()

    def _key(self) -> kms.Key:
        key = kms.Key(
            self,
            "DataKey",
            alias=f"alias/{self.config.prefix}-data",
            description="Sluiceway data at rest: documents, queues, database, secrets, logs, alarms",
            enable_key_rotation=True,
            removal_policy=removal(self.config),
        )
        # Services that write into encrypted resources on our behalf: EventBridge into the
        # status events' dead-letter queue, CloudWatch alarms into the topic, CloudWatch Logs.
        key.add_to_resource_policy(
            iam.PolicyStatement(
                principals=[
                    iam.ServicePrincipal("events.amazonaws.com"),
                    iam.ServicePrincipal("cloudwatch.amazonaws.com"),
                ],
                actions=["kms:GenerateDataKey*", "kms:Decrypt"],
                resources=["*"],
                conditions={"StringEquals": {"aws:SourceAccount": self.account}},
            )
        )
        key.add_to_resource_policy(
            iam.PolicyStatement(
                principals=[iam.ServicePrincipal(f"logs.{self.region}.amazonaws.com")],
                actions=[
                    "kms:Encrypt*",
                    "kms:Decrypt*",
                    "kms:ReEncrypt*",
                    "kms:GenerateDataKey*",
                    "kms:Describe*",
                ],
                resources=["*"],
                conditions={
                    "ArnLike": {
                        "kms:EncryptionContext:aws:logs:arn": self.format_arn(
                            service="logs",
                            resource="log-group",
                            resource_name="*",
                            arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
                        )
                    }
                },
            )
        )
        return key

    def _vpc(self) -> ec2.Vpc:
        vpc = ec2.Vpc(
            self,
            "Vpc",
            max_azs=self.config.max_azs,
            nat_gateways=self.config.nat_gateways,
            subnet_configuration=[
                ec2.SubnetConfiguration(
                    name="public", subnet_type=ec2.SubnetType.PUBLIC, cidr_mask=24
                ),
                ec2.SubnetConfiguration(
                    name="app", subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS, cidr_mask=20
                ),
                ec2.SubnetConfiguration(
                    name="data", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED, cidr_mask=24
                ),
            ],
        )
        # S3 traffic of the functions stays off the NAT gateway (and costs nothing).
        vpc.add_gateway_endpoint("S3Endpoint", service=ec2.GatewayVpcEndpointAwsService.S3)
        flow_logs = logs.LogGroup(
            self,
            "FlowLogs",
            retention=retention(self.config),
            encryption_key=self.key,
            removal_policy=removal(self.config),
        )
        vpc.add_flow_log(
            "FlowLog",
            destination=ec2.FlowLogDestination.to_cloud_watch_logs(flow_logs),
            traffic_type=ec2.FlowLogTrafficType.REJECT,
        )
        return vpc

    def _access_logs_bucket(self) -> s3.Bucket:
        bucket = s3.Bucket(
            self,
            "AccessLogsBucket",
            encryption=s3.BucketEncryption.S3_MANAGED,  # the only encryption S3 log delivery supports
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            lifecycle_rules=[s3.LifecycleRule(expiration=cdk.Duration.days(90))],
            removal_policy=removal(self.config),
        )
        suppress(
            bucket,
            Why(
                "S1",
                "This is the access-log bucket of the document bucket; logging it into itself would loop.",
            ),
        )
        return bucket

    def _documents_bucket(self) -> s3.Bucket:
        return s3.Bucket(
            self,
            "DocumentsBucket",
            versioned=True,
            encryption=s3.BucketEncryption.KMS,
            encryption_key=self.key,
            bucket_key_enabled=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            server_access_logs_bucket=self.access_logs,
            server_access_logs_prefix="documents/",
            lifecycle_rules=[
                s3.LifecycleRule(noncurrent_version_expiration=cdk.Duration.days(30)),
                s3.LifecycleRule(abort_incomplete_multipart_upload_after=cdk.Duration.days(2)),
            ],
            removal_policy=removal(self.config),
        )

    def _database(self) -> tuple[rds.DatabaseCluster, rds.DatabaseProxy]:
        aurora = self.config.aurora
        cluster = rds.DatabaseCluster(
            self,
            "Database",
            engine=rds.DatabaseClusterEngine.aurora_postgres(version=ENGINE_VERSION),
            writer=rds.ClusterInstance.serverless_v2("writer", enable_performance_insights=True),
            readers=[
                rds.ClusterInstance.serverless_v2(
                    f"reader{i + 1}", scale_with_writer=True, enable_performance_insights=True
                )
                for i in range(aurora.readers)
            ],
            serverless_v2_min_capacity=aurora.min_acu,
            serverless_v2_max_capacity=aurora.max_acu,
            vpc=self.vpc,
            vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED),
            credentials=rds.Credentials.from_generated_secret(
                DATABASE_USER,
                encryption_key=self.key,
                secret_name=f"{self.config.prefix}/database",
            ),
            default_database_name=DATABASE_NAME,
            storage_encrypted=True,
            storage_encryption_key=self.key,
            iam_authentication=True,
            deletion_protection=aurora.deletion_protection,
            removal_policy=removal(self.config),
            backup=rds.BackupProps(retention=cdk.Duration.days(aurora.backup_days)),
            cloudwatch_logs_exports=["postgresql"],
            cloudwatch_logs_retention=retention(self.config),
            parameter_group=rds.ParameterGroup(
                self,
                "Parameters",
                engine=rds.DatabaseClusterEngine.aurora_postgres(version=ENGINE_VERSION),
                parameters={"rds.force_ssl": "1"},
            ),
        )
        assert cluster.secret is not None
        proxy_sg = ec2.SecurityGroup(
            self, "ProxySecurityGroup", vpc=self.vpc, description="RDS Proxy in front of Aurora"
        )
        proxy_sg.add_ingress_rule(self.functions_sg, ec2.Port.tcp(5432), "functions to the proxy")
        proxy = cluster.add_proxy(
            "Proxy",
            secrets=[cluster.secret],
            vpc=self.vpc,
            vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED),
            security_groups=[proxy_sg],
            require_tls=True,
            db_proxy_name=self.config.name("proxy"),
            max_connections_percent=90,
            idle_client_timeout=cdk.Duration.minutes(30),
        )
        cluster.connections.allow_default_port_from(proxy_sg, "the proxy to Aurora")
        cluster.connections.allow_default_port_from(self.admin_sg, "migrations to Aurora")
        self.proxy_sg = proxy_sg
        suppress(
            cluster,
            Why(
                "SMG4",
                "Functions read the credentials once per container and keep pooled connections; "
                "rotating the password would break their new connections until they recycle. "
                "Rotate together with a switch to IAM authentication to the proxy.",
            ),
            Why(
                "RDS11",
                "The default PostgreSQL port: the cluster is reachable only from the proxy and migrations security groups, in isolated subnets.",
            ),
        )
        return cluster, proxy

    def grant_secret_read(self, grantee: iam.IGrantable) -> None:
        """Read the database credentials. Written out rather than ``secret.grant_read``: that
        also adds the grantee to the key's policy, a reference from this stack to the grantee's
        stack (a dependency cycle)."""
        grantee.grant_principal.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
                resources=[self.secret_arn],
            )
        )
        grantee.grant_principal.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["kms:Decrypt"],
                resources=[self.key.key_arn],
                conditions={
                    "StringEquals": {
                        "kms:ViaService": f"secretsmanager.{self.region}.amazonaws.com"
                    }
                },
            )
        )

    @property
    def secret_arn(self) -> str:
        assert self.cluster.secret is not None
        return self.cluster.secret.secret_arn
