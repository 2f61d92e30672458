"""Topic names and layouts. The project creates its topics; the broker never auto-creates.

Messages are keyed by aggregate id, so the partition count bounds consumer parallelism
while order per need, bundle or contract holds.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

# Separates environments (or test runs) sharing one cluster: every topic and consumer
# group name starts with it. Read once at import, as topic names are fixed for a process.
PREFIX = os.environ.get("KAFKA_TOPIC_PREFIX", "")


@dataclass(frozen=True)
class Topic:
    name: str
    partitions: int
    retention_ms: int | None = None

    @property
    def dead_letter(self) -> Topic:
        return dead_letter_topic(self)


DEAD_LETTER_SUFFIX = ".dlq"


def dead_letter_topic(topic: Topic) -> Topic:
    """Where messages from `topic` go when no consumer can process them; kept 30 days."""
    return Topic(topic.name + DEAD_LETTER_SUFFIX, 1, retention_ms=30 * 24 * 3600 * 1000)


NEEDS = Topic(PREFIX + "demand.needs", partitions=6)
BUNDLES = Topic(PREFIX + "demand.bundles", partitions=6)
CONTRACTS = Topic(PREFIX + "contracts.contracts", partitions=3)
REFERENCE = Topic(PREFIX + "contracts.reference", partitions=3)
ENDPOINTS = Topic(PREFIX + "notifications.endpoints", partitions=3)

ALL: tuple[Topic, ...] = (NEEDS, BUNDLES, CONTRACTS, REFERENCE, ENDPOINTS)


def with_dead_letters(*topics: Topic) -> list[Topic]:
    return [t for topic in topics for t in (topic, topic.dead_letter)]
