"""The Kafka broker every service uses: idempotent producer, acks=all, retries and
dead letters on every subscriber, and topic creation by the project itself."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from faststream import AckPolicy
from faststream.kafka import KafkaBroker, KafkaRouter

from bundling_shared import topics
from bundling_shared.logging import get_logger
from bundling_shared.messaging.dead_letter import RetryPolicy, retry_then_dead_letter
from bundling_shared.observability.broker import observed
from bundling_shared.observability.metrics import ServiceMetrics, attach
from bundling_shared.settings import KafkaSettings
from bundling_shared.topics import Topic

log = get_logger(__name__)

TOPIC_ALREADY_EXISTS = 36


def make_broker(settings: KafkaSettings, service: str, metrics: ServiceMetrics | None = None) -> KafkaBroker:
    """With `metrics`, messages received, processed and published are counted and timed
    in the service's registry; with tracing on, each is a span in its message's trace."""
    policy = RetryPolicy.of(settings, service)
    broker = KafkaBroker(
        settings.bootstrap_servers,
        client_id=service,
        acks="all",
        enable_idempotence=True,
        middlewares=[*observed(service, metrics), retry_then_dead_letter(policy)],
        logger=get_logger(f"{service}.kafka"),
    )
    if metrics is not None:
        attach(broker, metrics)
    return broker


def at_least_once(broker: KafkaBroker | KafkaRouter, topic: Topic, group_id: str, **kwargs: Any) -> Callable[..., Any]:
    """A subscriber that commits offsets only after the handler's transaction committed
    (or the message was dead-lettered); a crash before that redelivers the message."""
    decorator: Callable[..., Any] = broker.subscriber(
        topic.name,
        group_id=topics.PREFIX + group_id,
        ack_policy=AckPolicy.NACK_ON_ERROR,
        auto_offset_reset="earliest",
        **kwargs,
    )
    return decorator


async def ensure_topics(bootstrap_servers: str, wanted_topics: Iterable[Topic], replication_factor: int = 1) -> None:
    """Create the topics that are missing; existing ones are left as they are."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers, client_id="topic-admin")
    try:
        await admin.start()  # inside: a broker away leaves no client open behind it
        existing = set(await admin.list_topics())
        wanted = [
            NewTopic(
                name=t.name,
                num_partitions=t.partitions,
                replication_factor=replication_factor,
                topic_configs={"retention.ms": str(t.retention_ms)} if t.retention_ms else {},
            )
            for t in wanted_topics
            if t.name not in existing
        ]
        if not wanted:
            return
        response = await admin.create_topics(wanted)
        for name, code, *rest in response.topic_errors:
            if code not in (0, TOPIC_ALREADY_EXISTS):
                raise RuntimeError(f"cannot create topic {name}: error {code} {rest}")
        log.info("kafka.topics_created", topics=[t.name for t in wanted])
    finally:
        await admin.close()


class Publication(NamedTuple):
    """A topic a service publishes to, with the union of events it carries there."""

    topic: Topic
    schema: Any
    description: str


def declare_publishers(broker: KafkaBroker, *publications: Publication) -> dict[str, Any]:
    """Declared on the broker so that the AsyncAPI document lists them and the outbox relay
    sends through them (`outbox.via_publishers`)."""
    return {
        p.topic.name: broker.publisher(
            p.topic.name,
            schema=p.schema,
            title=f"{p.topic.name.removeprefix(topics.PREFIX)}:publish",
            description=p.description,
        )
        for p in publications
    }
