"""``python -m bundling_shared.messaging.create_topics``: create every topic of the
platform, with its dead-letter topic, and exit.

Each service creates the topics it uses at start-up, with ``KAFKA_REPLICATION_FACTOR``.
A deployment whose services may not create topics (an ACL, or an operator who wants
topics to exist before any consumer joins) runs this once beforehand; topics that exist
are left as they are.
"""

from __future__ import annotations

import asyncio
import sys

from bundling_shared import topics
from bundling_shared.logging import configure_logging, get_logger
from bundling_shared.messaging.kafka import ensure_topics
from bundling_shared.settings import KafkaSettings, LogSettings

log = get_logger(__name__)


def main() -> int:
    kafka, logs = KafkaSettings(), LogSettings()
    configure_logging("topics", logs.level, logs.json_output)
    wanted = topics.with_dead_letters(*topics.ALL)
    asyncio.run(ensure_topics(kafka.bootstrap_servers, wanted, kafka.replication_factor))
    log.info("kafka.topics_ensured", topics=[t.name for t in wanted])
    return 0


if __name__ == "__main__":
    sys.exit(main())
