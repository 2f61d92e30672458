"""Settings of the demand service (prefix ``DEMAND_``) plus the shared ones."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from bundling_shared.settings import AuthSettings, ClockSettings, KafkaSettings, LogSettings, OutboxSettings


class DemandSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DEMAND_", extra="ignore")

    database_url: str = Field(
        default="sqlite+aiosqlite:///./var/demand.db",
        description="SQLAlchemy async URL; postgresql+asyncpg://... in production.",
    )
    host: str = "127.0.0.1"
    port: int = 8001
    run_migrations: bool = Field(default=True, description="Apply Alembic migrations at start-up.")
    publish_quiet_seconds: float = Field(
        default=1.0, description="A bundle's update is published once it has been quiet this long."
    )
    publish_max_wait_seconds: float = Field(
        default=5.0, description="...or at the latest this long after its first unpublished change."
    )
    kafka: KafkaSettings = Field(default_factory=KafkaSettings)
    auth: AuthSettings = Field(default_factory=AuthSettings)
    log: LogSettings = Field(default_factory=LogSettings)
    outbox: OutboxSettings = Field(default_factory=OutboxSettings)
    clock: ClockSettings = Field(default_factory=ClockSettings)
