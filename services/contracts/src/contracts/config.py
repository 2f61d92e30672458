"""Settings of the contracts service (prefix ``CONTRACTS_``) plus the shared ones."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from bundling_shared.settings import AuthSettings, KafkaSettings, LogSettings, OutboxSettings


class ContractsSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CONTRACTS_", extra="ignore")

    database_url: str = Field(
        default="sqlite+aiosqlite:///./var/contracts.db",
        description="SQLAlchemy async URL; postgresql+asyncpg://... in production.",
    )
    host: str = "127.0.0.1"
    port: int = 8002
    run_migrations: bool = Field(default=True, description="Apply Alembic migrations at start-up.")
    kafka: KafkaSettings = Field(default_factory=KafkaSettings)
    auth: AuthSettings = Field(default_factory=AuthSettings)
    log: LogSettings = Field(default_factory=LogSettings)
    outbox: OutboxSettings = Field(default_factory=OutboxSettings)
