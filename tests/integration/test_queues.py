"""Durable queues with SQS semantics on the embedded Postgres, under real concurrency."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from typing import Any

import pytest

from sluiceway.adapters.postgres.db import Database
from sluiceway.adapters.postgres.queue import PostgresQueue, QueueAdmin, QueueConfig
from sluiceway.ports import OutgoingMessage
from sluiceway.runtime.local.consumer import QueueConsumer

pytestmark = pytest.mark.integration


@pytest.fixture
def db(database_url: str) -> Any:
    database = Database(database_url, max_size=12)
    yield database
    database.close()


@pytest.fixture
def admin(db: Database) -> QueueAdmin:
    return QueueAdmin(db)


def with_dlq(admin: QueueAdmin, name: str, max_receive_count: int = 3, **kw: Any) -> PostgresQueue:
    admin.ensure(QueueConfig(f"{name}-dlq"))
    return admin.ensure(
        QueueConfig(
            name, max_receive_count=max_receive_count, dead_letter_queue=f"{name}-dlq", **kw
        )
    )


def send_many(queue: PostgresQueue, bodies: list[str]) -> None:
    for i in range(0, len(bodies), 10):
        queue.send_batch([OutgoingMessage(body) for body in bodies[i : i + 10]])


def run_consumer_until(consumer: QueueConsumer, done: Any, timeout: float = 60) -> None:
    stop = threading.Event()
    thread = threading.Thread(target=consumer.run, args=(stop,))
    thread.start()
    deadline = time.monotonic() + timeout
    try:
        while not done() and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        stop.set()
        thread.join(timeout=30)
    assert done(), "the consumer did not finish in time"


def test_a_thousand_messages_with_max_concurrency_five(admin: QueueAdmin) -> None:
    queue = admin.ensure(QueueConfig("work"))
    send_many(queue, [str(i) for i in range(1000)])
    seen: list[str] = []
    lock = threading.Lock()
    in_flight = 0
    peak = 0

    def handler(event: dict[str, Any], context: Any) -> None:
        nonlocal in_flight, peak
        with lock:
            in_flight += 1
            peak = max(peak, in_flight)
        time.sleep(0.002)
        with lock:
            seen.extend(r["body"] for r in event["Records"])
            in_flight -= 1

    consumer = QueueConsumer(queue, handler, function_name="work", batch_size=10, max_concurrency=5)
    run_consumer_until(consumer, lambda: len(seen) >= 1000)
    assert sorted(seen, key=int) == [str(i) for i in range(1000)]
    assert peak <= 5
    assert peak > 1  # it really ran concurrently
    stats = queue.stats()
    assert (stats.visible, stats.in_flight) == (0, 0)


def test_messages_of_a_killed_consumer_come_back_after_the_visibility_timeout(
    admin: QueueAdmin, database_url: str
) -> None:
    queue = admin.ensure(QueueConfig("jobs", visibility_timeout=1.0))
    send_many(queue, [f"job-{i}" for i in range(10)])
    # A consumer process receives the whole batch, then dies before deleting anything.
    script = (
        "import os, signal\n"
        "from sluiceway.adapters.postgres.db import Database\n"
        "from sluiceway.adapters.postgres.queue import QueueAdmin\n"
        f"queue = QueueAdmin(Database({database_url!r})).get('jobs')\n"
        "assert len(queue.receive(10)) == 10\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert proc.returncode == -9, proc.stderr
    assert queue.receive(10) == []  # still invisible: in flight with the dead consumer
    assert queue.stats().in_flight == 10

    time.sleep(1.1)
    done: list[str] = []

    def handler(event: dict[str, Any], context: Any) -> None:
        done.extend(r["body"] for r in event["Records"])
        assert all(r["attributes"]["ApproximateReceiveCount"] == "2" for r in event["Records"])

    run_consumer_until(QueueConsumer(queue, handler, function_name="jobs"), lambda: len(done) >= 10)
    assert sorted(done) == sorted(f"job-{i}" for i in range(10))


def test_a_poison_message_reaches_the_dead_letter_queue_and_redrive_brings_it_back(
    admin: QueueAdmin,
) -> None:
    queue = with_dlq(admin, "orders", max_receive_count=3, visibility_timeout=0.3)
    send_many(queue, ["good", "poison", "good-too"])
    attempts: dict[str, int] = {}
    healed = False

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        failures = []
        for record in event["Records"]:
            attempts[record["body"]] = attempts.get(record["body"], 0) + 1
            if record["body"] == "poison" and not healed:
                failures.append({"itemIdentifier": record["messageId"]})
        return {"batchItemFailures": failures}

    consumer = QueueConsumer(queue, handler, function_name="orders", wait_seconds=0.1)
    run_consumer_until(consumer, lambda: queue.stats().dead_letters == 1)
    assert attempts == {"good": 1, "poison": 3, "good-too": 1}  # only the failed record came back
    stats = queue.stats()
    assert (stats.visible, stats.in_flight, stats.dead_letters) == (0, 0, 1)

    healed = True
    assert admin.redrive("orders-dlq", max_per_second=10) == 1
    run_consumer_until(consumer, lambda: attempts["poison"] == 4 and queue.stats().visible == 0)
    assert queue.stats().dead_letters == 0


def test_a_handler_exception_returns_the_whole_batch(admin: QueueAdmin) -> None:
    queue = admin.ensure(QueueConfig("fragile", visibility_timeout=0.2))
    send_many(queue, ["a", "b"])
    calls = 0

    def handler(event: dict[str, Any], context: Any) -> None:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("boom")

    consumer = QueueConsumer(queue, handler, function_name="fragile", wait_seconds=0.1)
    run_consumer_until(consumer, lambda: consumer.processed >= 2)
    assert consumer.failed == 2
    assert calls == 2


def test_delay_seconds_and_visibility_changes(admin: QueueAdmin) -> None:
    queue = admin.ensure(QueueConfig("later"))
    queue.send(OutgoingMessage("soon", delay_seconds=0.5))
    assert queue.receive(1) == []
    assert queue.stats().delayed == 1
    [message] = queue.receive(1, wait_seconds=3)
    assert message.body == "soon" and message.receive_count == 1
    assert queue.change_visibility(message.receipt_handle, 0)
    [again] = queue.receive(1)
    assert again.receive_count == 2
    assert not queue.delete(message.receipt_handle)  # an old receipt no longer deletes
    assert queue.delete(again.receipt_handle)


def test_long_polling_is_woken_by_a_send(admin: QueueAdmin) -> None:
    queue = admin.ensure(QueueConfig("wakeup"))
    threading.Timer(0.3, lambda: queue.send(OutgoingMessage("hello"))).start()
    started = time.monotonic()
    [message] = queue.receive(1, wait_seconds=10)
    assert message.body == "hello"
    assert time.monotonic() - started < 5


def test_fifo_groups_deliver_in_order_one_at_a_time(admin: QueueAdmin) -> None:
    queue = admin.ensure(QueueConfig("events.fifo", fifo=True))
    for i in range(3):
        for group in ("a", "b"):
            queue.send(OutgoingMessage(f"{group}{i}", group_id=group))
    first = queue.receive(10)
    assert sorted(m.body for m in first) == ["a0", "b0"]  # one per group while in flight
    assert queue.receive(10) == []
    for m in first:
        queue.delete(m.receipt_handle)
    assert sorted(m.body for m in queue.receive(10)) == ["a1", "b1"]


def test_fifo_deduplication(admin: QueueAdmin) -> None:
    queue = admin.ensure(QueueConfig("pay.fifo", fifo=True))
    first = queue.send(OutgoingMessage("pay 10", group_id="acct", deduplication_id="p-1"))
    second = queue.send(OutgoingMessage("pay 10", group_id="acct", deduplication_id="p-1"))
    assert first == second
    assert len(queue.receive(10)) == 1


def test_invalid_configuration_and_arguments(admin: QueueAdmin) -> None:
    with pytest.raises(ValueError, match=r"\.fifo"):
        QueueConfig("plain", fifo=True)
    with pytest.raises(ValueError, match="go together"):
        QueueConfig("x", max_receive_count=3)
    queue = admin.ensure(QueueConfig("args"))
    with pytest.raises(ValueError, match="1 to 10"):
        queue.receive(11)
    with pytest.raises(ValueError, match="FIFO"):
        queue.send(OutgoingMessage("x", deduplication_id="d"))
