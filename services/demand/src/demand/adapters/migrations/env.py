"""Alembic environment of the demand service."""

from bundling_shared.db import run_migrations_online_from_env
from demand.adapters.orm import metadata

run_migrations_online_from_env(metadata)
