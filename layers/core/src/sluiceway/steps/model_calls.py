"""Calling a model for validated JSON, with one retry on the fallback model."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, TypeVar

from pydantic import BaseModel, ValidationError

from sluiceway.domain.steps import Usage
from sluiceway.errors import InvalidModelOutput
from sluiceway.ports import ModelRequest

if TYPE_CHECKING:
    from sluiceway.ports import ModelRouter

M = TypeVar("M", bound=BaseModel)

# How much of a document each tier reads (characters; about 4 per token).
TIER_CHARS = {"small": 40_000, "large": 400_000}


def clip(text: str, tier: str) -> str:
    return text[: TIER_CHARS.get(tier, TIER_CHARS["small"])]


def ask_json(models: ModelRouter, request: ModelRequest, schema: type[M]) -> tuple[M, Usage]:
    """Ask for JSON matching ``schema``; an invalid answer is retried once on the fallback model.
    The usage of both calls is added up, so the cost recorded is what was really spent."""
    problems = []
    total = None
    for fallback in (False, True):
        answer = models.complete(request, fallback=fallback)
        u = answer.usage
        total = (
            u
            if total is None
            else Usage(
                model=u.model,
                tokens_in=total.tokens_in + u.tokens_in,
                tokens_out=total.tokens_out + u.tokens_out,
                cost_usd=total.cost_usd + u.cost_usd,
            )
        )
        try:
            return schema.model_validate(json.loads(answer.text)), total
        except (ValueError, ValidationError) as exc:
            problems.append(f"{u.model}: {str(exc).splitlines()[0]}")
    raise InvalidModelOutput(f"{request.purpose}: no valid answer ({'; '.join(problems)})")
