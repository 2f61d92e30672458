"""Alembic environment of the contracts service."""

from bundling_shared.db import run_migrations_online_from_env
from contracts.adapters.orm import metadata

run_migrations_online_from_env(metadata)
