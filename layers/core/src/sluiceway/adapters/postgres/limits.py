"""Flow control shared by every worker: concurrency slots and token-bucket rate limits."""

from __future__ import annotations

import os
import random
import socket
import threading
import time
import uuid
from dataclasses import dataclass

from sluiceway.adapters.postgres.db import Database, q
from sluiceway.errors import ModelRateLimited


class SlotTimeout(TimeoutError):
    pass


class PostgresConcurrencyLimiter:
    """Implements ``ConcurrencyLimiter``: ``limit`` rows per key; a holder leases one. A process
    that dies without releasing its slot loses it when the lease expires."""

    def __init__(self, db: Database, *, lease_seconds: float = 900.0) -> None:
        self.db = db
        self.lease_seconds = lease_seconds
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._created: set[tuple[str, int]] = set()
        self._lock = threading.Lock()

    def _ensure(self, key: str, limit: int) -> None:
        with self._lock:
            if (key, limit) in self._created:
                return
        self.db.execute("create_slots", key=key, limit=limit)
        with self._lock:
            self._created.add((key, limit))

    def try_acquire(self, key: str, limit: int) -> int | None:
        self._ensure(key, limit)
        row = self.db.fetch_one(
            "acquire_slot", key=key, limit=limit, holder=self.holder, lease=self.lease_seconds
        )
        return None if row is None else int(row["slot"])

    def acquire(self, key: str, limit: int, *, timeout: float | None = None) -> int:
        if limit < 1:
            raise ValueError(f"concurrency limit for {key!r} must be at least 1")
        deadline = None if timeout is None else time.monotonic() + timeout
        pause = 0.005
        while True:
            slot = self.try_acquire(key, limit)
            if slot is not None:
                return slot
            if deadline is not None and time.monotonic() >= deadline:
                raise SlotTimeout(f"no free slot for {key!r} (limit {limit}) within {timeout}s")
            time.sleep(pause * (0.5 + random.random()))
            pause = min(pause * 2, 0.2)

    def release(self, key: str, slot: int) -> None:
        self.db.execute("release_slot", key=key, slot=slot, holder=self.holder)

    def in_use(self, key: str) -> int:
        row = self.db.fetch_one("slots_in_use", key=key)
        return int(row["n"]) if row else 0


@dataclass(frozen=True)
class Bucket:
    """``capacity`` units that refill at ``per_minute`` units per minute."""

    key: str
    per_minute: float
    capacity: float | None = None

    @property
    def size(self) -> float:
        return self.capacity if self.capacity is not None else self.per_minute


class PostgresRateLimiter:
    """Implements ``RateLimiter`` with token buckets in ``rate_buckets``: every reservation is one
    transaction over all its buckets, so requests/min and tokens/min are taken together or not at
    all. Buckets are declared with :meth:`configure`."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._configured: dict[str, Bucket] = {}

    def configure(self, buckets: list[Bucket]) -> None:
        for bucket in buckets:
            if self._configured.get(bucket.key) == bucket:
                continue
            self.db.execute(
                "upsert_bucket",
                key=bucket.key,
                capacity=bucket.size,
                refill_per_sec=bucket.per_minute / 60.0,
            )
            self._configured[bucket.key] = bucket

    def try_reserve(self, costs: dict[str, float]) -> float:
        """Take every cost or none; returns 0 when granted, else the seconds to wait."""
        for key, cost in costs.items():
            bucket = self._configured.get(key)
            if bucket is not None and cost > bucket.size:
                raise ModelRateLimited(
                    f"{key}: a request of {cost:g} exceeds the bucket's capacity of {bucket.size:g}"
                )
        with self.db.connection() as conn:
            wait = 0.0
            for key in sorted(costs):  # a fixed order: no deadlocks between reservations
                row = conn.execute(q("take_tokens"), {"key": key, "cost": costs[key]}).fetchone()
                if row is None:
                    raise KeyError(f"no rate bucket {key!r}: configure it first")
                if not row["granted"]:
                    wait = max(wait, float(row["wait_seconds"] or 0.0))
            if wait > 0:
                conn.rollback()
            return wait

    def reserve(self, costs: dict[str, float], *, max_wait: float = 30.0) -> None:
        deadline = time.monotonic() + max_wait
        while True:
            wait = self.try_reserve(costs)
            if wait == 0:
                return
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ModelRateLimited(
                    f"rate limit: {', '.join(sorted(costs))} need {wait:.1f}s more than allowed"
                )
            time.sleep(min(wait, remaining) * (1 + 0.1 * random.random()))

    def reconcile(self, key: str, reserved: float, actual: float) -> None:
        """Give back what was reserved but not used (or take what was used beyond it)."""
        if reserved != actual:
            self.db.execute("give_tokens", key=key, amount=reserved - actual)
