"""Start-up and shut-down that every service shares, for a plain FastAPI lifespan.

Order matters: the schema must exist before the relay reads the outbox, the topics before
the broker subscribes, and on the way out the background tasks stop before the broker
and the database close under them. Kafka may be away when a service starts: the service
serves HTTP meanwhile and connects when it can (`KafkaLink`).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
from collections.abc import AsyncIterator, Callable, Coroutine, Iterable, Sequence
from typing import Any

from faststream.kafka import KafkaBroker
from sqlalchemy.ext.asyncio import AsyncEngine

from bundling_shared.backoff import Backoff
from bundling_shared.db import migrate
from bundling_shared.log_repeats import RepeatLimitedLogger
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


# Start-up waits this long for the first attempt at Kafka before it serves HTTP without
# it: long enough for a broker that answers, short enough that an unreachable one does
# not keep /health and /ready silent.
FIRST_ATTEMPT_SECONDS = 15.0


class KafkaLink:
    """Connects a service to Kafka and keeps trying until it is connected: the topics
    ensured, the broker (producer, admin client, consumers) started, and then what needs
    the broker (outbox relay, workers) started once. A service started while Kafka is
    away serves HTTP and answers /ready "not ready" until then, rather than exiting;
    once connected, the Kafka clients reconnect by themselves after an outage."""

    def __init__(self, name: str, broker: KafkaBroker, kafka: KafkaSettings, topics: Iterable[Topic]) -> None:
        self._name, self._broker, self._kafka, self._topics = name, broker, kafka, list(topics)
        self._backoff = Backoff(kafka.reconnect_first_seconds, kafka.reconnect_max_seconds)
        self._log = RepeatLimitedLogger(log)
        self.connected = asyncio.Event()
        self.attempted = asyncio.Event()

    async def connect(self) -> None:
        """Returns once connected; cancelled, it leaves the broker stopped."""
        while True:
            try:
                await ensure_topics(self._kafka.bootstrap_servers, self._topics, self._kafka.replication_factor)
                await self._broker.start()
            except asyncio.CancelledError:
                await self._stop_broker()
                raise
            except Exception as exc:
                await self._stop_broker()
                delay = self._backoff.next()
                self._log.warning(
                    "kafka.unreachable",
                    service=self._name,
                    bootstrap_servers=self._kafka.bootstrap_servers,
                    error=f"{type(exc).__name__}: {exc}"[:300],
                    attempts=self._backoff.failures,
                    retry_in=round(delay, 2),
                )
                self.attempted.set()
                await asyncio.sleep(delay)
                continue
            self.attempted.set()
            self.connected.set()
            self._log.recovered("kafka.unreachable", "kafka.connected", attempts=self._backoff.failures + 1)
            return

    async def _stop_broker(self) -> None:
        """What a failed start opened (a producer, some consumers) is closed before the
        next attempt builds them anew."""
        with contextlib.suppress(Exception):
            await self._broker.stop()


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
    """Yields once the first attempt at Kafka ended (or `FIRST_ATTEMPT_SECONDS` passed):
    connected then, or still trying in the background."""
    if migrations is not None:
        await migrate(engine, migrations)
    link = KafkaLink(name, broker, kafka, topics)
    tasks: list[asyncio.Task[None]] = []

    async def run() -> None:
        await link.connect()
        tasks.extend(asyncio.create_task(w(), name=f"{name}-worker") for w in workers)
        if relay is not None:
            tasks.append(asyncio.create_task(relay.run(), name=f"{name}-outbox-relay"))
        settle_heap()
        log.info("service.connected", service=name)

    connecting = asyncio.create_task(run(), name=f"{name}-kafka-link")
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(link.attempted.wait(), FIRST_ATTEMPT_SECONDS)
    if link.connected.is_set():
        await connecting  # the relay and workers started before the first request
    log.info("service.started", service=name, kafka="connected" if link.connected.is_set() else "connecting")
    try:
        yield
    finally:
        connecting.cancel()
        await asyncio.gather(connecting, return_exceptions=True)
        if relay is not None:
            relay.stop()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await broker.stop()
        await engine.dispose()
        log.info("service.stopped", service=name)
