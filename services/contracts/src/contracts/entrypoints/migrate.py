"""``python -m contracts.entrypoints.migrate``: bring the contracts database to the latest schema and
exit; what a deployment runs before the service's replicas, which then start with
``CONTRACTS_RUN_MIGRATIONS=false``."""

from __future__ import annotations

import sys

from bundling_shared import schema_migration
from contracts.config import ContractsSettings
from contracts.entrypoints.app import MIGRATIONS

if __name__ == "__main__":
    sys.exit(schema_migration.main("contracts", ContractsSettings(), MIGRATIONS))
