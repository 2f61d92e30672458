"""Topic names and layouts. The project creates its topics; the broker never auto-creates.

Messages are keyed by aggregate id, so the partition count bounds consumer parallelism
while order per need, bundle or contract holds.
"""

from __future__ import annotations

from dataclasses import dataclass


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


NEEDS = Topic("demand.needs", partitions=6)
BUNDLES = Topic("demand.bundles", partitions=6)
CONTRACTS = Topic("contracts.contracts", partitions=3)

ALL: tuple[Topic, ...] = (NEEDS, BUNDLES, CONTRACTS)


def with_dead_letters(*topics: Topic) -> list[Topic]:
    return [t for topic in topics for t in (topic, topic.dead_letter)]
