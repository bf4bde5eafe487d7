"""The ``ModelRouter`` port over litellm: one call path for local and hosted models."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from sluiceway.domain.steps import Usage
from sluiceway.errors import ModelRateLimited, ModelUnavailable
from sluiceway.ports import ModelAnswer, ModelRequest

if TYPE_CHECKING:
    from sluiceway.settings import Settings


def _import_litellm() -> Any:
    # litellm downloads its price map at import unless told not to: never let it.
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    import litellm

    litellm.suppress_debug_info = True
    litellm.drop_params = True
    return litellm


class LitellmModelRouter:
    """Maps a request's tier to a model name from settings and calls it through litellm."""

    def __init__(self, settings: Settings) -> None:
        self.models = {"small": settings.model_small, "large": settings.model_large}
        self.fallback_model = settings.model_fallback
        self._litellm = _import_litellm()
        from sluiceway.adapters.llm import local_provider

        local_provider.register()

    def model_for(self, request: ModelRequest, *, fallback: bool = False) -> str:
        if fallback:
            return self.fallback_model
        return self.models.get(request.tier, self.models["small"])

    def complete(self, request: ModelRequest, *, fallback: bool = False) -> ModelAnswer:
        litellm = self._litellm
        model = self.model_for(request, fallback=fallback)
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
