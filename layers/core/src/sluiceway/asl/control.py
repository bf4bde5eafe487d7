"""Retry policy, deadlines and concurrent branches.

All waiting goes through injectable ``sleep`` functions so that tests can run backoffs, timeouts
and Wait states in virtual time.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from typing import Any, TypeVar

from sluiceway.asl.errors import error_matches
from sluiceway.asl.model import Retrier

T = TypeVar("T")

#: Cancellation message of the siblings of a task that died of a non-Exception BaseException
#: (a simulated crash): they stop without writing further history.
CRASH = "sluiceway.asl:crash"
Sleep = Callable[[float], Awaitable[Any]]


class RetryPolicy:
    """The retriers of one state execution, with their counters.

    As in the States Language spec's "complex retry scenario": a retrier's backoff grows with
    every retry it makes (``IntervalSeconds * BackoffRate ** n``, capped by
    ``MaxDelaySeconds``), while ``MaxAttempts`` limits the retries of each error name. The
    first retrier whose ``ErrorEquals`` matches decides; with ``JitterStrategy: FULL`` the
    delay is drawn uniformly between 0 and the computed backoff.
    """

    def __init__(self, retriers: Sequence[Retrier], rng: random.Random) -> None:
        self._retriers = retriers
        self._rng = rng
        self._retries = [0] * len(retriers)
        self._per_error: dict[tuple[int, str], int] = {}

    def next_delay(self, error: str) -> float | None:
        """Seconds to wait before retrying after ``error``, or None if it is not retried."""
        for index, retrier in enumerate(self._retriers):
            if not error_matches(retrier.error_equals, error):
                continue
            key = (index, error)
            if self._per_error.get(key, 0) >= retrier.max_attempts:
                return None
            delay = retrier.interval_seconds * retrier.backoff_rate ** self._retries[index]
            if retrier.max_delay_seconds is not None:
                delay = min(delay, retrier.max_delay_seconds)
            if retrier.jitter_strategy == "FULL":
                delay = self._rng.uniform(0, delay)
            self._retries[index] += 1
            self._per_error[key] = self._per_error.get(key, 0) + 1
            return delay
        return None


class DeadlineExceeded(Exception):
    """Raised by :func:`with_deadline` when the time is up (a timeout or a missed heartbeat:
    AWS reports both as ``States.Timeout``, recorded)."""


class Heartbeat:
    """Set by the task when it reports progress."""

    def __init__(self) -> None:
        self.beaten = False

    def beat(self) -> None:
        self.beaten = True


async def with_deadline(
    work: Coroutine[Any, Any, T],
    sleep: Sleep,
    timeout: float | None,
    heartbeat_seconds: float | None = None,
    heartbeat: Heartbeat | None = None,
) -> T:
    """Run ``work``; raise :class:`DeadlineExceeded` after ``timeout`` seconds, or when
    ``heartbeat_seconds`` pass without a beat. Whatever ``work`` raises propagates unchanged."""
    if timeout is None and heartbeat_seconds is None:
        return await work
    task: asyncio.Future[T] = asyncio.ensure_future(work)
    watchers: list[asyncio.Future[Any]] = []
    if timeout is not None:
        watchers.append(asyncio.ensure_future(sleep(timeout)))
    if heartbeat_seconds is not None:
        watchers.append(
            asyncio.ensure_future(_watch(sleep, heartbeat_seconds, heartbeat or Heartbeat()))
        )
    try:
        done, _ = await asyncio.wait({task, *watchers}, return_when=asyncio.FIRST_COMPLETED)
        if task in done:
            return task.result()
        raise DeadlineExceeded
    finally:
        for future in (task, *watchers):
            if not future.done():
                future.cancel()
        await asyncio.gather(task, *watchers, return_exceptions=True)


async def _watch(sleep: Sleep, seconds: float, heartbeat: Heartbeat) -> None:
    while True:
        heartbeat.beaten = False
        await sleep(seconds)
        if not heartbeat.beaten:
            return


async def run_all(coroutines: Sequence[Coroutine[Any, Any, T]], limit: int = 0) -> list[T]:
    """Run concurrently (at most ``limit`` at a time, 0 = no limit); results in order.

    The first failure cancels the others, waits for them to stop, and propagates unchanged; none
    starts after it (as AWS starts no Map iteration after one failed).
    """
    semaphore = asyncio.Semaphore(limit) if limit > 0 else None
    failed = False

    async def guarded(coroutine: Coroutine[Any, Any, T]) -> T:
        nonlocal failed
        try:
            return await coroutine
        except BaseException:
            failed = True
            raise

    async def limited(coroutine: Coroutine[Any, Any, T]) -> T:
        if semaphore is None:
            return await guarded(coroutine)
        async with semaphore:
            if failed:  # a queued coroutine never starts once another has failed
                coroutine.close()
                raise asyncio.CancelledError(message)
            return await guarded(coroutine)

    message: str | None = None
    tasks = [asyncio.ensure_future(limited(coroutine)) for coroutine in coroutines]
    try:
        pending: set[asyncio.Future[T]] = set(tasks)
        while pending:
            _, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_EXCEPTION)
            failures = [t.exception() for t in tasks if t.done() and not t.cancelled()]
            failure = next((f for f in failures if f is not None), None)
            if failure is not None:
                if not isinstance(failure, Exception):
                    message = CRASH
                raise failure
        return [task.result() for task in tasks]
    except asyncio.CancelledError as cancelled:
        if CRASH in cancelled.args:
            message = CRASH
        raise
    finally:
        for task in tasks:
            if not task.done():
                task.cancel(message)
        await asyncio.gather(*tasks, return_exceptions=True)
        for coroutine in coroutines:
            coroutine.close()  # those that never started
