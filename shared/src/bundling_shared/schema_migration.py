"""A service's schema migrated by a process of its own, before the service starts.

A service migrates its database at start-up unless ``<SERVICE>_RUN_MIGRATIONS=false``.
Where several replicas start at once (Kubernetes), they would all migrate together; there
a Job runs this first, once, and the replicas start with migrations turned off.
"""

from __future__ import annotations

import asyncio

from bundling_shared.db import migrate_database
from bundling_shared.logging import configure_logging, get_logger
from bundling_shared.settings import ServiceSettings

log = get_logger(__name__)


def main(service: str, settings: ServiceSettings, migrations: str) -> int:
    """The exit status of the Job: 0 once the schema is at the latest revision."""
    configure_logging(service, settings.log.level, settings.log.json_output)
    asyncio.run(migrate_database(settings.database_url, migrations))
    log.info("schema.migrated", service=service)
    return 0
