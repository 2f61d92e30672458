"""``python -m demand.entrypoints.migrate``: bring the demand database to the latest schema and
exit; what a deployment runs before the service's replicas, which then start with
``DEMAND_RUN_MIGRATIONS=false``."""

from __future__ import annotations

import sys

from bundling_shared import schema_migration
from demand.config import DemandSettings
from demand.entrypoints.app import MIGRATIONS

if __name__ == "__main__":
    sys.exit(schema_migration.main("demand", DemandSettings(), MIGRATIONS))
