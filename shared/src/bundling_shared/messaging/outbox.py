"""Transactional outbox: a state change and its events commit together; a relay publishes.

Without it a crash between "commit" and "publish" loses an event, and publishing before
committing announces a change that may roll back.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import zlib
from collections.abc import Awaitable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import Table, delete, select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bundling_shared.backoff import Backoff
from bundling_shared.events.envelope import EventEnvelope
from bundling_shared.log_repeats import RepeatLimitedLogger
from bundling_shared.logging import get_logger
from bundling_shared.observability import tracing
from bundling_shared.settings import OutboxSettings
from bundling_shared.topics import Topic

log = get_logger(__name__)

CONTENT_TYPE = "application/json"
PURGE_EVERY_SECONDS = 300.0
RETRY_CAP_SECONDS = 10.0  # the longest wait between two tries while the broker is away


def event_headers(event: EventEnvelope[Any]) -> dict[str, str]:
    """Kafka headers mirror the envelope's routing fields, so consumers and the dead-letter
    middleware can log and route without parsing the body."""
    return {
        "content-type": CONTENT_TYPE,
        "event-id": str(event.event_id),
        "event-type": event.event_type,
        "event-version": str(event.schema_version),
        "correlation-id": event.correlation_id,
    }


def row(topic: Topic, event: EventEnvelope[Any]) -> dict[str, Any]:
    """The outbox row of `event`, to be inserted in the caller's transaction. Its headers
    keep the trace context of the work that wrote it, which its publication continues."""
    return {
        "event_id": str(event.event_id),
        "event_type": event.event_type,
        "topic": topic.name,
        "message_key": event.aggregate_id,
        "body": event.model_dump_json(),
        "headers": event_headers(event) | tracing.headers(),
        "created_at": datetime.now(UTC),
    }


class Publish(Protocol):
    def __call__(self, topic: str, key: bytes, body: bytes, headers: dict[str, str]) -> Awaitable[Any]: ...


class OutboxRelay:
    """Publishes pending outbox rows in order and marks them sent.

    Rows of one batch are handed to the idempotent producer together and confirmed
    together (acks=all); a failure leaves the whole batch pending, to be sent again.
    Redelivery is safe because every consumer is idempotent on the event id.

    On PostgreSQL several replicas of a service may run a relay: a transaction-scoped
    advisory lock lets one of them publish at a time, so events of one aggregate never
    overtake each other. Published rows are purged once older than `retention`.
    """

    def __init__(
        self,
        engine: AsyncEngine,
        table: Table,
        publish: Publish,
        *,
        poll_seconds: float = 0.5,
        linger_seconds: float = 0.0,
        batch_size: int = 200,
        retention: timedelta = timedelta(days=7),
    ) -> None:
        self._engine = engine
        self._table = table
        self._publish = publish
        self._poll = poll_seconds
        self._linger = linger_seconds
        self._batch = batch_size
        self._wakeup = asyncio.Event()
        self._stopping = False
        self._lock = asyncio.Lock()
        self._retention = retention
        self._advisory_key = zlib.crc32(f"outbox-relay:{table.name}".encode()) & 0x7FFFFFFF
        self._last_purge = 0.0

    @classmethod
    def configured(cls, engine: AsyncEngine, table: Table, publish: Publish, settings: OutboxSettings) -> OutboxRelay:
        return cls(
            engine,
            table,
            publish,
            poll_seconds=settings.poll_seconds,
            linger_seconds=settings.linger_seconds,
            batch_size=settings.batch_size,
            retention=timedelta(hours=settings.retention_hours),
        )

    @property
    def table(self) -> Table:
        return self._table

    def wake(self) -> None:
        self._wakeup.set()

    async def publish_pending(self) -> int:
        """Publish one batch; returns how many rows were sent."""
        t = self._table
        async with self._lock, self._engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                leader = await conn.scalar(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": self._advisory_key})
                if not leader:
                    return 0
            query = select(t.c.id, t.c.topic, t.c.message_key, t.c.body, t.c.headers).where(t.c.published_at.is_(None))
            query = query.order_by(t.c.id).limit(self._batch)
            rows = (await conn.execute(query)).all()
            if not rows:
                return 0
            pending = [self._sent(row.topic, row.message_key, row.body, dict(row.headers)) for row in rows]
            for result in await asyncio.gather(*pending):
                if inspect.isawaitable(result):
                    await result
            await conn.execute(update(t).where(t.c.id.in_([r.id for r in rows])).values(published_at=datetime.now(UTC)))
            return len(rows)

    def _sent(self, topic: str, key: str, body: str, headers: dict[str, str]) -> Awaitable[Any]:
        """The publication of one row, in the trace of the work that wrote it: started
        as a task of its own in that trace's context, since the rows of a batch belong
        to different traces."""
        if not tracing.enabled() or tracing.TRACEPARENT not in headers:
            return self._publish(topic, key.encode(), body.encode(), headers)
        with tracing.continued(headers):
            return asyncio.ensure_future(self._publish(topic, key.encode(), body.encode(), headers))

    async def purge_published(self) -> int:
        """Forget rows published longer ago than the retention; returns how many."""
        t = self._table
        cutoff = datetime.now(UTC) - self._retention
        async with self._engine.begin() as conn:
            result = await conn.execute(delete(t).where(t.c.published_at.is_not(None), t.c.published_at < cutoff))
        return int(result.rowcount or 0)

    async def run(self) -> None:
        backoff = Backoff(self._poll, RETRY_CAP_SECONDS)
        failures = RepeatLimitedLogger(log)
        loop = asyncio.get_running_loop()
        while not self._stopping:
            try:
                if loop.time() - self._last_purge > PURGE_EVERY_SECONDS:
                    self._last_purge = loop.time()
                    await self.purge_published()
                # Cleared before the rows are read: a commit from now on wakes the relay
                # again, one before it has its rows read now.
                self._wakeup.clear()
                sent = await self.publish_pending()
                backoff.reset()
                failures.recovered("outbox.publish_failed", "outbox.publishing_again")
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # broker or database away: keep rows, try again later
                delay = backoff.next()
                failures.warning("outbox.publish_failed", error=repr(exc)[:300], retry_in=round(delay, 2))
                await asyncio.sleep(delay)
                continue
            if sent >= self._batch or self._stopping:
                continue  # a full batch: more may be pending
            # Fewer than a batch: nothing else was pending when the rows were read, and a
            # commit since then has woken the relay. Looking again would cost a
            # transaction that finds nothing after every batch.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), timeout=self._poll)
                if self._linger:
                    await asyncio.sleep(self._linger)  # the commits right behind this one come along

    def stop(self) -> None:
        self._stopping = True
        self._wakeup.set()


def via_publishers(publishers: Mapping[str, Any]) -> Publish:
    """Sends through the service's declared FastStream publishers (the ones its AsyncAPI
    document lists): enqueue without waiting, confirmed by the relay as a batch."""

    def publish(topic: str, key: bytes, body: bytes, headers: dict[str, str]) -> Awaitable[Any]:
        result: Awaitable[Any] = publishers[topic].publish(body, key=key, headers=headers, no_confirm=True)
        return result

    return publish
