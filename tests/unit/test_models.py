"""The offline models through litellm, the routing of tiers, JSON validation with fallback."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pytest
from pydantic import BaseModel

from sluiceway.adapters.llm.router import LitellmModelRouter
from sluiceway.documents import rules as local_rules
from sluiceway.domain.steps import Usage
from sluiceway.errors import InvalidModelOutput
from sluiceway.ports import ModelAnswer, ModelRequest
from sluiceway.settings import Settings
from sluiceway.steps.model_calls import ask_json

INVOICE = """ACME Tools GmbH
INVOICE
Invoice number: INV-2026-0142
Issue date: 2026-11-02
Due date: 2026-12-02
Bill to: Northwind Traders Ltd
Qty  Unit price  Amount
Subtotal: EUR 4,000.00
VAT 20%: EUR 800.00
Total due: EUR 4,800.00
Payment terms: 30 days
"""

LETTER = """12 March 2026

Dear Ms. Patel,

Re: Renewal of your membership

Thank you for your continued support. Enclosed you will find the renewal form.

Sincerely,
Daniel Okafor
"""


def test_rules_classify_and_extract() -> None:
    assert local_rules.classify(INVOICE)[0] == "invoice"
    assert local_rules.classify(LETTER)[0] == "letter"
    assert local_rules.classify("lorem ipsum dolor")[0] == "other"
    fields = local_rules.extract_fields("invoice", INVOICE)
    assert fields["invoice_number"] == "INV-2026-0142"
    assert fields["total"] == 4800.0
    assert fields["currency"] == "EUR"
    assert fields["due_date"] == "2026-12-02"
    letter = local_rules.extract_fields("letter", LETTER)
    assert letter["recipient"] == "Ms. Patel"
    assert letter["sender"] == "Daniel Okafor"


@pytest.fixture(scope="module")
def router() -> LitellmModelRouter:
    return LitellmModelRouter(Settings())


def test_litellm_runs_the_local_provider_and_prices_it(router: LitellmModelRouter) -> None:
    request = ModelRequest(
        purpose="classify",
        tier="large",
        messages=[
            {"role": "system", "content": "TASK: classify"},
            {"role": "user", "content": INVOICE},
        ],
    )
    answer = router.complete(request)
    assert json.loads(answer.text)["document_type"] == "invoice"
    assert answer.usage.model == "sluiceway-local/large"
    assert answer.usage.tokens_in > 0 and answer.usage.tokens_out > 0
    assert answer.usage.cost_usd > 0
    assert router.complete(request, fallback=True).usage.model == "sluiceway-local/small"


@dataclass
class ScriptedModels:
    """A ModelRouter fake answering from a script, recording which calls were fallbacks."""

    answers: list[str]
    fallbacks: list[bool] = field(default_factory=list)

    def complete(self, request: ModelRequest, *, fallback: bool = False) -> ModelAnswer:
        self.fallbacks.append(fallback)
        text = self.answers.pop(0)
        return ModelAnswer(
            text=text, usage=Usage(model="m", tokens_in=10, tokens_out=2, cost_usd=0.25)
        )


class Answer(BaseModel):
    value: int


REQUEST = ModelRequest(purpose="test", tier="small", messages=[])


def test_an_invalid_answer_is_retried_on_the_fallback_model() -> None:
    models = ScriptedModels(["not json", '{"value": 3}'])
    answer, usage = ask_json(models, REQUEST, Answer)
    assert answer.value == 3
    assert models.fallbacks == [False, True]
    assert usage.tokens_in == 20 and usage.cost_usd == 0.5  # both calls are paid for


def test_two_invalid_answers_raise_a_typed_error() -> None:
    models = ScriptedModels(['{"value": "x"}', "[]"])
    with pytest.raises(InvalidModelOutput, match="test: no valid answer"):
        ask_json(models, REQUEST, Answer)
