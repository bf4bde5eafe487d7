"""``sluiceway serve``: the embedded runtime as a service. Worker processes run executions; each
triggered function (``functions/<name>/function.json`` with an SQS trigger, e.g. ``ingest``)
consumes its queue with its maximum concurrency; the inbox watcher turns dropped files into S3
notifications on the ``ingest`` queue."""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

from sluiceway.adapters.postgres.queue import PostgresQueue, QueueAdmin
from sluiceway.ingest import INGEST_QUEUE
from sluiceway.project import ApiTrigger, SqsTrigger, function_configs
from sluiceway.runtime.deps import set_deps
from sluiceway.runtime.local.consumer import QueueConsumer
from sluiceway.runtime.local.functions import FunctionRegistry
from sluiceway.runtime.local.http import ApiServer
from sluiceway.runtime.local.inbox import InboxWatcher
from sluiceway.runtime.local.runner import LocalRuntime, WorkerPool

if TYPE_CHECKING:
    from collections.abc import Callable

    from sluiceway.settings import Settings

log = logging.getLogger("sluiceway.serve")


def serve(
    settings: Settings,
    stop: threading.Event,
    *,
    workers: int | None = None,
    on_tick: Callable[[LocalRuntime], None] | None = None,
    tick_seconds: float = 5.0,
    api_host: str | None = None,
    api_port: int | None = None,
) -> None:
    with LocalRuntime(settings) as runtime:
        set_deps(runtime.deps)
        admin = QueueAdmin(runtime.deps.db)
        registry = FunctionRegistry(settings.functions_dir)
        threads: list[threading.Thread] = []
        queues: dict[str, PostgresQueue] = {}
        for config in function_configs(settings.functions_dir):
            if isinstance(config.trigger, ApiTrigger):  # the HTTP API on 127.0.0.1
                api = ApiServer.for_function(
                    config, registry.handler(config.name), settings, host=api_host, port=api_port
                )
                threads.append(threading.Thread(target=api.serve, args=(stop,), name="api"))
                continue
            if not isinstance(config.trigger, SqsTrigger):
                continue
            queue = admin.ensure_for(config)
            queues[queue.name] = queue
            consumer = QueueConsumer(
                queue,
                registry.handler(config.name),
                function_name=config.name,
                batch_size=config.trigger.batch_size,
                max_concurrency=config.trigger.max_concurrency,
            )
            threads.append(threading.Thread(target=consumer.run, args=(stop,), name=config.name))
        if INGEST_QUEUE in queues:
            watcher = InboxWatcher(
                settings.inbox_dir,
                runtime.deps.objects,
                queues[INGEST_QUEUE],
                tenant=settings.tenant,
            )
            threads.append(threading.Thread(target=watcher.run, args=(stop,), name="inbox"))
        pool = WorkerPool(settings, runtime.url, workers or settings.workers).start()
        for thread in threads:
            thread.start()
        try:
            while not stop.wait(min(tick_seconds, 0.5)):
                pool.check()
                if on_tick is not None:
                    on_tick(runtime)
        finally:
            stop.set()
            for thread in threads:
                thread.join(timeout=30)
            pool.stop()
            set_deps(None)
