"""Deployment settings, read from CDK context.

Every key lives under the ``sluiceway:`` prefix, in ``infra/cdk.json`` or on the command line
(``cdk deploy -c sluiceway:prefix=acme``, ``scripts/synth -c sluiceway:bundling=stage``). Values
given on the command line are strings; JSON values (numbers, objects, lists) are parsed.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

PREFIX = "sluiceway:"

Bundling = Literal["pip", "wheelhouse", "stage"]
Architecture = Literal["arm64", "x86_64"]


class ConfigError(ValueError):
    """A context value is missing or malformed."""


class ContextSource(Protocol):
    def try_get_context(self, key: str) -> Any: ...


# Offline: the deterministic local providers registered with litellm (no network, no keys).
# Bedrock: the tiers docs/scaling.md prices (cross-Region inference profiles, US geography).
MODEL_PROFILES: dict[str, dict[str, str]] = {
    "offline": {
        "small": "sluiceway-local/small",
        "large": "sluiceway-local/large",
        "fallback": "sluiceway-local/small",
    },
    "bedrock": {
        "small": "bedrock/us.anthropic.claude-3-5-haiku-20241022-v1:0",
        "large": "bedrock/us.anthropic.claude-sonnet-4-20250514-v1:0",
        "fallback": "bedrock/us.anthropic.claude-3-5-haiku-20241022-v1:0",
    },
}


@dataclass(frozen=True)
class AuroraConfig:
    min_acu: float = 0.5
    max_acu: float = 16.0
    readers: int = 1
    deletion_protection: bool = True
    backup_days: int = 7


@dataclass(frozen=True)
class ApiConfig:
    stage: str = "live"
    throttle_rate: float = 50.0
    throttle_burst: int = 100
    quota_per_day: int = 100_000
    api_keys: tuple[str, ...] = ("default",)


@dataclass(frozen=True)
class LongStepsConfig:
    """``create``: an EKS Auto Mode cluster (aws_eks_v2); ``import``: an existing cluster named
    here; ``off``: no long-step runner."""

    mode: Literal["create", "import", "off"] = "create"
    cluster_name: str | None = None
    endpoint: str | None = None
    certificate_authority: str | None = None
    namespace: str = "default"
    service_account: str = "default"
    kubernetes_version: str = "1.34"
    job_image: str = "asset"
    cpu: str = "1"
    memory: str = "4Gi"
    timeout_seconds: int = 3600


@dataclass(frozen=True)
class AlarmsConfig:
    email: str | None = None
    failed_executions: int = 5
    throttles: int = 10
    model_spend_usd_per_hour: float = 5.0


@dataclass(frozen=True)
class Config:
    prefix: str = "sluiceway"
    architecture: Architecture = "arm64"
    python_version: str = "3.13"
    bundling: Bundling = "pip"
    wheelhouse: str | None = None
    removal_policy: Literal["retain", "destroy"] = "retain"
    nat_gateways: int = 1
    max_azs: int = 2
    log_retention_days: int = 30
    aurora: AuroraConfig = field(default_factory=AuroraConfig)
    api: ApiConfig = field(default_factory=ApiConfig)
    long_steps: LongStepsConfig = field(default_factory=LongStepsConfig)
    alarms: AlarmsConfig = field(default_factory=AlarmsConfig)
    # Per-function overrides of function.json: {"extract": {"memory_mb": 2048, "timeout_seconds": 120}}
    functions: dict[str, dict[str, int]] = field(default_factory=dict)
    # Per-step overrides of statemachines/*.config.json: {"classify": 4} (folder or state name)
    max_concurrency: dict[str, int] = field(default_factory=dict)
    model_profile: str = "offline"
    models: dict[str, str] = field(default_factory=lambda: dict(MODEL_PROFILES["offline"]))
    model_functions: tuple[str, ...] = ("classify", "extract_fields")
    model_image: str = "asset"

    def name(self, *parts: str) -> str:
        """A physical name: ``sluiceway-document``, ``sluiceway-ingest-dlq``."""
        return "-".join((self.prefix, *parts))

    @property
    def uses_bedrock(self) -> bool:
        return any(m.startswith("bedrock/") for m in self.models.values())


def _parse(raw: Any) -> Any:
    if isinstance(raw, str):
        text = raw.strip()
        if (
            text[:1] in "{["
            or text in ("true", "false", "null")
            or re.fullmatch(r"-?\d+(\.\d+)?", text)
        ):
            try:
                return json.loads(text)
            except ValueError as exc:
                raise ConfigError(f"not valid JSON: {raw!r}") from exc
    return raw


def _camel_to_snake(key: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", key).lower()


def _section(raw: Any, cls: type[Any], key: str) -> Any:
    value = _parse(raw)
    if value is None:
        return cls()
    if not isinstance(value, dict):
        raise ConfigError(f"{PREFIX}{key} must be a JSON object, got {value!r}")
    fields = {_camel_to_snake(k): v for k, v in value.items()}
    if "api_keys" in fields:
        fields["api_keys"] = tuple(fields["api_keys"])
    try:
        return cls(**fields)
    except TypeError as exc:
        raise ConfigError(f"{PREFIX}{key}: {exc}") from None


def load_config(source: ContextSource) -> Config:
    """The configuration from CDK context (defaults for every key not given)."""

    def get(key: str) -> Any:
        return _parse(source.try_get_context(PREFIX + key))

    defaults = Config()
    profile = get("modelProfile") or defaults.model_profile
    if profile not in MODEL_PROFILES and profile != "custom":
        raise ConfigError(f"{PREFIX}modelProfile must be offline, bedrock or custom: {profile!r}")
    models = dict(MODEL_PROFILES.get(profile, {}))
    models.update(get("models") or {})
    if set(models) != {"small", "large", "fallback"}:
        raise ConfigError(f"{PREFIX}models needs small, large and fallback, got {sorted(models)}")
    config = Config(
        prefix=str(get("prefix") or defaults.prefix),
        architecture=get("architecture") or defaults.architecture,
        python_version=str(get("pythonVersion") or defaults.python_version),
        bundling=get("bundling") or defaults.bundling,
        wheelhouse=get("wheelhouse"),
        removal_policy=get("removalPolicy") or defaults.removal_policy,
        nat_gateways=int(_default(get("natGateways"), defaults.nat_gateways)),
        max_azs=int(get("maxAzs") or defaults.max_azs),
        log_retention_days=int(get("logRetentionDays") or defaults.log_retention_days),
        aurora=_section(source.try_get_context(PREFIX + "aurora"), AuroraConfig, "aurora"),
        api=_section(source.try_get_context(PREFIX + "api"), ApiConfig, "api"),
        long_steps=_section(
            source.try_get_context(PREFIX + "longSteps"), LongStepsConfig, "longSteps"
        ),
        alarms=_section(source.try_get_context(PREFIX + "alarms"), AlarmsConfig, "alarms"),
        functions={str(k): dict(v) for k, v in (get("functions") or {}).items()},
        max_concurrency={str(k): int(v) for k, v in (get("maxConcurrency") or {}).items()},
        model_profile=profile,
        models=models,
        model_functions=tuple(get("modelFunctions") or defaults.model_functions),
        model_image=str(get("modelImage") or defaults.model_image),
    )
    _validate(config)
    return config


def _default(value: Any, default: Any) -> Any:
    return default if value is None else value


def _validate(config: Config) -> None:
    if not re.fullmatch(r"[a-z][a-z0-9-]{1,20}", config.prefix):
        raise ConfigError(f"{PREFIX}prefix must be 2-21 of a-z, 0-9, '-': {config.prefix!r}")
    if config.architecture not in ("arm64", "x86_64"):
        raise ConfigError(f"{PREFIX}architecture must be arm64 or x86_64")
    if config.python_version not in ("3.11", "3.12", "3.13", "3.14"):
        raise ConfigError(f"{PREFIX}pythonVersion must be 3.11-3.14")
    if config.bundling not in ("pip", "wheelhouse", "stage"):
        raise ConfigError(f"{PREFIX}bundling must be pip, wheelhouse or stage")
    if config.bundling == "wheelhouse" and not config.wheelhouse:
        raise ConfigError(f"{PREFIX}bundling=wheelhouse needs {PREFIX}wheelhouse=DIR")
    if config.removal_policy not in ("retain", "destroy"):
        raise ConfigError(f"{PREFIX}removalPolicy must be retain or destroy")
    if config.long_steps.mode not in ("create", "import", "off"):
        raise ConfigError(f"{PREFIX}longSteps.mode must be create, import or off")
    if config.long_steps.mode == "import" and not (
        config.long_steps.cluster_name
        and config.long_steps.endpoint
        and config.long_steps.certificate_authority
    ):
        raise ConfigError(
            f"{PREFIX}longSteps.mode=import needs clusterName, endpoint and certificateAuthority"
        )
    if not 0 <= config.aurora.min_acu <= config.aurora.max_acu <= 256:
        raise ConfigError(f"{PREFIX}aurora: 0 <= minAcu <= maxAcu <= 256")
    for name, value in config.max_concurrency.items():
        if value < 1:
            raise ConfigError(f"{PREFIX}maxConcurrency.{name} must be at least 1")
