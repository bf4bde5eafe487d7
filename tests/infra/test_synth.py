"""The deployment of this repository's project, synthesized once (module fixture): every function
folder and pipeline deployed as the naming rule says, wired and configured as the issue asks."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sluiceway.naming import cdk_id, placeholder
from sluiceway.project import ApiTrigger, SqsTrigger
from tests.infra.support import PLACEHOLDER, ROOT, Synth, env_of, module, synth

pytestmark = pytest.mark.infra


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Synth]:
    yield synth(ROOT, tmp_path_factory.mktemp("cdk.out"))


def functions_by_name(s: Synth) -> dict[str, tuple[str, str, dict[str, Any]]]:
    """FunctionName -> (stack, logical id, resource)."""
    found = {}
    for logical, (short, res) in s.all_resources("AWS::Lambda::Function").items():
        name = res["Properties"].get("FunctionName")
        if isinstance(name, str):
            found[name] = (short, logical, res)
    return found


def test_synthesizes_with_no_error_and_no_unacknowledged_nag_finding(app: Synth) -> None:
    assert app.errors == []
    assert set(app.stacks) >= {
        "data",
        "queues",
        "functions",
        "workflows",
        "ingest",
        "observability",
        "long-steps",
    }


def test_cfn_lint_finds_nothing_on_any_template(app: Synth) -> None:
    assert module("infra.lint").lint(app.outdir) == []


def test_every_function_folder_is_one_lambda_named_by_the_naming_rule(app: Synth) -> None:
    deployed = functions_by_name(app)
    folders = sorted(p.parent.name for p in (ROOT / "functions").glob("*/handler.py"))
    assert folders == sorted(fn.name for fn in app.project.functions)
    for name in folders:
        stack, logical, res = deployed[app.config.name(name)]
        assert logical.startswith(cdk_id(name)), (name, logical)
        fn = app.project.function(name)
        assert res["Properties"]["MemorySize"] == fn.memory_mb
        assert res["Properties"]["Timeout"] == fn.timeout_seconds
        expected_stack = (
            "ingest"
            if isinstance(fn.trigger, SqsTrigger)
            else "api"
            if isinstance(fn.trigger, ApiTrigger)
            else "functions"
        )
        assert stack == expected_stack, name


def test_model_functions_are_container_images_and_the_rest_use_the_core_layer(app: Synth) -> None:
    for name, (_, _, res) in functions_by_name(app).items():
        folder = name.removeprefix(app.config.prefix + "-")
        props = res["Properties"]
        if folder in app.config.model_functions:
            assert props["PackageType"] == "Image"
            assert props["ImageConfig"]["Command"] == [f"functions.{folder}.handler.lambda_handler"]
            assert props["Architectures"] == ["arm64"]
        else:
            assert props["Runtime"] == "python3.13"
            assert len(props["Layers"]) == 1


def test_functions_get_the_settings_the_aws_runtime_reads(app: Synth) -> None:
    for name, (_, _, res) in functions_by_name(app).items():
        folder = name.removeprefix(app.config.prefix + "-")
        if folder in ("migrate", "status"):
            continue
        env = env_of(res)
        assert env["SLUICEWAY_RUNTIME"] == "aws"
        assert env["LITELLM_LOCAL_MODEL_COST_MAP"] == "True"
        assert env["SLUICEWAY_MODEL_SMALL"] == "sluiceway-local/small"
        for key in ("SLUICEWAY_BUCKET", "SLUICEWAY_DATABASE_SECRET_ARN", "SLUICEWAY_DATABASE_HOST"):
            assert key in env, (name, key)
        assert env["SLUICEWAY_DATABASE_NAME"] == "sluiceway"
        assert res["Properties"]["TracingConfig"] == {"Mode": "Active"}
        assert res["Properties"]["VpcConfig"]["SecurityGroupIds"]
        if app.project.function(folder).trigger is not None:
            arns = env["SLUICEWAY_STATE_MACHINE_ARNS"]["Fn::Join"][1]
            text = "".join(p if isinstance(p, str) else "<>" for p in arns)
            assert json.loads(text.replace("<>", "x")).keys() == {
                p.name for p in app.project.pipelines
            }
            assert "SLUICEWAY_INGEST_QUEUE_URL" in env


def test_per_step_limits_become_reserved_concurrency(app: Synth) -> None:
    deployed = functions_by_name(app)
    assert app.project.max_concurrency, "statemachines/*.config.json declares limits"
    for fn in app.project.steps:
        props = deployed[app.config.name(fn.name)][2]["Properties"]
        assert props.get("ReservedConcurrentExecutions") == app.project.max_concurrency.get(fn.name)


def test_sqs_triggers_are_event_sources_with_max_concurrency_and_partial_failures(
    app: Synth,
) -> None:
    mappings = list(app.resources("ingest", "AWS::Lambda::EventSourceMapping").values())
    consumers = app.project.sqs_consumers
    assert consumers and len(mappings) == len(consumers)
    by_function = {m["Properties"]["FunctionName"]["Ref"]: m["Properties"] for m in mappings}
    for fn in consumers:
        assert isinstance(fn.trigger, SqsTrigger)
        props = next(v for k, v in by_function.items() if k.startswith(cdk_id(fn.name)))
        assert props["ScalingConfig"] == {"MaximumConcurrency": fn.trigger.max_concurrency}
        assert props["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
        assert props["BatchSize"] == fn.trigger.batch_size


def test_queues_have_dead_letter_queues_and_six_times_the_consumer_timeout(app: Synth) -> None:
    queues = {
        r["Properties"]["QueueName"]: r["Properties"]
        for r in app.resources("queues", "AWS::SQS::Queue").values()
    }
    for name, consumers in app.project.queues.items():
        props = queues[app.config.name(name)]
        assert props["VisibilityTimeout"] == 6 * max(fn.timeout_seconds for fn in consumers)
        receives = min(f.trigger.max_receive_count for f in consumers if f.trigger)
        assert props["RedrivePolicy"]["maxReceiveCount"] == receives
        assert "KmsMasterKeyId" in props
        assert "KmsMasterKeyId" in queues[app.config.name(name, "dlq")]


def test_document_bucket_is_versioned_encrypted_private_and_announces_incoming(app: Synth) -> None:
    tpl = app.assertions("data")
    match = module("aws_cdk.assertions").Match
    tpl.has_resource_properties(
        "AWS::S3::Bucket",
        {
            "VersioningConfiguration": {"Status": "Enabled"},
            "BucketEncryption": {
                "ServerSideEncryptionConfiguration": [
                    match.object_like(
                        {
                            "ServerSideEncryptionByDefault": match.object_like(
                                {"SSEAlgorithm": "aws:kms"}
                            )
                        }
                    )
                ]
            },
            "PublicAccessBlockConfiguration": {
                "BlockPublicAcls": True,
                "BlockPublicPolicy": True,
                "IgnorePublicAcls": True,
                "RestrictPublicBuckets": True,
            },
        },
    )
    notes = list(app.resources("ingest", "Custom::S3BucketNotifications").values())
    assert len(notes) == 1
    config = notes[0]["Properties"]["NotificationConfiguration"]["QueueConfigurations"]
    assert config[0]["Events"] == ["s3:ObjectCreated:*"]
    assert config[0]["Filter"]["Key"]["FilterRules"] == [{"Name": "prefix", "Value": "incoming/"}]


def test_one_standard_state_machine_per_definition_with_every_placeholder_substituted(
    app: Synth,
) -> None:
    machines = {
        r["Properties"]["StateMachineName"]: r["Properties"]
        for r in app.resources("workflows", "AWS::StepFunctions::StateMachine").values()
    }
    assert len(machines) == len(list((ROOT / "statemachines").glob("*.asl.json")))
    for pipeline in app.project.pipelines:
        props = machines[app.config.name(pipeline.name)]
        definition = props["DefinitionString"]
        assert isinstance(definition, str), "inline (from_string), where cfn-lint checks it"
        assert json.loads(definition) == json.loads(pipeline.definition)
        subs = props.get("DefinitionSubstitutions", {})
        assert set(PLACEHOLDER.findall(definition)) == set(subs)
        for folder in pipeline.functions:
            output = json.dumps(subs[placeholder(folder)])
            assert cdk_id(folder) in output, (folder, output)
        assert props["StateMachineType"] == "STANDARD"
        assert props["TracingConfiguration"] == {"Enabled": True}
        assert props["LoggingConfiguration"]["Level"] == "ALL"
        assert props["LoggingConfiguration"]["IncludeExecutionData"] is True


def test_state_machine_roles_may_invoke_the_functions_their_definition_names(app: Synth) -> None:
    policies = app.resources("workflows", "AWS::IAM::Policy")
    for pipeline in app.project.pipelines:
        name = "".join(p.capitalize() for p in pipeline.name.split("_"))
        text = json.dumps(
            [p for k, p in policies.items() if k.startswith(f"{name}StateMachineRole")]
        )
        assert "lambda:InvokeFunction" in text
        for folder in pipeline.functions:
            assert cdk_id(folder) in text, (pipeline.name, folder)


def test_database_is_aurora_serverless_v2_behind_a_tls_proxy_and_migrated_on_deploy(
    app: Synth,
) -> None:
    (cluster,) = app.resources("data", "AWS::RDS::DBCluster").values()
    props = cluster["Properties"]
    assert props["Engine"] == "aurora-postgresql"
    assert props["EngineVersion"].startswith("16.")
    assert props["StorageEncrypted"] is True
    assert props["ServerlessV2ScalingConfiguration"] == {"MinCapacity": 0.5, "MaxCapacity": 16}
    (proxy,) = app.resources("data", "AWS::RDS::DBProxy").values()
    assert proxy["Properties"]["RequireTLS"] is True
    (migrations,) = app.resources("functions", "Custom::SluicewayMigrations").values()
    assert len(migrations["Properties"]["Migrations"]) == 64
    deployed = functions_by_name(app)
    for fn in app.project.steps:
        logical = deployed[app.config.name(fn.name)][1]
        depends = app.template("functions")["Resources"][logical].get("DependsOn", [])
        assert any(d.startswith("Migrations") for d in depends), fn.name


def test_api_is_a_keyed_throttled_proxy_under_its_base_path(app: Synth) -> None:
    api = app.project.api_function
    if api is None:
        assert "api" not in app.stacks
        return
    methods = list(app.resources("api", "AWS::ApiGateway::Method").values())
    assert len(methods) == 2  # ANY /v1 and ANY /v1/{proxy+}
    for method in methods:
        assert method["Properties"]["HttpMethod"] == "ANY"
        assert method["Properties"]["ApiKeyRequired"] is True
        assert method["Properties"]["Integration"]["Type"] == "AWS_PROXY"
    paths = {
        r["Properties"]["PathPart"]
        for r in app.resources("api", "AWS::ApiGateway::Resource").values()
    }
    assert paths == {"v1", "{proxy+}"}
    (plan,) = app.resources("api", "AWS::ApiGateway::UsagePlan").values()
    assert plan["Properties"]["Throttle"] == {"RateLimit": 50, "BurstLimit": 100}
    assert plan["Properties"]["Quota"] == {"Limit": 100_000, "Period": "DAY"}
    (stage,) = app.resources("api", "AWS::ApiGateway::Stage").values()
    assert stage["Properties"]["MethodSettings"][0]["ThrottlingRateLimit"] == 50
    assert app.resources("api", "AWS::ApiGateway::UsagePlanKey")


def test_long_steps_run_as_eks_jobs_from_their_own_state_machine(app: Synth) -> None:
    (cluster,) = app.resources("long-steps", "AWS::EKS::Cluster").values()
    assert cluster["Properties"]["ComputeConfig"]["Enabled"] is True  # EKS Auto Mode
    (machine,) = app.resources("long-steps", "AWS::StepFunctions::StateMachine").values()
    definition = json.dumps(machine["Properties"]["DefinitionString"])
    assert "arn:aws:states:::eks:runJob.sync" in definition
    (entry,) = app.resources("long-steps", "AWS::EKS::AccessEntry").values()
    (policy,) = entry["Properties"]["AccessPolicies"]
    assert policy["AccessScope"] == {"Type": "namespace", "Namespaces": ["default"]}
    assert app.resources("long-steps", "AWS::EKS::PodIdentityAssociation")


def test_execution_status_changes_feed_the_status_function_and_alarms_watch(app: Synth) -> None:
    (rule,) = app.resources("observability", "AWS::Events::Rule").values()
    pattern = rule["Properties"]["EventPattern"]
    assert pattern["source"] == ["aws.states"]
    assert pattern["detail-type"] == ["Step Functions Execution Status Change"]
    alarms = app.resources("observability", "AWS::CloudWatch::Alarm")
    names = " ".join(alarms)
    for queue in app.project.queues:
        assert f"{queue.capitalize()}DeadLetters" in names
    for pipeline in app.project.pipelines:
        assert f"{pipeline.name.capitalize()}FailedExecutions" in names
    assert "FunctionThrottles1" in names and "ModelSpend" in names
    assert app.resources("observability", "AWS::CloudWatch::Dashboard")


def test_the_core_layer_carries_the_library_and_its_migrations(app: Synth) -> None:
    (layer,) = app.resources("functions", "AWS::Lambda::LayerVersion").values()
    key = layer["Properties"]["Content"]["S3Key"]
    staged = Path(app.outdir) / f"asset.{key.removesuffix('.zip')}"
    package = staged / "python" / "sluiceway"
    assert (package / "__init__.py").is_file()
    assert sorted(p.name for p in (package / "adapters/postgres/sql/migrations").glob("*.sql"))
