"""Alembic environment of the notifications service."""

from bundling_shared.db import run_migrations_online_from_env
from notifications.adapters.orm import metadata

run_migrations_online_from_env(metadata)
