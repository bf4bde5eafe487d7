"""``sluiceway-local``: the offline models registered with litellm as a custom provider.

``litellm.completion(model="sluiceway-local/small", ...)`` runs the deterministic rules of
``sluiceway.documents.rules`` on the prompt: no network, no keys, same call path, token counting and cost
accounting as a hosted model. Prices are nominal (so cost accounting is exercised end to end) and
can be changed with :func:`register`.
"""

from __future__ import annotations

import json
import re
import time
from typing import Any

import litellm
from litellm.llms.custom_llm import CustomLLM
from litellm.types.utils import Choices, Message, ModelResponse, Usage

from sluiceway.documents import rules as local_rules

PROVIDER = "sluiceway-local"
# model -> (context window in tokens, USD per input token, USD per output token)
MODELS: dict[str, tuple[int, float, float]] = {
    "small": (16_000, 0.10e-6, 0.40e-6),
    "large": (128_000, 1.00e-6, 4.00e-6),
}
_TASK = re.compile(r"\bTASK:\s*(\w+)")
_TYPE = re.compile(r"\bTYPE:\s*(\w+)")


def _count_tokens(text: str) -> int:
    # A cheap, deterministic estimate (about 4 characters per token for English).
    return max(1, (len(text) + 3) // 4)


class LocalModel(CustomLLM):
    def completion(
        self, model: str, messages: list[dict[str, Any]], *args: Any, **kwargs: Any
    ) -> ModelResponse:
        name = model.split("/", 1)[-1]
        if name not in MODELS:
            raise litellm.exceptions.NotFoundError(
                message=f"unknown local model {model!r}; known: {sorted(MODELS)}",
                model=model,
                llm_provider=PROVIDER,
            )
        window = MODELS[name][0]
        system = "\n".join(str(m.get("content", "")) for m in messages if m.get("role") == "system")
        user = "\n".join(str(m.get("content", "")) for m in messages if m.get("role") != "system")
        tokens_in = _count_tokens(system) + _count_tokens(user)
        if tokens_in > window:
            raise litellm.exceptions.ContextWindowExceededError(
                message=f"{tokens_in} tokens exceed the {window}-token window of {model}",
                model=model,
                llm_provider=PROVIDER,
            )
        task = _TASK.search(system)
        if task is None:
            answer: dict[str, Any] = {"error": "no TASK: line in the system prompt"}
        elif task[1] == "classify":
            doc_type, confidence = local_rules.classify(user)
            answer = {"document_type": doc_type, "confidence": confidence}
        elif task[1] == "extract_fields":
            doc_type_match = _TYPE.search(system)
            answer = local_rules.extract_fields(
                doc_type_match[1] if doc_type_match else "other", user
            )
        else:
            answer = {"error": f"unknown task {task[1]!r}"}
        content = json.dumps(answer, ensure_ascii=False)
        tokens_out = _count_tokens(content)
        return ModelResponse(
            id=f"local-{time.time_ns()}",
            model=f"{PROVIDER}/{name}",
            created=int(time.time()),
            choices=[
                Choices(
                    index=0,
                    finish_reason="stop",
                    message=Message(role="assistant", content=content),
                )
            ],
            usage=Usage(
                prompt_tokens=tokens_in,
                completion_tokens=tokens_out,
                total_tokens=tokens_in + tokens_out,
            ),
        )

    async def acompletion(
        self, model: str, messages: list[dict[str, Any]], *args: Any, **kwargs: Any
    ) -> ModelResponse:
        return self.completion(model, messages, *args, **kwargs)


_registered = False


def register() -> None:
    """Register the provider and its prices with litellm (idempotent)."""
    global _registered
    if _registered:
        return
    litellm.custom_provider_map = [
        *[p for p in litellm.custom_provider_map if p.get("provider") != PROVIDER],
        {"provider": PROVIDER, "custom_handler": LocalModel()},
    ]
    litellm.register_model(
        {
            f"{PROVIDER}/{name}": {
                "max_input_tokens": window,
                "max_output_tokens": 4096,
                "input_cost_per_token": cost_in,
                "output_cost_per_token": cost_out,
                "cache_creation_input_token_cost": 0.0,
                "cache_read_input_token_cost": 0.0,
                "litellm_provider": PROVIDER,
                "mode": "chat",
            }
            for name, (window, cost_in, cost_out) in MODELS.items()
        }
    )
    _registered = True
