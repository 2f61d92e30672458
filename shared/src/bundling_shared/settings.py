"""Settings every service shares, read from the environment.

Common settings carry no service prefix (``KAFKA_BOOTSTRAP_SERVERS``, ``AUTH_JWT_SECRET``)
so that one environment file configures all three services; each service adds its own
prefixed settings (``DEMAND_DATABASE_URL``...). The defaults run everything on one machine.
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class KafkaSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KAFKA_", extra="ignore")

    bootstrap_servers: str = Field(
        default="127.0.0.1:9092", description="Comma-separated host:port list of the brokers."
    )
    consumer_max_attempts: int = Field(
        default=4, ge=1, description="Attempts at handling one message before it is dead-lettered."
    )
    consumer_backoff_seconds: float = Field(
        default=0.2, ge=0, description="First retry delay; doubles on each further attempt."
    )
    consumer_backoff_max_seconds: float = Field(default=5.0, ge=0)
    replication_factor: int = Field(default=1, ge=1, description="For the topics the project creates.")
    topic_prefix: str = Field(
        default="",
        description="Namespace for topic and consumer group names (read by bundling_shared.topics at import).",
    )


class AuthSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="AUTH_", extra="ignore")

    jwt_secret: str = Field(
        default="dev-only-secret-change-me-0123456789abcdef",
        description="HS256 key for development tokens. Ignored when AUTH_JWKS_URL is set.",
    )
    jwks_url: str | None = Field(default=None, description="Production: verify RS/ES-signed tokens against this JWKS.")
    issuer: str = Field(default="bundling-dev", description="Expected `iss` claim.")
    audience: str = Field(default="bundling-platform", description="Expected `aud` claim.")


class LogSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LOG_", extra="ignore")

    level: str = Field(default="INFO")
    json_output: bool = Field(default=True, alias="LOG_JSON", description="JSON lines (true) or console.")


class OutboxSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="OUTBOX_", extra="ignore")

    poll_seconds: float = Field(default=0.5, gt=0, description="Relay poll when nothing wakes it.")
    batch_size: int = Field(default=200, ge=1)
    retention_hours: float = Field(default=168.0, gt=0, description="Published rows are purged after this.")
