"""Start-up and shut-down that every service shares, for a plain FastAPI lifespan.

Order matters: the schema must exist before the relay reads the outbox, the topics before
the broker subscribes, and on the way out the background tasks stop before the broker
and the database close under them.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
from collections.abc import AsyncIterator, Callable, Coroutine, Iterable, Sequence
from typing import Any

from faststream.kafka import KafkaBroker
from sqlalchemy.ext.asyncio import AsyncEngine

from bundling_shared.db import migrate
from bundling_shared.logging import get_logger
from bundling_shared.messaging.kafka import ensure_topics
from bundling_shared.messaging.outbox import OutboxRelay
from bundling_shared.settings import KafkaSettings
from bundling_shared.topics import Topic

log = get_logger(__name__)


# A consumer's batch makes tens of thousands of objects (events, rows, lines) that live
# for the batch. With the interpreter's default young generation (700 objects) the cyclic
# collector examines them dozens of times per batch and promotes them to older
# generations, whose collections then grow costly: a tenth of a busy consumer's time. A
# larger young generation lets a batch's objects die before a collection ever looks at
# them; it holds at most this many objects more.
YOUNG_GENERATION = 20_000


def settle_heap() -> None:
    """What start-up allocated (modules, mappings, schemas, the broker's clients) lives as
    long as the process: collected once, then moved out of the cyclic collector's sight,
    so that the full collections a busy consumer triggers scan only what it allocates
    while working; and the young generation sized for batches (`YOUNG_GENERATION`)."""
    gc.collect()
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_GENERATION, older, oldest)


@contextlib.asynccontextmanager
async def service_running(
    *,
    name: str,
    engine: AsyncEngine,
    broker: KafkaBroker,
    kafka: KafkaSettings,
    topics: Iterable[Topic],
    migrations: str | None,
    relay: OutboxRelay | None = None,
    workers: Sequence[Callable[[], Coroutine[Any, Any, None]]] = (),
) -> AsyncIterator[None]:
    if migrations is not None:
        await migrate(engine, migrations)
    await ensure_topics(kafka.bootstrap_servers, topics, kafka.replication_factor)
    await broker.start()
    tasks = [asyncio.create_task(w(), name=f"{name}-worker") for w in workers]
    if relay is not None:
        tasks.append(asyncio.create_task(relay.run(), name=f"{name}-outbox-relay"))
    settle_heap()
    log.info("service.started", service=name)
    try:
        yield
    finally:
        if relay is not None:
            relay.stop()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await broker.stop()
        await engine.dispose()
        log.info("service.stopped", service=name)
