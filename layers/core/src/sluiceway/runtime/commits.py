"""Commits a step leaves for its invoker to await.

A durable step must not be reported complete before its checkpoint is committed. A thread can
simply block until the commit; the embedded runtime's invoker instead collects the commits of the
handler it calls and awaits them on its event loop, so no thread waits on a disk flush and short
handlers can run on the loop itself. Nothing here imports a database driver.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from contextvars import ContextVar

_collected: ContextVar[list[Future[None]] | None] = ContextVar("sluiceway_commits", default=None)


@contextmanager
def collecting_commits() -> Iterator[list[Future[None]]]:
    """Within this block, writes that would wait for their commit hand it over instead."""
    futures: list[Future[None]] = []
    token = _collected.set(futures)
    try:
        yield futures
    finally:
        _collected.reset(token)


def hand_over(future: Future[None]) -> bool:
    """Give a pending commit to the invoker collecting them; False if nobody collects."""
    futures = _collected.get()
    if futures is None:
        return False
    futures.append(future)
    return True
