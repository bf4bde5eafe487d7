"""A fixture project (a copy of this one, changed) with other context: no API function, a
pipeline that runs a long step, an imported EKS cluster, Bedrock models, a renamed prefix and
overridden sizes and limits. One synthesis for the module."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from sluiceway.project import ApiTrigger
from tests.infra.support import ROOT, Synth, copy_project, env_of, module, synth

pytestmark = pytest.mark.infra

LONG_PIPELINE = {
    "Comment": "Extract with the long-step runner, then finalize on Lambda.",
    "StartAt": "LongExtract",
    "States": {
        "LongExtract": {
            "Type": "Task",
            "Resource": "arn:aws:states:::states:startExecution.sync:2",
            "Parameters": {
                "StateMachineArn": "${LongStepStateMachineArn}",
                "Input": {"function": "extract", "event.$": "$"},
            },
            "ResultPath": "$.long",
            "Next": "Plan",
        },
        "Plan": {"Type": "Task", "Resource": "${PlanFunctionArn}", "End": True},
    },
}
CONTEXT = {
    # What `cdk deploy` would look up with credentials (and keep in cdk.context.json).
    "availability-zones:account=123456789012:region=eu-west-1": ["eu-west-1a", "eu-west-1b"],
    "sluiceway:prefix": "acme",
    "sluiceway:modelProfile": "bedrock",
    "sluiceway:modelImage": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/sluiceway-models:2.1",
    "sluiceway:maxConcurrency": '{"Classify": 3}',
    "sluiceway:functions": '{"extract": {"memory_mb": 3008}}',
    "sluiceway:longSteps": json.dumps(
        {
            "mode": "import",
            "clusterName": "shared",
            "endpoint": "https://EXAMPLE.gr7.eu-west-1.eks.amazonaws.com",
            "certificateAuthority": "Q0VSVElGSUNBVEU=",
            "namespace": "jobs",
            "serviceAccount": "sluiceway",
            "jobImage": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/sluiceway-job:1.0",
        }
    ),
}


def without_api(root: Path) -> None:
    config = module("sluiceway.project")
    for fn in config.function_configs(root / "functions"):
        if isinstance(fn.trigger, ApiTrigger):
            shutil.rmtree(root / "functions" / fn.name)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = copy_project(ROOT, tmp_path_factory.mktemp("project"))
    without_api(root)
    (root / "statemachines/long.asl.json").write_text(json.dumps(LONG_PIPELINE), encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def app(project: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Synth]:
    # An environment-specific synthesis, as `cdk deploy` with credentials makes: the Region and
    # partition are literals in ARNs (the nag acknowledgements must match them too).
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CDK_DEFAULT_ACCOUNT", "123456789012")
        mp.setenv("CDK_DEFAULT_REGION", "eu-west-1")
        yield synth(project, tmp_path_factory.mktemp("cdk.out"), CONTEXT)


def test_no_api_function_means_no_api_stack_and_a_clean_synthesis(app: Synth) -> None:
    assert app.project.api_function is None
    assert "api" not in app.stacks
    assert app.errors == []
    assert module("infra.lint").lint(app.outdir) == []


def test_names_follow_the_prefix_and_the_environment(app: Synth) -> None:
    assert app.stacks["data"].region == "eu-west-1"
    machines = app.all_resources("AWS::StepFunctions::StateMachine")
    names = {r["Properties"]["StateMachineName"] for _, r in machines.values()}
    assert names == {f"acme-{p.name}" for p in app.project.pipelines} | {"acme-long-step"}
    assert app.stacks["data"].stack_name == "acme-data"


def test_a_pipeline_may_run_a_step_on_the_long_step_runner(app: Synth) -> None:
    machines = app.resources("workflows", "AWS::StepFunctions::StateMachine")
    (long,) = [r for r in machines.values() if r["Properties"]["StateMachineName"] == "acme-long"]
    assert set(long["Properties"]["DefinitionSubstitutions"]) == {
        "LongStepStateMachineArn",
        "PlanFunctionArn",
    }
    policies = json.dumps(
        [
            p
            for k, p in app.resources("workflows", "AWS::IAM::Policy").items()
            if k.startswith("Long")
        ]
    )
    for action in ("states:StartExecution", "states:DescribeExecution", "events:PutRule"):
        assert action in policies
    assert "StepFunctionsGetEventsForStepFunctionsExecutionRule" in policies


def test_an_imported_cluster_is_used_not_created(app: Synth) -> None:
    assert not app.resources("long-steps", "AWS::EKS::Cluster")
    (entry,) = app.resources("long-steps", "AWS::EKS::AccessEntry").values()
    assert entry["Properties"]["ClusterName"] == "shared"
    assert entry["Properties"]["AccessPolicies"][0]["AccessScope"]["Namespaces"] == ["jobs"]
    (identity,) = app.resources("long-steps", "AWS::EKS::PodIdentityAssociation").values()
    assert identity["Properties"]["ServiceAccount"] == "sluiceway"
    (machine,) = app.resources("long-steps", "AWS::StepFunctions::StateMachine").values()
    assert "sluiceway-job:1.0" in json.dumps(machine["Properties"]["DefinitionString"])
    assert not app.all_resources("AWS::ECR::Repository")


def test_bedrock_models_are_configured_and_granted_to_model_functions_only(app: Synth) -> None:
    policies = app.resources("functions", "AWS::IAM::Policy")
    for logical, policy in policies.items():
        granted = "bedrock:InvokeModel" in json.dumps(policy)
        model_fn = logical.startswith(("ClassifyFunction", "ExtractFieldsFunction"))
        assert granted == model_fn, logical
    functions = app.resources("functions", "AWS::Lambda::Function")
    classify = next(r for k, r in functions.items() if k.startswith("ClassifyFunction"))
    assert env_of(classify)["SLUICEWAY_MODEL_LARGE"].startswith("bedrock/")
    # A prebuilt model image: no image is built at deploy.
    assert "sluiceway-models:2.1" in json.dumps(classify["Properties"]["Code"]["ImageUri"])


def test_context_overrides_sizes_and_limits(app: Synth) -> None:
    functions = app.resources("functions", "AWS::Lambda::Function")
    extract = next(r for k, r in functions.items() if k.startswith("ExtractFunction"))
    classify = next(r for k, r in functions.items() if k.startswith("ClassifyFunction"))
    assert extract["Properties"]["MemorySize"] == 3008
    assert classify["Properties"]["ReservedConcurrentExecutions"] == 3


def test_a_definition_calling_a_missing_function_is_refused(tmp_path: Path) -> None:
    root = copy_project(ROOT, tmp_path)
    (root / "statemachines/bad.asl.json").write_text(
        json.dumps(
            {
                "StartAt": "A",
                "States": {"A": {"Type": "Task", "Resource": "${NopeFunctionArn}", "End": True}},
            }
        ),
        encoding="utf-8",
    )
    with pytest.raises(module("infra.project").ProjectError, match="functions/nope/"):
        module("infra.project").load_project(root)


def test_an_integration_without_iam_here_is_refused(tmp_path: Path) -> None:
    root = copy_project(ROOT, tmp_path)
    state = {"Type": "Task", "Resource": "arn:aws:states:::sns:publish", "End": True}
    (root / "statemachines/sns.asl.json").write_text(
        json.dumps({"StartAt": "A", "States": {"A": state}}), encoding="utf-8"
    )
    main = module("infra.main")
    with pytest.raises(module("infra.project").ProjectError, match="sns:publish"):
        main.build(main.new_app({"sluiceway:bundling": "stage"}), root=root, nag=False)
