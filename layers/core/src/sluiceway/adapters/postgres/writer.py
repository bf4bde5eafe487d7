"""Group commit: many executions' writes share one transaction.

A step's checkpoint must be durable before its successor starts, but nothing says each
checkpoint needs a transaction (and an fsync) of its own. Writers submit named statements; one
thread commits everything submitted meanwhile in a single transaction (pipelined, in submission
order) and then wakes every waiter. Under load a transaction carries dozens of writes; when idle
a write commits at once. If a batch fails, its writes are retried one by one so that only the
faulty one reports an error.
"""

from __future__ import annotations

import logging
import queue
import threading
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import psycopg

from sluiceway.adapters.postgres.db import connect, q

if TYPE_CHECKING:
    from sluiceway.adapters.postgres.db import Database

log = logging.getLogger("sluiceway.writer")
MAX_BATCH = 256

Statement = tuple[str, dict[str, Any]]


@dataclass
class _Write:
    statements: list[Statement]
    done: Future[None] = field(default_factory=Future)


class GroupCommitWriter:
    def __init__(self, db: Database, *, name: str = "group-commit") -> None:
        self.db = db
        self._queue: queue.SimpleQueue[_Write | None] = queue.SimpleQueue()
        self._conn: psycopg.Connection[Any] | None = None
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()
        self.transactions = 0
        self.writes = 0

    def submit(self, statements: list[Statement]) -> Future[None]:
        """Queue statements that must commit together; the future resolves once they have."""
        write = _Write(statements)
        self._queue.put(write)
        return write.done

    def write(self, statements: list[Statement]) -> None:
        """Submit and wait until committed (raises what the database raised)."""
        self.submit(statements).result()

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join(timeout=30)
        if self._conn is not None:
            self._conn.close()

    def _take(self) -> tuple[list[_Write], bool]:
        first = self._queue.get()
        if first is None:
            return [], True
        batch = [first]
        while len(batch) < MAX_BATCH:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if item is None:
                return batch, True
            batch.append(item)
        return batch, False

    def _commit(self, batch: list[_Write]) -> None:
        """One transaction on the writer's own connection (never waiting for the pool, which
        the steps' threads share); a broken connection is replaced on the next batch."""
        if self._conn is None or self._conn.closed or self._conn.broken:
            self._conn = connect(self.db.url)
            self._conn.autocommit = True  # each batch is one explicit transaction
        conn = self._conn
        try:
            with conn.transaction(), conn.pipeline():
                for write in batch:
                    for name, params in write.statements:
                        conn.execute(q(name), params)
        except psycopg.OperationalError:
            conn.close()
            raise

    def _run(self) -> None:
        closing = False
        while not closing:
            batch, closing = self._take()
            if not batch:
                continue
            try:
                self._commit(batch)
            except Exception as exc:
                if len(batch) == 1:
                    log.warning("write failed: %s", exc)
                    batch[0].done.set_exception(exc)
                    continue
                for write in batch:  # find the faulty write; commit the others
                    try:
                        self._commit([write])
                    except Exception as one:
                        log.warning("write failed: %s", one)
                        write.done.set_exception(one)
                    else:
                        self._done([write])
                continue
            self._done(batch)

    def _done(self, batch: list[_Write]) -> None:
        self.transactions += 1
        self.writes += len(batch)
        for write in batch:
            write.done.set_result(None)
