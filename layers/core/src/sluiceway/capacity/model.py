"""The capacity model: demand on every AWS resource the ``document`` pipeline uses at a given rate,
against its default quota, and the cost per 1,000 tasks. Pure arithmetic over ``CapacityParams``
and the walk of the ASL definition (``capacity.asl``): no AWS calls, no heavy imports."""

from __future__ import annotations

import json
import math
import os
from collections import defaultdict
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sluiceway.capacity.asl import TransitionCount, count_transitions, failure_path
from sluiceway.capacity.params import CapacityParams
from sluiceway.capacity.results import CostItem, Plan, Resource
from sluiceway.capacity.services import model_resources, sfn_costs, step_functions_resources

__all__ = [
    "default_definition_path",
    "load_definition",
    "load_limits",
    "plan",
    "transitions_for_chunks",
]

# What each pipeline function does to the database per invocation, from steps/*.py and
# adapters/postgres (queries.sql): (reads, row writes, vector writes). Every durable step also
# reads its checkpoint and writes step.started, the checkpoint and step.succeeded (1 read,
# 3 writes). "chunks" and "batch" are replaced by the chunk count and chunks per Embed batch.
_DB_WORK: dict[str, tuple[float | str, float | str, float | str]] = {
    "Extract": (0, 1, 0),  # upsert_document
    "Plan": (0, 0, 0),
    "Chunk": (0, "chunks+1", 0),  # upsert_chunk per chunk, delete_chunks_from
    "Classify": (0, 1, 0),  # set_document_type
    "Embed": (1, 0, "batch"),  # get_chunks, set_embedding per chunk (HNSW insert)
    "ExtractFields": (0, 1, 0),  # set_document_fields
    "Finalize": (0, 1, 0),  # record_result
    "RecordFailure": (0, 1, 0),  # record_error
}
_DURABLE_STEP = (1.0, 3.0)
# S3 requests per invocation: the text is read back by every step that needs it.
_S3_GETS = {"Extract": 1, "Plan": 1, "Chunk": 1, "Classify": 1, "ExtractFields": 1}
_S3_PUTS = {"Extract": 1}
# Glue functions the AWS deployment adds around the state machine (per task, assumptions):
# Ingest (functions/ingest: SQS batch -> StartExecution), Complete (status event -> finish_task).
_INGEST_WRITES_PER_TASK = 1.0
_COMPLETE_WRITES_PER_TASK = 2.0


def default_definition_path() -> Path:
    """``statemachines/document.asl.json`` of the project (SLUICEWAY_PROJECT_DIR, the current
    folder, or this source checkout)."""
    candidates = []
    if env := os.environ.get("SLUICEWAY_PROJECT_DIR"):
        candidates.append(Path(env))
    candidates += [Path.cwd(), Path(__file__).resolve().parents[5]]
    for root in candidates:
        path = root / "statemachines" / "document.asl.json"
        if path.is_file():
            return path
    return candidates[-1] / "statemachines" / "document.asl.json"


def load_definition(path: Path | None = None) -> dict[str, Any]:
    data = json.loads((path or default_definition_path()).read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError("an ASL definition is a JSON object")
    return data


def load_limits(definition_path: Path | None = None) -> dict[str, int]:
    """Per-step concurrency limits from ``<pipeline>.config.json`` beside the definition."""
    path = definition_path or default_definition_path()
    config = path.with_name(path.name.replace(".asl.json", "") + ".config.json")
    if not config.is_file():
        return {}
    data = json.loads(config.read_text(encoding="utf-8"))
    limits = data.get("max_concurrency", {}) if isinstance(data, dict) else {}
    return {str(k): int(v) for k, v in limits.items()}


def transitions_for_chunks(
    definition: Mapping[str, Any], chunks: int, embed_batch_size: int = 32
) -> int:
    """State transitions of one successful execution for a document of ``chunks`` chunks."""
    batches = math.ceil(chunks / embed_batch_size)
    return int(count_transitions(definition, batches).transitions)


def _llm_seconds(p: CapacityParams, tier: str, output_tokens: float) -> float:
    if tier == "large":
        return p.large_latency_s + output_tokens / p.large_output_tps
    return p.small_latency_s + output_tokens / p.small_output_tps


def plan(
    tasks_per_minute: float,
    params: CapacityParams | None = None,
    definition: Mapping[str, Any] | None = None,
    limits: Mapping[str, int] | None = None,
) -> Plan:
    """Demand, quota and utilization of every resource at ``tasks_per_minute``, and the cost."""
    if tasks_per_minute <= 0:
        raise ValueError("tasks per minute must be positive")
    p = params or CapacityParams()
    machine = definition if definition is not None else load_definition()
    if limits is None:
        limits = load_limits() if definition is None else {}
    per_min = float(tasks_per_minute)
    rate = per_min / 60.0  # tasks per second

    # The average document --------------------------------------------------------------------
    chars = p.avg_pages * p.chars_per_page
    chunks = max(1, math.ceil(chars / p.chars_per_chunk))
    batches = math.ceil(chunks / p.embed_batch_size)
    per_batch = chunks / batches
    large = 1.0 if chars > p.small_model_max_chars else p.large_tier_share
    small = 1.0 - large
    fallback = p.invalid_json_rate
    classify_in = p.classify_prompt_tokens + min(chars, p.classify_chars) / p.chars_per_token
    extract_in_small = p.extract_prompt_tokens + min(chars, p.small_tier_chars) / p.chars_per_token
    extract_in_large = p.extract_prompt_tokens + min(chars, p.large_tier_chars) / p.chars_per_token
    extract_in = small * extract_in_small + large * extract_in_large

    def seconds_of(_state: str, fn: str) -> float:
        o = p.step_overhead_s
        small_call = _llm_seconds(p, "small", p.extract_output_tokens)
        return {
            "Extract": o + p.extract_base_s + p.extract_per_page_s * p.avg_pages,
            "Plan": o + p.plan_s,
            "Chunk": o + p.chunk_base_s + p.chunk_per_chunk_s * chunks,
            "Classify": o + (1 + fallback) * _llm_seconds(p, "small", p.classify_output_tokens),
            "Embed": o + p.embed_base_s + p.embed_per_chunk_s * per_batch,
            "ExtractFields": o
            + small * small_call
            + large * _llm_seconds(p, "large", p.extract_output_tokens)
            + fallback * small_call,
            "Finalize": o + p.finalize_s,
            "RecordFailure": o + p.record_failure_s,
        }.get(fn, p.other_task_s)

    ok: TransitionCount = count_transitions(machine, batches, seconds_of)
    failed = failure_path(machine, seconds_of)
    task_entries = sum(ok.tasks.values())
    transitions = ok.transitions + p.retry_rate * task_entries + p.failure_rate * failed.transitions
    exec_seconds = ok.seconds + ok.transitions * p.sfn_state_latency_s

    # Lambda ------------------------------------------------------------------------------------
    invocations: defaultdict[str, float] = defaultdict(float)
    for fn, n in ok.tasks.items():
        invocations[fn] += n * (1 + p.retry_rate)
    for fn, n in failed.tasks.items():
        invocations[fn] += n * p.failure_rate
    glue = {"Ingest": 1.0 / p.sqs_batch_size, "Complete": 1.0}
    durations = {fn: seconds_of(fn, fn) for fn in invocations}
    durations |= {"Ingest": p.ingest_batch_s, "Complete": p.complete_s}
    invocations.update(glue)
    functions: list[dict[str, Any]] = []
    for fn, n in invocations.items():
        functions.append(
            {
                "function": fn,
                "invocations_per_task": round(n, 4),
                "seconds": round(durations[fn], 4),
                "concurrency": round(rate * n * durations[fn], 2),
            }
        )
    concurrency = sum(f["concurrency"] for f in functions)
    busiest = max(functions, key=lambda f: f["concurrency"])
    gb = p.lambda_memory_mb / 1024.0
    lambda_requests = sum(invocations.values())
    gb_seconds = sum(invocations[fn] * durations[fn] * gb for fn in invocations)

    # Aurora ------------------------------------------------------------------------------------
    def amount(value: float | str) -> float:
        if isinstance(value, str):
            return {"chunks+1": chunks + 1.0, "batch": per_batch}[value]
        return float(value)

    reads = vectors = chunk_rows = step_rows = durable = 0.0
    for fn, n in invocations.items():
        if fn in _DB_WORK:
            r, w, v = _DB_WORK[fn]
            durable += n
            reads += n * (_DURABLE_STEP[0] + amount(r))
            if fn == "Chunk":
                chunk_rows += n * amount(w)
            else:
                step_rows += n * amount(w)
            vectors += n * amount(v)
    write_mix = {
        "checkpoints": durable,
        "events": (_DURABLE_STEP[1] - 1) * durable + 1.0,  # step.started/succeeded, task.*
        "chunk_rows": chunk_rows,
        "step_rows": step_rows + _INGEST_WRITES_PER_TASK + _COMPLETE_WRITES_PER_TASK - 1.0,
    }
    writes = sum(write_mix.values())
    acu_load = rate * (
        writes / p.db_writes_per_acu_s
        + reads / p.db_reads_per_acu_s
        + vectors / p.hnsw_inserts_per_acu_s
    )
    writer_acu = max(p.aurora_min_acu, acu_load / p.aurora_target_utilization)
    db_functions = [f for f in functions if f["function"] in _DB_WORK or f["function"] in glue]
    if p.proxy_pinned:
        db_connections = sum(f["concurrency"] for f in db_functions)
    else:
        db_connections = rate * (reads + writes + vectors) * p.db_statement_s

    # Models --------------------------------------------------------------------------------------
    small_req = 1.0 + small + fallback * 2.0
    small_in = classify_in + small * extract_in_small + fallback * (classify_in + extract_in)
    small_out = (1 + fallback) * p.classify_output_tokens + (small + fallback) * (
        p.extract_output_tokens
    )
    large_req = large
    large_in = large * extract_in_large
    large_out = large * p.extract_output_tokens

    # S3 and SQS ----------------------------------------------------------------------------------
    s3_gets = sum(invocations[fn] * k for fn, k in _S3_GETS.items())
    s3_puts = 1.0 + sum(invocations[fn] * k for fn, k in _S3_PUTS.items())  # + the upload
    sqs_requests = 1.0 + 2.0 / p.sqs_batch_size  # send by S3 notification, receive + delete

    resources = step_functions_resources(p, rate, transitions, exec_seconds)
    resources += [
        Resource(
            "lambda.concurrency",
            "Lambda concurrent executions (account)",
            "executions",
            concurrency,
            p.lambda_concurrency,
            True,
            "lambda-quotas",
        ),
        Resource(
            "lambda.scaling",
            f"Lambda scaling rate ({busiest['function']} from idle in {p.ramp_seconds:.0f} s)",
            "environments/s",
            busiest["concurrency"] / p.ramp_seconds,
            p.lambda_scale_per_s,
            False,
            "lambda-scaling",
            "not adjustable: ramp traffic up (SQS buffers it), or keep provisioned concurrency",
        ),
        Resource(
            "ingest.concurrency",
            "Ingest function concurrency (SQS trigger max_concurrency)",
            "executions",
            rate / p.sqs_batch_size * p.ingest_batch_s,
            float(p.ingest_max_concurrency),
            True,
            "project-ingest",
            "raise trigger.max_concurrency in functions/ingest/function.json",
        ),
        Resource(
            "sqs.requests",
            "SQS standard queue API requests",
            "requests/s",
            rate * sqs_requests,
            None,
            False,
            "sqs-quotas",
        ),
        Resource(
            "sqs.inflight",
            "SQS in-flight messages (ingest queue)",
            "messages",
            rate * (p.ingest_batch_s + p.sqs_batch_window_s),
            p.sqs_inflight,
            False,
            "sqs-quotas",
            "use more queues (e.g. one per tenant group)",
        ),
        Resource(
            "s3.put",
            "S3 PUT on one partitioned prefix",
            "requests/s",
            rate * s3_puts,
            p.s3_put_per_s * p.s3_partitions,
            False,
            "s3-performance",
            "spread keys over hashed prefixes; ask AWS Support to pre-partition the bucket",
        ),
        Resource(
            "s3.get",
            "S3 GET on one partitioned prefix",
            "requests/s",
            rate * s3_gets,
            p.s3_get_per_s * p.s3_partitions,
            False,
            "s3-performance",
            "spread keys over hashed prefixes; pass the text in the state when it is small",
        ),
        Resource(
            "aurora.acu",
            "Aurora Serverless v2 writer capacity",
            "ACU",
            writer_acu,
            p.aurora_max_acu,
            False,
            "aurora-capacity",
            "hard limit: shard tasks by tenant over several clusters, move vectors out of the writer",
        ),
        Resource(
            "aurora.connections",
            "Database connections through RDS Proxy"
            + (" (pinned: one per warm Lambda)" if p.proxy_pinned else " (multiplexed)"),
            "connections",
            db_connections,
            p.aurora_max_connections * p.proxy_max_connections_percent / 100.0,
            False,
            "aurora-connections",
            "hard limit: let RDS Proxy multiplex (client-side binding, no session state), shard",
        ),
    ]
    resources += model_resources(
        p, per_min, (small_req, small_in, small_out), (large_req, large_in, large_out)
    )

    hours_per_1000 = 1000.0 / rate / 3600.0
    total_acu = writer_acu * p.aurora_instances
    costs = sfn_costs(p, transitions, exec_seconds)
    costs += [
        CostItem(
            "lambda.requests",
            "Lambda requests",
            1000 * lambda_requests * p.price_lambda_request,
            f"{lambda_requests:.2f} invocations per task",
            "lambda-pricing",
        ),
        CostItem(
            "lambda.duration",
            "Lambda GB-seconds",
            1000 * gb_seconds * p.price_lambda_gb_s,
            f"{gb_seconds:.2f} GB-s per task at {p.lambda_memory_mb} MB",
            "lambda-pricing",
        ),
        CostItem(
            "sqs",
            "SQS requests",
            1000 * sqs_requests * p.price_sqs_request,
            f"{sqs_requests:.2f} requests per task",
            "sqs-pricing",
        ),
        CostItem(
            "s3",
            "S3 requests",
            1000 * (s3_puts * p.price_s3_put + s3_gets * p.price_s3_get),
            f"{s3_puts:.2f} PUT + {s3_gets:.2f} GET per task",
            "s3-pricing",
        ),
        CostItem(
            "aurora.acu",
            "Aurora ACU-hours",
            total_acu * hours_per_1000 * p.price_acu_hour,
            f"{writer_acu:.1f} ACU x {p.aurora_instances} instances"
            + (
                f" (over {p.aurora_max_acu:.0f}: {math.ceil(writer_acu / p.aurora_max_acu)} clusters)"
                if writer_acu > p.aurora_max_acu
                else ""
            ),
            "aurora-pricing",
        ),
        CostItem(
            "aurora.io",
            "Aurora I/O",
            1000 * (writes * p.io_per_write + vectors * p.io_per_vector) * p.price_aurora_io,
            f"{writes:.1f} row writes + {vectors:.1f} vector writes per task",
            "aurora-pricing",
        ),
        CostItem(
            "rds_proxy",
            "RDS Proxy",
            max(p.proxy_min_acu, total_acu) * hours_per_1000 * p.price_proxy_acu_hour,
            "billed on the cluster's ACUs",
            "rds-proxy-pricing",
        ),
        CostItem(
            "model.small",
            f"Model tokens, small tier ({p.small_model})",
            1000 * (small_in * p.price_small_in + small_out * p.price_small_out) / 1e6,
            f"{small_in:,.0f} in + {small_out:,.0f} out tokens per task",
            "bedrock-pricing",
        ),
        CostItem(
            "model.large",
            f"Model tokens, large tier ({p.large_model})",
            1000 * (large_in * p.price_large_in + large_out * p.price_large_out) / 1e6,
            f"{large_in:,.0f} in + {large_out:,.0f} out tokens per task",
            "bedrock-pricing",
        ),
    ]

    vectors_per_day = rate * 86_400 * vectors
    bytes_per_day = vectors_per_day * p.bytes_per_vector
    writer_memory = p.aurora_max_acu * 2 * 2**30
    growth = {
        "vectors_per_day": vectors_per_day,
        "vector_gb_per_day": bytes_per_day / 1e9,
        "days_until_vectors_exceed_max_writer_memory": writer_memory / bytes_per_day,
    }
    derived = {
        "document_chars": chars,
        "chunks": float(chunks),
        "embed_batches": float(batches),
        "large_tier_share": large,
        "transitions_success_path": ok.transitions,
        "transitions_failure_path": failed.transitions,
        "transitions_per_task": transitions,
        "execution_seconds": exec_seconds,
        "lambda_invocations_per_task": lambda_requests,
        "lambda_gb_seconds_per_task": gb_seconds,
        "db_reads_per_task": reads,
        "db_writes_per_task": writes,
        **{f"db_writes_{k}_per_task": v for k, v in write_mix.items()},
        "db_vector_writes_per_task": vectors,
        "aurora_writer_acu": writer_acu,
        "s3_puts_per_task": s3_puts,
        "s3_gets_per_task": s3_gets,
        "small_requests_per_task": small_req,
        "small_tokens_in_per_task": small_in,
        "small_tokens_out_per_task": small_out,
        "large_requests_per_task": large_req,
        "large_tokens_in_per_task": large_in,
        "large_tokens_out_per_task": large_out,
    }
    notes = _notes(p, ok, batches)
    by_function = {f["function"]: f for f in functions}
    pipeline_limits = [
        Resource(
            f"pipeline.{step}.max_concurrency",
            f"{step} max_concurrency (the step's queue consumer on AWS)",
            "executions",
            float(by_function[step]["concurrency"]) if step in by_function else 0.0,
            float(limit),
            True,
            "project-limits",
            f"SLUICEWAY_MAX_CONCURRENCY_{step.upper()}, or the step's consumer concurrency",
        )
        for step, limit in sorted(limits.items())
    ]
    return Plan(per_min, p, derived, functions, resources, costs, growth, notes, pipeline_limits)


def _notes(p: CapacityParams, ok: TransitionCount, batches: int) -> list[str]:
    notes = []
    events_per_task = 5 * ok.transitions
    if events_per_task > 20_000:
        notes.append(
            f"~{events_per_task:,.0f} history events per execution: close to the 25,000 limit"
        )
    if p.workflow == "standard":
        notes.append(
            "Express (at-least-once, 5 min) fits: every step is a durable, idempotent checkpoint"
        )
    if batches > 1000:
        notes.append(f"{batches} Embed batches per document: consider a Distributed Map")
    return notes
