"""The ``ModelRouter`` port over litellm: one call path for local and hosted models."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from sluiceway.adapters.postgres.limits import Bucket
from sluiceway.domain.steps import Usage
from sluiceway.errors import ModelRateLimited, ModelUnavailable
from sluiceway.ports import ModelAnswer, ModelRequest

if TYPE_CHECKING:
    from sluiceway.adapters.postgres.limits import PostgresRateLimiter
    from sluiceway.settings import Settings


def _import_litellm() -> Any:
    # litellm downloads its price map at import unless told not to: never let it.
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    import litellm

    litellm.suppress_debug_info = True
    litellm.drop_params = True
    return litellm


def estimate_tokens(request: ModelRequest) -> int:
    """Tokens to reserve before a call: the prompt at ~4 characters a token, plus the answer."""
    chars = sum(len(m.get("content", "")) for m in request.messages)
    return chars // 4 + request.max_output_tokens


class LitellmModelRouter:
    """Maps a request's tier to a model name from settings and calls it through litellm. With a
    rate limiter, every call first reserves a request and its estimated tokens in the model's
    buckets (and the tenant's), and gives back the difference once the real usage is known."""

    def __init__(self, settings: Settings, limiter: PostgresRateLimiter | None = None) -> None:
        self.models = {"small": settings.model_small, "large": settings.model_large}
        self.fallback_model = settings.model_fallback
        self.rate_limits = settings.rate_limits
        self.max_wait = settings.rate_limit_max_wait_seconds
        self.limiter = limiter
        if limiter is not None:
            limiter.configure(
                [
                    Bucket(f"{scope}|{unit}", per_minute)
                    for scope, limits in settings.rate_limits.items()
                    for unit, per_minute in limits.items()
                ]
            )
        self._litellm = _import_litellm()
        from sluiceway.adapters.llm import local_provider

        local_provider.register()

    def model_for(self, request: ModelRequest, *, fallback: bool = False) -> str:
        if fallback:
            return self.fallback_model
        return self.models.get(request.tier, self.models["small"])

    def _costs(self, model: str, request: ModelRequest) -> dict[str, float]:
        tokens = estimate_tokens(request)
        costs: dict[str, float] = {}
        for scope in (model, f"{model}@{request.tenant}"):
            for unit in self.rate_limits.get(scope, {}):
                costs[f"{scope}|{unit}"] = 1.0 if unit == "rpm" else float(tokens)
        return costs

    def complete(self, request: ModelRequest, *, fallback: bool = False) -> ModelAnswer:
        model = self.model_for(request, fallback=fallback)
        costs = self._costs(model, request) if self.limiter is not None else {}
        if costs and self.limiter is not None:
            self.limiter.reserve(costs, max_wait=self.max_wait)
        answer = self._call(model, request)
        if self.limiter is not None:
            used = answer.usage.tokens_in + answer.usage.tokens_out
            for key, reserved in costs.items():
                if key.endswith("|tpm"):
                    self.limiter.reconcile(key, reserved, used)
        return answer

    def _call(self, model: str, request: ModelRequest) -> ModelAnswer:
        litellm = self._litellm
        kwargs: dict[str, Any] = {"model": model, "messages": request.messages}
        if request.json_output:
            kwargs["response_format"] = {"type": "json_object"}
        try:
            response = litellm.completion(**kwargs)
        except litellm.exceptions.RateLimitError as exc:
            raise ModelRateLimited(f"{model}: {exc}") from exc
        except (
            litellm.exceptions.APIConnectionError,
            litellm.exceptions.ServiceUnavailableError,
            litellm.exceptions.InternalServerError,
            litellm.exceptions.Timeout,
        ) as exc:
            raise ModelUnavailable(f"{model}: {exc}") from exc
        text = response.choices[0].message.content or ""
        usage = response.usage
        try:
            cost = float(litellm.completion_cost(completion_response=response, model=model))
        except Exception:  # a model without a registered price still works, at unknown cost
            cost = 0.0
        return ModelAnswer(
            text=text,
            usage=Usage(
                model=str(response.model or model),
                tokens_in=int(usage.prompt_tokens),
                tokens_out=int(usage.completion_tokens),
                cost_usd=cost,
            ),
        )
