"""Probes every service shares: its outbox's backlog and its consumer groups' lag."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from sqlalchemy import Table, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bundling_shared.observability.metrics import Probe, ServiceMetrics


def outbox_backlog(metrics: ServiceMetrics, engine: AsyncEngine, table: Table) -> Probe:
    """Rows the relay has not published yet, and how long the oldest has waited: a relay
    that stopped publishing shows as an age that only grows. The outbox stamps its rows
    with the system time, so their age is measured by the same."""

    async def outbox() -> None:
        query = select(func.count(), func.min(table.c.created_at)).where(table.c.published_at.is_(None))
        async with engine.connect() as conn:
            pending, oldest = (await conn.execute(query)).one()
        metrics.outbox_pending.set(pending)
        age = (datetime.now(UTC) - oldest).total_seconds() if oldest is not None else 0.0
        metrics.outbox_oldest_age.set(max(age, 0.0))

    return outbox


def subscriptions(broker: Any) -> list[tuple[str, str]]:
    """(group, topic) of every subscriber of a FastStream Kafka broker that has a group."""
    return sorted(
        {
            (sub.group_id, topic)
            for sub in broker.subscribers
            if getattr(sub, "group_id", None)
            for topic in getattr(sub, "topic_names_for_subscribe", ())
        }
    )


def consumer_lag(
    metrics: ServiceMetrics, bootstrap_servers: str, subscribed: Callable[[], Iterable[tuple[str, str]]]
) -> Probe:
    """Per (group, topic) the service consumes: the messages between the group's committed
    offsets and the end of each partition, as the broker knows them, so a group whose
    consumers all stopped still shows its lag growing. A partition the group never
    committed counts from its beginning, where the project's consumers start."""

    async def lag() -> None:
        wanted = sorted(set(subscribed()))
        if not wanted:
            return
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers, client_id=f"{metrics.service}-metrics")
        reader = AIOKafkaConsumer(bootstrap_servers=bootstrap_servers, enable_auto_commit=False)
        await admin.start()
        try:
            await reader.start()
            described = await admin.describe_topics(sorted({topic for _, topic in wanted}))
            partitions = {
                d["topic"]: [TopicPartition(d["topic"], p["partition"]) for p in d["partitions"]]
                for d in described
                if d["error_code"] == 0
            }
            every = [tp for tps in partitions.values() for tp in tps]
            ends = await reader.end_offsets(every) if every else {}
            starts = await reader.beginning_offsets(every) if every else {}
            committed: dict[str, dict[TopicPartition, Any]] = {}
            for group, topic in wanted:
                if group not in committed:
                    committed[group] = await admin.list_consumer_group_offsets(group)
                behind = 0
                for tp in partitions.get(topic, []):
                    done = committed[group].get(tp)
                    position = done.offset if done is not None and done.offset >= 0 else starts.get(tp, 0)
                    behind += max(ends.get(tp, 0) - position, 0)
                metrics.consumer_lag.labels(metrics.service, group, topic).set(behind)
        finally:
            await reader.stop()
            await admin.close()

    return lag
