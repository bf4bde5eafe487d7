"""Token buckets in Postgres shared by all workers, and the model router reserving through them."""

from __future__ import annotations

import threading

import pytest

from sluiceway.adapters.llm.router import LitellmModelRouter, estimate_tokens
from sluiceway.adapters.postgres.db import Database
from sluiceway.adapters.postgres.limits import (
    Bucket,
    PostgresConcurrencyLimiter,
    PostgresRateLimiter,
    SlotTimeout,
)
from sluiceway.errors import ModelRateLimited
from sluiceway.ports import ModelRequest
from sluiceway.runtime.deps import Deps
from sluiceway.settings import Settings

pytestmark = pytest.mark.integration


def test_buckets_grant_until_empty_then_say_how_long_to_wait(database_url: str) -> None:
    db = Database(database_url)
    limiter = PostgresRateLimiter(db)
    limiter.configure([Bucket("svc|rpm", per_minute=60), Bucket("svc|tpm", per_minute=6000)])
    for _ in range(60):
        assert limiter.try_reserve({"svc|rpm": 1, "svc|tpm": 10}) == 0
    wait = limiter.try_reserve({"svc|rpm": 1, "svc|tpm": 10})
    assert 0 < wait <= 1.1  # one request refills every second
    # All or nothing: the tokens/min bucket was not charged for the refused request.
    assert limiter.try_reserve({"svc|tpm": 5400}) == 0
    with pytest.raises(ModelRateLimited, match="exceeds the bucket's capacity"):
        limiter.try_reserve({"svc|tpm": 6001})
    with pytest.raises(ModelRateLimited, match="rate limit"):
        limiter.reserve({"svc|rpm": 1}, max_wait=0)
    db.close()


def test_reconcile_gives_back_unused_tokens(database_url: str) -> None:
    db = Database(database_url)
    limiter = PostgresRateLimiter(db)
    limiter.configure([Bucket("m|tpm", per_minute=1000)])
    assert limiter.try_reserve({"m|tpm": 1000}) == 0
    assert limiter.try_reserve({"m|tpm": 600}) > 0
    limiter.reconcile("m|tpm", reserved=1000, actual=300)  # the call used less than estimated
    assert limiter.try_reserve({"m|tpm": 600}) == 0
    db.close()


def test_the_router_reserves_per_model_and_per_tenant(deps: Deps) -> None:
    settings = Settings(
        DATABASE_URL=deps.settings.database_url,
        rate_limits={"sluiceway-local/small@acme": {"rpm": 2}},
        rate_limit_max_wait_seconds=0,
    )
    router = LitellmModelRouter(settings, PostgresRateLimiter(deps.db))
    request = ModelRequest(
        purpose="classify",
        tier="small",
        tenant="acme",
        messages=[
            {"role": "system", "content": "TASK: classify"},
            {"role": "user", "content": "Invoice"},
        ],
    )
    assert estimate_tokens(request) > request.max_output_tokens
    router.complete(request)
    router.complete(request)
    with pytest.raises(ModelRateLimited):
        router.complete(request)  # acme used its two requests of this minute
    other = ModelRequest(
        purpose="classify", tier="small", tenant="globex", messages=request.messages
    )
    router.complete(other)  # another tenant is not limited by acme's bucket


def test_concurrency_slots_are_shared_between_limiters(database_url: str) -> None:
    db = Database(database_url, max_size=8)
    first, second = PostgresConcurrencyLimiter(db), PostgresConcurrencyLimiter(db)
    a = first.acquire("step:x", 2)
    b = second.acquire("step:x", 2)
    assert {a, b} == {0, 1}
    with pytest.raises(SlotTimeout):
        second.acquire("step:x", 2, timeout=0.1)
    released = threading.Timer(0.2, first.release, args=("step:x", a))
    released.start()
    assert second.acquire("step:x", 2, timeout=10) == a
    assert first.in_use("step:x") == 2
    db.close()
