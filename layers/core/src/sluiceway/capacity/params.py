"""Every assumption of the capacity model, as one dataclass with documented defaults, and the pages
the quotas and prices come from. Override any field with ``sluiceway plan --set NAME=VALUE``."""

from __future__ import annotations

from dataclasses import MISSING, dataclass, field, fields, replace
from typing import Any

__all__ = ["SOURCES", "CapacityParams", "describe_params", "with_overrides"]

# key -> (what it backs, where it was read). Quoted in docs/scaling.md; `plan --json` lists them.
SOURCES: dict[str, tuple[str, str]] = {
    "sfn-quotas": (
        "Step Functions quotas: StartExecution and StateTransition token buckets, open executions",
        "https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html",
    ),
    "sfn-pricing": (
        "Step Functions pricing: $0.025 per 1,000 transitions (retries count); Express per request"
        " and GB-second in 64 MB steps",
        "https://aws.amazon.com/step-functions/pricing/",
    ),
    "sfn-map": (
        "Map state: Inline up to 40 concurrent iterations; Distributed 10,000 child executions",
        "https://docs.aws.amazon.com/step-functions/latest/dg/state-map-distributed.html",
    ),
    "lambda-quotas": (
        "Lambda: 1,000 concurrent executions per Region by default, raisable",
        "https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html",
    ),
    "lambda-scaling": (
        "Lambda: each function scales by at most 1,000 execution environments every 10 seconds",
        "https://docs.aws.amazon.com/lambda/latest/dg/scaling-behavior.html",
    ),
    "lambda-pricing": (
        "Lambda: $0.20 per 1M requests; Arm $0.0000133334 per GB-second (first tier, us-east-1)",
        "https://aws.amazon.com/lambda/pricing/",
    ),
    "sqs-quotas": (
        "SQS: standard queues nearly unlimited API calls per second; 10 messages per batch",
        "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/quotas-messages.html",
    ),
    "sqs-pricing": (
        "SQS: standard queue $0.40 per 1M requests (each 64 KB chunk is a request)",
        "https://aws.amazon.com/sqs/pricing/",
    ),
    "s3-performance": (
        "S3: 3,500 PUT/COPY/POST/DELETE and 5,500 GET/HEAD per second per partitioned prefix",
        "https://docs.aws.amazon.com/AmazonS3/latest/userguide/optimizing-performance.html",
    ),
    "s3-pricing": (
        "S3 Standard: $0.005 per 1,000 PUT/COPY/POST/LIST, $0.0004 per 1,000 GET",
        "https://aws.amazon.com/s3/pricing/",
    ),
    "aurora-capacity": (
        "Aurora Serverless v2: 0.5 to 256 ACUs per instance (128 on older versions), ~2 GiB each",
        "https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-serverless-v2.requirements.html",
    ),
    "aurora-connections": (
        "Aurora PostgreSQL Serverless v2: max_connections at most 5,000 (2,000 with min 0.5 ACU)",
        "https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-serverless-v2.setting-capacity.html",
    ),
    "aurora-pricing": (
        "Aurora Serverless v2 (Aurora Standard): $0.12 per ACU-hour, $0.20 per 1M I/O requests",
        "https://aws.amazon.com/rds/aurora/pricing/",
    ),
    "rds-proxy": (
        "RDS Proxy: 20 proxies per account; no multiplexing for the PostgreSQL extended query"
        " protocol; MaxConnectionsPercent default 100",
        "https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/rds-proxy.html",
    ),
    "rds-proxy-pricing": (
        "RDS Proxy for Aurora Serverless v2: $0.015 per ACU-hour, 8 ACU minimum",
        "https://aws.amazon.com/rds/proxy/pricing/",
    ),
    "bedrock-quotas": (
        "Bedrock cross-Region defaults: Claude 3.5 Haiku 4,000,000 TPM / 2,000 RPM; Claude Sonnet 4"
        " 200,000 TPM / 200 RPM (RPM not adjustable)",
        "https://docs.aws.amazon.com/general/latest/gr/bedrock.html",
    ),
    "bedrock-burndown": (
        "Bedrock: output tokens of Claude Sonnet 4/4.5, 3.7 Sonnet and Opus 4 use 5 quota tokens",
        "https://docs.aws.amazon.com/bedrock/latest/userguide/quotas-token-burndown.html",
    ),
    "bedrock-pricing": (
        "Bedrock on-demand: Claude 3.5 Haiku $0.80/$4.00, Claude Sonnet 4 $3/$15 per 1M in/out",
        "https://aws.amazon.com/bedrock/pricing/",
    ),
    "project-ingest": (
        "The ingest function's SQS trigger: batch_size 10, max_concurrency 5",
        "functions/ingest/function.json",
    ),
    "project-limits": (
        "Per-step concurrency limits (on AWS: each step's queue consumer concurrency)",
        "statemachines/document.config.json",
    ),
    "assumption": ("An assumption of this model (no AWS page): change it with --set", ""),
}


def _p(default: Any, help: str, source: str = "assumption") -> Any:
    """A documented parameter: ``help`` is shown by ``plan --show-params`` and in the JSON."""
    return field(default=default, metadata={"help": help, "source": source})


@dataclass(frozen=True)
class CapacityParams:
    """Assumptions of the capacity model. Quotas default to an account's AWS defaults in us-east-1,
    us-west-2 and eu-west-1; prices to us-east-1 on-demand list prices."""

    # The workload ------------------------------------------------------------------------------
    avg_pages: float = _p(5.0, "pages in an average document")
    chars_per_page: float = _p(2_560.0, "extracted characters per page (sample PDF report: 2,561)")
    chars_per_chunk: float = _p(
        900.0, "new characters per chunk at chunk_chars=1200/overlap=150 (samples: ~900)"
    )
    embed_batch_size: int = _p(32, "chunks per Embed Map item (SLUICEWAY_EMBED_BATCH_SIZE)")
    chars_per_token: float = _p(4.0, "characters per model token")
    large_tier_share: float = _p(
        0.10, "share of documents planned on the large model (all if avg text > 40,000 chars)"
    )
    small_model_max_chars: int = _p(40_000, "Plan: longer texts need the large tier")
    retry_rate: float = _p(0.01, "share of Task states retried once (transient errors)")
    failure_rate: float = _p(0.01, "share of tasks ending in RecordFailure -> DocumentFailed")
    invalid_json_rate: float = _p(0.02, "share of model answers retried on the fallback model")

    # Prompts (from steps/classify.py and steps/extract_fields.py) -----------------------------
    classify_chars: int = _p(8_000, "Classify reads the first 8,000 characters (CLASSIFY_CHARS)")
    small_tier_chars: int = _p(40_000, "ExtractFields clip for the small tier (TIER_CHARS)")
    large_tier_chars: int = _p(400_000, "ExtractFields clip for the large tier (TIER_CHARS)")
    classify_prompt_tokens: float = _p(60.0, "Classify system prompt + message overhead")
    extract_prompt_tokens: float = _p(180.0, "ExtractFields system prompt with the JSON schema")
    classify_output_tokens: float = _p(20.0, "Classify answer {document_type, confidence}")
    extract_output_tokens: float = _p(120.0, "ExtractFields answer (the fields as JSON)")

    # Step durations (Lambda billed time) --------------------------------------------------------
    lambda_memory_mb: int = _p(1024, "memory of every pipeline function (arm64)")
    step_overhead_s: float = _p(0.03, "durable-step checkpoint round trips per invocation")
    extract_base_s: float = _p(0.25, "Extract: S3 get/put and the documents row")
    extract_per_page_s: float = _p(0.08, "Extract: parsing time per page")
    plan_s: float = _p(0.15, "Plan: read text, score complexity")
    chunk_base_s: float = _p(0.10, "Chunk: read text, plan batches")
    chunk_per_chunk_s: float = _p(0.004, "Chunk: one chunk row")
    embed_base_s: float = _p(0.05, "Embed: read the batch's chunks")
    embed_per_chunk_s: float = _p(0.01, "Embed: hash-embed one chunk and write its vector")
    finalize_s: float = _p(0.08, "Finalize: record the result")
    record_failure_s: float = _p(0.08, "RecordFailure: record the error")
    other_task_s: float = _p(0.5, "any Task state of another definition")
    ingest_batch_s: float = _p(0.25, "Ingest: one SQS batch -> task rows + StartExecution calls")
    complete_s: float = _p(0.05, "Complete: execution status event -> task status")
    small_latency_s: float = _p(0.5, "small model: time to first token")
    large_latency_s: float = _p(1.2, "large model: time to first token")
    small_output_tps: float = _p(150.0, "small model: output tokens per second")
    large_output_tps: float = _p(60.0, "large model: output tokens per second")
    sfn_state_latency_s: float = _p(0.03, "Step Functions scheduling latency per state")

    # Deployment choices -------------------------------------------------------------------------
    workflow: str = _p("standard", "standard | express | distributed (see docs/scaling.md)")
    distributed_batch_tasks: int = _p(1_000, "distributed: documents per parent execution")
    distributed_parent_transitions: float = _p(
        1.0, "distributed: parent transitions per child execution started"
    )
    express_memory_mb: int = _p(64, "express: billed memory per execution (64 MB steps)")
    sqs_batch_size: int = _p(10, "Ingest: messages per SQS batch", "project-ingest")
    ingest_max_concurrency: int = _p(5, "Ingest: SQS trigger max_concurrency", "project-ingest")
    sqs_batch_window_s: float = _p(1.0, "Ingest: SQS event source batching window")
    aurora_instances: int = _p(2, "Aurora Serverless v2 writer + one reader scaling with it")
    aurora_min_acu: float = _p(1.0, "Aurora minimum ACU (>= 1 keeps max_connections at 5,000)")
    aurora_target_utilization: float = _p(0.7, "keep Aurora CPU below this share")
    proxy_pinned: bool = _p(
        True, "RDS Proxy cannot multiplex psycopg's extended-protocol sessions", "rds-proxy"
    )
    proxy_max_connections_percent: float = _p(90.0, "RDS Proxy MaxConnectionsPercent")
    s3_partitions: int = _p(1, "S3 prefix partitions serving the bucket (S3 adds more slowly)")
    ramp_seconds: float = _p(60.0, "time to reach full rate from idle (Lambda scaling check)")
    target_utilization: float = _p(0.8, "raise a quota when demand passes this share of it")

    # Database work per statement (benchmarks to take on your cluster) ------------------------
    db_writes_per_acu_s: float = _p(250.0, "single-row writes (with commit) per second per ACU")
    db_reads_per_acu_s: float = _p(1_000.0, "primary-key reads per second per ACU")
    hnsw_inserts_per_acu_s: float = _p(80.0, "pgvector HNSW inserts (384-d) per second per ACU")
    db_statement_s: float = _p(0.002, "time a statement holds its connection (multiplexed)")
    io_per_write: float = _p(1.0, "billed Aurora I/Os per row write")
    io_per_vector: float = _p(4.0, "billed Aurora I/Os per vector write (row + HNSW pages)")
    bytes_per_vector: float = _p(2_300.0, "384 float32 + HNSW graph + chunk text, per chunk")

    # Quotas (account defaults) -------------------------------------------------------------------
    sfn_start_refill_per_s: float = _p(
        300.0, "Standard StartExecution refill (150 elsewhere)", "sfn-quotas"
    )
    sfn_start_bucket: float = _p(
        1_300.0, "Standard StartExecution bucket (800 elsewhere)", "sfn-quotas"
    )
    sfn_transition_refill_per_s: float = _p(
        1_500.0, "Standard StateTransition refill (500 elsewhere)", "sfn-quotas"
    )
    sfn_transition_bucket: float = _p(
        5_000.0, "StateTransition bucket (800 elsewhere)", "sfn-quotas"
    )
    sfn_express_start_refill_per_s: float = _p(
        6_000.0, "Express StartExecution refill", "sfn-quotas"
    )
    sfn_open_executions: float = _p(1_000_000.0, "open Standard executions", "sfn-quotas")
    sfn_map_children: float = _p(10_000.0, "Distributed Map child executions at once", "sfn-map")
    lambda_concurrency: float = _p(1_000.0, "account concurrent executions", "lambda-quotas")
    lambda_scale_per_s: float = _p(
        100.0, "new environments per second per function (1,000 per 10 s)", "lambda-scaling"
    )
    sqs_inflight: float = _p(120_000.0, "in-flight messages per standard queue", "sqs-quotas")
    s3_put_per_s: float = _p(3_500.0, "PUT per second per partitioned prefix", "s3-performance")
    s3_get_per_s: float = _p(5_500.0, "GET per second per partitioned prefix", "s3-performance")
    aurora_max_acu: float = _p(256.0, "ACUs per Serverless v2 instance (hard)", "aurora-capacity")
    aurora_max_connections: float = _p(5_000.0, "PostgreSQL max_connections", "aurora-connections")
    small_model: str = _p("Claude 3.5 Haiku", "small tier, Bedrock cross-Region", "bedrock-quotas")
    small_tpm: float = _p(4_000_000.0, "small tier tokens per minute", "bedrock-quotas")
    small_rpm: float = _p(
        2_000.0, "small tier requests per minute (not adjustable)", "bedrock-quotas"
    )
    small_output_burndown: float = _p(
        1.0, "quota tokens per small output token", "bedrock-burndown"
    )
    large_model: str = _p("Claude Sonnet 4", "large tier, Bedrock cross-Region", "bedrock-quotas")
    large_tpm: float = _p(200_000.0, "large tier tokens per minute", "bedrock-quotas")
    large_rpm: float = _p(
        200.0, "large tier requests per minute (not adjustable)", "bedrock-quotas"
    )
    large_output_burndown: float = _p(
        5.0, "quota tokens per large output token", "bedrock-burndown"
    )

    # Prices (USD) ----------------------------------------------------------------------------------
    price_transition: float = _p(0.000025, "per Standard state transition", "sfn-pricing")
    price_express_request: float = _p(0.000001, "per Express execution", "sfn-pricing")
    price_express_gb_s: float = _p(0.00001667, "per Express GB-second", "sfn-pricing")
    price_lambda_request: float = _p(0.0000002, "per Lambda request", "lambda-pricing")
    price_lambda_gb_s: float = _p(0.0000133334, "per Lambda GB-second (arm64)", "lambda-pricing")
    price_sqs_request: float = _p(0.0000004, "per SQS standard request", "sqs-pricing")
    price_s3_put: float = _p(0.000005, "per S3 PUT", "s3-pricing")
    price_s3_get: float = _p(0.0000004, "per S3 GET", "s3-pricing")
    price_acu_hour: float = _p(0.12, "per Aurora Serverless v2 ACU-hour", "aurora-pricing")
    price_aurora_io: float = _p(0.0000002, "per Aurora I/O (Aurora Standard)", "aurora-pricing")
    price_proxy_acu_hour: float = _p(0.015, "per RDS Proxy ACU-hour", "rds-proxy-pricing")
    proxy_min_acu: float = _p(8.0, "RDS Proxy bills at least 8 ACUs", "rds-proxy-pricing")
    price_small_in: float = _p(0.80, "small tier, per 1M input tokens", "bedrock-pricing")
    price_small_out: float = _p(4.00, "small tier, per 1M output tokens", "bedrock-pricing")
    price_large_in: float = _p(3.00, "large tier, per 1M input tokens", "bedrock-pricing")
    price_large_out: float = _p(15.00, "large tier, per 1M output tokens", "bedrock-pricing")

    def __post_init__(self) -> None:
        if self.workflow not in ("standard", "express", "distributed"):
            raise ValueError(
                f"workflow must be standard, express or distributed: {self.workflow!r}"
            )
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, int | float) and not isinstance(value, bool) and value < 0:
                raise ValueError(f"{f.name} must not be negative: {value}")
        if self.chars_per_chunk <= 0 or self.chars_per_token <= 0 or self.embed_batch_size < 1:
            raise ValueError("chars_per_chunk, chars_per_token and embed_batch_size must be > 0")


def describe_params() -> list[dict[str, Any]]:
    """Every parameter: name, default, meaning, source key."""
    return [
        {
            "name": f.name,
            "default": f.default if f.default is not MISSING else None,
            "help": f.metadata.get("help", ""),
            "source": f.metadata.get("source", "assumption"),
        }
        for f in fields(CapacityParams)
    ]


def _coerce(name: str, text: str, current: Any) -> Any:
    if isinstance(current, bool):
        if text.lower() in ("1", "true", "yes", "on"):
            return True
        if text.lower() in ("0", "false", "no", "off"):
            return False
        raise ValueError(f"{name} expects true or false, got {text!r}")
    if isinstance(current, int):
        return int(float(text.replace("_", "")))
    if isinstance(current, float):
        return float(text.replace("_", ""))
    return text


def with_overrides(params: CapacityParams, overrides: dict[str, str]) -> CapacityParams:
    """``params`` with fields replaced from text values (``--set NAME=VALUE``)."""
    known = {f.name for f in fields(CapacityParams)}
    changes: dict[str, Any] = {}
    for name, text in overrides.items():
        if name not in known:
            raise ValueError(f"unknown parameter {name!r} (see sluiceway plan --show-params)")
        try:
            changes[name] = _coerce(name, text, getattr(params, name))
        except ValueError as exc:
            raise ValueError(f"{name}: {exc}") from None
    return replace(params, **changes)
