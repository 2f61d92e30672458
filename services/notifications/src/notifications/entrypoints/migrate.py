"""``python -m notifications.entrypoints.migrate``: bring the notifications database to the latest schema and
exit; what a deployment runs before the service's replicas, which then start with
``NOTIFICATIONS_RUN_MIGRATIONS=false``."""

from __future__ import annotations

import sys

from bundling_shared import schema_migration
from notifications.config import NotificationsSettings
from notifications.entrypoints.app import MIGRATIONS

if __name__ == "__main__":
    sys.exit(schema_migration.main("notifications", NotificationsSettings(), MIGRATIONS))
