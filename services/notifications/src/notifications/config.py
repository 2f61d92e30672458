"""Settings of the notifications service (prefix ``NOTIFICATIONS_``) plus the shared ones."""

from __future__ import annotations

from datetime import timedelta
from typing import Self

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bundling_shared.settings import AuthSettings, KafkaSettings, LogSettings
from notifications.domain.url_safety import UrlPolicy


class NotificationsSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="NOTIFICATIONS_", extra="ignore")

    database_url: str = Field(
        default="sqlite+aiosqlite:///./var/notifications.db",
        description="SQLAlchemy async URL; postgresql+asyncpg://... in production.",
    )
    host: str = "127.0.0.1"
    port: int = 8003
    run_migrations: bool = Field(default=True, description="Apply Alembic migrations at start-up.")
    allow_http: bool = Field(default=False, description="Accept http:// webhook URLs (development only).")
    allowed_hosts: str = Field(
        default="",
        description="Comma-separated host names, IP addresses or networks exempt from the public-address "
        "check, e.g. 127.0.0.1,localhost for local development.",
    )
    request_timeout_seconds: float = Field(default=15.0, gt=0, description="Whole attempt, DNS to last byte.")
    per_endpoint_concurrency: int = Field(default=4, ge=1, description="Attempts in flight to one endpoint.")
    max_in_flight: int = Field(default=100, ge=1, description="Attempts in flight in all; bounds each claim.")
    poll_seconds: float = Field(default=0.5, gt=0, description="Dispatcher poll when nothing wakes it.")
    claim_lease_seconds: float = Field(
        default=60.0, gt=0, description="How long a claimed delivery is left alone before it is tried again."
    )
    secret_rotation_overlap_hours: float = Field(
        default=24.0, ge=0, description="How long the previous secret still signs after a rotation."
    )
    contract_link_template: str = Field(
        default="http://127.0.0.1:8002/v1/contracts/{contract_id}",
        description="Link put in contract messages; the receiver fetches details there, with its own token.",
    )
    kafka: KafkaSettings = Field(default_factory=KafkaSettings)
    auth: AuthSettings = Field(default_factory=AuthSettings)
    log: LogSettings = Field(default_factory=LogSettings)

    @model_validator(mode="after")
    def _lease_outlasts_attempt(self) -> Self:
        if self.claim_lease_seconds <= self.request_timeout_seconds:
            raise ValueError("claim_lease_seconds must exceed request_timeout_seconds, or attempts would overlap")
        return self

    @property
    def url_policy(self) -> UrlPolicy:
        return UrlPolicy.from_setting(allow_http=self.allow_http, allowed_hosts=self.allowed_hosts)

    @property
    def rotation_overlap(self) -> timedelta:
        return timedelta(hours=self.secret_rotation_overlap_hours)

    @property
    def claim_lease(self) -> timedelta:
        return timedelta(seconds=self.claim_lease_seconds)
