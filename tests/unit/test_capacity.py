"""The capacity model (`sluiceway.capacity`, `sluiceway plan`): transitions counted from the real
ASL file, monotone demand, the bottleneck at 5k/50k/500k tasks/min, and the CLI's JSON."""

from __future__ import annotations

import itertools
import json
import math
import subprocess
import sys
from dataclasses import replace
from typing import Any

import pytest

from sluiceway.capacity import (
    CapacityParams,
    count_transitions,
    failure_path,
    load_definition,
    load_limits,
    plan,
    transitions_for_chunks,
    with_overrides,
)
from tests.conftest import ROOT, SAMPLES

DOCUMENT = ROOT / "statemachines" / "document.asl.json"
SCALES = (5_000, 50_000, 500_000)
# Model quotas high enough that the AWS infrastructure shows its own limits.
NO_MODEL_LIMITS = replace(
    CapacityParams(), small_tpm=1e15, small_rpm=1e15, large_tpm=1e15, large_rpm=1e15
)


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return load_definition(DOCUMENT)


# Transitions, walked from statemachines/document.asl.json ---------------------------------------


@pytest.mark.parametrize(
    ("chunks", "batches"), [(1, 1), (15, 1), (32, 1), (33, 2), (64, 2), (65, 3), (320, 10)]
)
def test_document_transitions_for_a_chunk_count(
    document: dict[str, Any], chunks: int, batches: int
) -> None:
    # Extract, Plan, Chunk, Analyze (Parallel), Classify, EmbedBatches (Map), ExtractFields,
    # Finalize: 8 states entered once, plus one Embed per batch of 32 chunks.
    assert transitions_for_chunks(document, chunks) == 8 + batches
    counted = count_transitions(document, batches)
    assert dict(counted.tasks) == {
        "Extract": 1,
        "Plan": 1,
        "Chunk": 1,
        "Classify": 1,
        "Embed": batches,
        "ExtractFields": 1,
        "Finalize": 1,
    }
    assert counted.entries["Analyze"] == counted.entries["EmbedBatches"] == 1


def test_document_failure_path_is_record_failure_then_fail(document: dict[str, Any]) -> None:
    failed = failure_path(document)
    assert failed.transitions == 2
    assert dict(failed.tasks) == {"RecordFailure": 1}


def test_critical_path_takes_the_longest_branch_and_map_waves(document: dict[str, Any]) -> None:
    seconds = {"Classify": 5.0, "Embed": 2.0}
    counted = count_transitions(document, 10, lambda _s, fn: seconds.get(fn, 1.0))
    # 5 sequential tasks x 1 s + max(Classify 5 s, ceil(10 / MaxConcurrency 4) x 2 s = 6 s)
    assert counted.seconds == pytest.approx(5 * 1.0 + 6.0)


def test_walker_handles_choice_parallel_maps_and_function_names() -> None:
    machine = {
        "StartAt": "Route",
        "States": {
            "Route": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.x", "NumericEquals": 1, "Next": "Never"}],
                "Default": "Fan",
            },
            "Never": {"Type": "Fail"},
            "Fan": {
                "Type": "Map",
                "ItemProcessor": {
                    "StartAt": "Call",
                    "States": {
                        "Call": {
                            "Type": "Task",
                            "Resource": "arn:aws:states:::lambda:invoke",
                            "Parameters": {
                                "FunctionName": "arn:aws:lambda:us-east-1:1:function:worker"
                            },
                            "Next": "Done",
                        },
                        "Done": {"Type": "Succeed"},
                    },
                },
                "Next": "Both",
            },
            "Both": {
                "Type": "Parallel",
                "Branches": [
                    {"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}},
                    {
                        "StartAt": "B",
                        "States": {
                            "B": {
                                "Type": "Task",
                                "Resource": "arn:aws:lambda:us-east-1:1:function:bee",
                                "End": True,
                            }
                        },
                    },
                ],
                "End": True,
            },
        },
    }
    counted = count_transitions(machine, {"Fan": 5})
    # Route 1 + Fan 1 + 5 x (Call, Done) + Both 1 + A 1 + B 1
    assert counted.transitions == 1 + 1 + 10 + 3
    assert dict(counted.tasks) == {"worker": 5, "bee": 1}
    assert count_transitions(machine, {}).transitions == 1 + 1 + 2 + 3


def test_a_success_path_that_never_ends_is_an_error() -> None:
    loop = {"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "A"}}}
    with pytest.raises(ValueError, match="does not end"):
        count_transitions(loop)


# The model follows the pipeline's code -----------------------------------------------------------


def test_parameters_mirror_the_pipeline_constants() -> None:
    from sluiceway.domain.fields import DOCUMENT_TYPES
    from sluiceway.settings import Settings
    from sluiceway.steps.classify import CLASSIFY_CHARS, SYSTEM
    from sluiceway.steps.extract_fields import system_prompt
    from sluiceway.steps.model_calls import TIER_CHARS
    from sluiceway.steps.plan import SMALL_MODEL_MAX_CHARS

    p = CapacityParams()
    assert p.classify_chars == CLASSIFY_CHARS
    assert (p.small_tier_chars, p.large_tier_chars) == (TIER_CHARS["small"], TIER_CHARS["large"])
    assert p.small_model_max_chars == SMALL_MODEL_MAX_CHARS
    assert p.embed_batch_size == Settings().embed_batch_size
    # Prompt sizes: the system prompts' characters / 4, plus a little message overhead.
    assert len(SYSTEM) / 4 <= p.classify_prompt_tokens <= len(SYSTEM) / 4 + 30
    sizes = [len(system_prompt(t)) / 4 for t in DOCUMENT_TYPES]
    assert min(sizes) <= p.extract_prompt_tokens <= max(sizes) + 30


def test_ingest_and_step_limits_come_from_the_project_files(document: dict[str, Any]) -> None:
    trigger = json.loads((ROOT / "functions" / "ingest" / "function.json").read_text())["trigger"]
    p = CapacityParams()
    assert (p.sqs_batch_size, p.ingest_max_concurrency) == (
        trigger["batch_size"],
        trigger["max_concurrency"],
    )
    limits = load_limits(DOCUMENT)
    result = plan(5_000, p, document, limits)
    assert {r.key for r in result.pipeline_limits} == {
        f"pipeline.{step}.max_concurrency" for step in limits
    }
    functions = {f["function"]: f for f in result.functions}
    for r in result.pipeline_limits:
        step = r.key.split(".")[1]
        assert r.quota == limits[step]
        assert r.demand == functions[step]["concurrency"]
    # Pipeline limits are settings, not AWS quotas: they never make the bottleneck.
    assert not result.bottleneck.key.startswith("pipeline.")


def test_chunk_estimate_matches_the_real_chunker() -> None:
    from sluiceway.documents import chunk_text, extract_text

    sample = SAMPLES / "documents" / "quarterly-report-harrow-finch-2026-q1.pdf"
    extracted = extract_text(sample.read_bytes(), sample.name, max_bytes=50 << 20)
    settings = {"max_chars": 1200, "overlap": 150}
    real = len(chunk_text(extracted.text, **settings))
    p = CapacityParams()
    assert extracted.pages is not None
    assert len(extracted.text) / extracted.pages == pytest.approx(p.chars_per_page, rel=0.15)
    assert math.ceil(len(extracted.text) / p.chars_per_chunk) == pytest.approx(real, rel=0.15)


# The model's behaviour ----------------------------------------------------------------------------


def test_more_tasks_per_minute_never_lowers_utilization(document: dict[str, Any]) -> None:
    for workflow in ("standard", "express", "distributed"):
        params = replace(CapacityParams(), workflow=workflow)
        rates = [100, 1_000, 5_000, 20_000, 50_000, 200_000, 500_000]
        plans = [plan(r, params, document) for r in rates]
        for low, high in itertools.pairwise(plans):
            for a, b in zip(low.resources, high.resources, strict=True):
                assert a.key == b.key
                assert b.utilization >= a.utilization, (workflow, a.key)
                assert b.demand >= a.demand, (workflow, a.key)
        first, last = plans[0], plans[-1]
        assert last.bottleneck.utilization > first.bottleneck.utilization


@pytest.mark.parametrize(
    ("rate", "infra_bottleneck", "throttled_infra"),
    [
        (5_000, "sfn.state_transitions", set()),
        (
            50_000,
            "sfn.state_transitions",
            {
                "sfn.state_transitions",
                "sfn.start_execution",
                "lambda.concurrency",
                "ingest.concurrency",
                "aurora.acu",
            },
        ),
        (
            500_000,
            "sfn.state_transitions",
            {
                "sfn.state_transitions",
                "sfn.start_execution",
                "lambda.concurrency",
                "lambda.scaling",
                "ingest.concurrency",
                "aurora.acu",
                "aurora.connections",
                "s3.put",
                "s3.get",
            },
        ),
    ],
)
def test_bottleneck_at_5k_50k_500k(
    document: dict[str, Any], rate: int, infra_bottleneck: str, throttled_infra: set[str]
) -> None:
    result = plan(rate, CapacityParams(), document)
    # With an account's default Bedrock quotas, the large tier's tokens per minute throttle first
    # (~500 tasks/min), at every scale.
    assert result.bottleneck.key == "model.large.tpm"
    assert result.bottleneck.utilization > 1
    assert result.max_tasks_per_minute == pytest.approx(503, rel=0.05)
    assert result.first_non_model_bottleneck.key == infra_bottleneck
    throttled = {r.key for r in result.throttled if not r.key.startswith("model.")}
    assert throttled == throttled_infra
    # Once the model quotas are raised, the infrastructure's own order shows.
    raised = plan(rate, NO_MODEL_LIMITS, document)
    assert raised.bottleneck.key == infra_bottleneck


def test_express_and_distributed_lift_the_step_functions_limits(document: dict[str, Any]) -> None:
    standard = plan(50_000, NO_MODEL_LIMITS, document)
    express = plan(50_000, replace(NO_MODEL_LIMITS, workflow="express"), document)
    distributed = plan(500_000, replace(NO_MODEL_LIMITS, workflow="distributed"), document)
    by_key = {r.key: r for r in express.resources}
    assert by_key["sfn.state_transitions"].quota is None
    assert by_key["sfn.start_execution"].utilization < 1
    assert express.bottleneck.key == "ingest.concurrency"  # 4.2x, then Lambda (3.1x)
    assert standard.bottleneck.key == "sfn.state_transitions"
    parents = {r.key: r for r in distributed.resources}["sfn.start_execution"]
    assert parents.utilization < 0.1
    # Express costs a fraction of Standard's transitions.
    sfn_cost = {c.key: c.usd for c in standard.costs}["sfn"]
    assert {c.key: c.usd for c in express.costs}["sfn"] < sfn_cost / 5


def test_cost_per_1000_tasks(document: dict[str, Any]) -> None:
    costs = [plan(r, CapacityParams(), document) for r in SCALES]
    items = {c.key: c.usd for c in costs[0].costs}
    transitions = costs[0].derived["transitions_per_task"]
    assert items["sfn"] == pytest.approx(transitions * 0.025)
    assert items["model.small"] + items["model.large"] > 0.8 * costs[0].cost_per_1000_tasks
    # Per-task work does not depend on the rate (above Aurora's minimum capacity).
    assert costs[1].cost_per_1000_tasks == pytest.approx(costs[0].cost_per_1000_tasks, rel=0.01)
    assert costs[2].cost_per_1000_tasks == pytest.approx(costs[0].cost_per_1000_tasks, rel=0.01)


def test_quotas_to_raise_cover_every_resource_over_target(document: dict[str, Any]) -> None:
    result = plan(50_000, CapacityParams(), document)
    raised = {q["resource"]: q for q in result.quotas_to_raise}
    for r in result.resources:
        if r.quota is not None and r.utilization > 0.8:
            assert raised[r.key]["needed"] >= r.demand / 0.8
            assert raised[r.key]["adjustable"] is r.adjustable
    assert raised["aurora.acu"]["adjustable"] is False  # 256 ACUs per instance is a hard limit


def test_overrides_are_typed_and_checked() -> None:
    p = with_overrides(CapacityParams(), {"avg_pages": "40", "proxy_pinned": "false"})
    assert (p.avg_pages, p.proxy_pinned) == (40.0, False)
    with pytest.raises(ValueError, match="unknown parameter"):
        with_overrides(CapacityParams(), {"no_such": "1"})
    with pytest.raises(ValueError, match="workflow"):
        with_overrides(CapacityParams(), {"workflow": "turbo"})
    # 40 pages are past the small model's 40,000 characters: everything goes to the large tier.
    assert plan(1_000, p).derived["large_tier_share"] == 1.0


# The CLI --------------------------------------------------------------------------------------------


def run_plan(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sluiceway", "plan", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_cli_json_output() -> None:
    proc = run_plan("--tasks-per-minute", "50000", "--json", "--avg-pages", "5")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count("\n") == 1
    data = json.loads(proc.stdout)
    assert data["tasks_per_minute"] == 50000
    assert data["derived"]["transitions_per_task"] == pytest.approx(9.09)
    keys = {r["key"] for r in data["resources"]}
    assert {"sfn.start_execution", "lambda.concurrency", "aurora.acu", "model.small.tpm"} <= keys
    for r in data["resources"]:
        assert set(r) >= {"demand", "quota", "utilization", "adjustable", "source_url"}
    assert data["bottleneck"]["key"] == "model.large.tpm"
    assert data["first_non_model_bottleneck"]["key"] == "sfn.state_transitions"
    assert "sfn.state_transitions" in {q["resource"] for q in data["quotas_to_raise"]}
    total = data["cost_per_1000_tasks"]["total_usd"]
    assert total == pytest.approx(
        sum(i["usd"] for i in data["cost_per_1000_tasks"]["items"]), rel=1e-3
    )
    assert all(i["source_url"].startswith("https://") for i in data["cost_per_1000_tasks"]["items"])


def test_cli_text_output_and_usage_errors() -> None:
    proc = run_plan("--tasks-per-minute", "5000", "--workflow", "express")
    assert proc.returncode == 0, proc.stderr
    assert "Bottleneck:" in proc.stdout
    assert "Cost per 1,000 tasks" in proc.stdout
    assert run_plan("--tasks-per-minute", "5000", "--set", "nope=1").returncode == 2
    assert run_plan("--json").returncode == 2
    assert run_plan("--show-params").stdout.count("\n") == len(CapacityParams.__dataclass_fields__)


def test_cli_plan_imports_no_database_model_or_aws_library() -> None:
    code = (
        "import sys, io, contextlib\n"
        "from sluiceway.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    assert main(['plan', '--tasks-per-minute', '5000', '--json']) == 0\n"
        "heavy = [m for m in ('litellm', 'psycopg', 'boto3', 'numpy', 'pydantic') if m in sys.modules]\n"
        "print(heavy)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"
