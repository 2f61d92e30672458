"""Settings every service shares, read from the environment.

Common settings carry no service prefix (``KAFKA_BOOTSTRAP_SERVERS``, ``AUTH_JWT_SECRET``)
so that one environment file configures all three services; each service adds its own
prefixed settings (``DEMAND_DATABASE_URL``...). The defaults run everything on one machine.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bundling_shared.clock import AheadClock, Clock, SystemClock


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
    reconnect_first_seconds: float = Field(
        default=0.5, gt=0, description="A service that cannot reach Kafka at start-up tries again after this long..."
    )
    reconnect_max_seconds: float = Field(
        default=30.0, gt=0, description="...doubling the wait after each failure up to this (each wait jittered)."
    )
    topic_prefix: str = Field(
        default="",
        description="Namespace for topic and consumer group names (read by bundling_shared.topics at import).",
    )


DEVELOPMENT_SECRET = "dev-only-secret-change-me-0123456789abcdef"
DEVELOPMENT_ISSUER = "bundling-dev"


class InsecureConfiguration(RuntimeError):
    """A service outside development mode was given development defaults."""


class AuthSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="AUTH_", extra="ignore")

    mode: Literal["development", "production"] = Field(
        default="production",
        description="`development` accepts HS256 tokens signed with AUTH_JWT_SECRET (deploy/run.sh and the "
        "tests set it); `production`, the default, refuses to start without AUTH_JWKS_URL and an issuer of "
        "its own, and accepts only tokens signed by the issuer's published keys.",
    )

    jwt_secret: str = Field(
        default=DEVELOPMENT_SECRET,
        description="HS256 key for development tokens. Ignored when AUTH_JWKS_URL is set.",
    )
    jwks_url: str | None = Field(default=None, description="Production: verify RS/ES-signed tokens against this JWKS.")
    issuer: str = Field(default=DEVELOPMENT_ISSUER, description="Expected `iss` claim.")
    audience: str = Field(default="bundling-platform", description="Expected `aud` claim.")

    def check_safe(self) -> None:
        """Production never runs on what the documentation publishes: no JWKS means
        tokens would be checked against the public development secret."""
        if self.mode == "development":
            return
        problems = []
        if not self.jwks_url:
            problems.append("AUTH_JWKS_URL is not set (development tokens are refused in production)")
        if self.issuer == DEVELOPMENT_ISSUER:
            problems.append(f"AUTH_ISSUER is the development default {DEVELOPMENT_ISSUER!r}")
        if problems:
            raise InsecureConfiguration(
                "refusing to start in production mode: "
                + "; ".join(problems)
                + ". Configure them, or set AUTH_MODE=development on a development machine."
            )


class HttpSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HTTP_", extra="ignore")

    max_body_bytes: int = Field(default=1_048_576, ge=1024, description="Larger request bodies are refused with 413.")


class LogSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LOG_", extra="ignore")

    level: str = Field(default="INFO")
    json_output: bool = Field(default=True, alias="LOG_JSON", description="JSON lines (true) or console.")


class OutboxSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="OUTBOX_", extra="ignore")

    poll_seconds: float = Field(default=0.5, gt=0, description="Relay poll when nothing wakes it.")
    linger_seconds: float = Field(
        default=0.01,
        ge=0,
        le=1,
        description="Woken by a commit, the relay waits this long for the commits after it, and publishes "
        "their rows together: a batch costs about as much to publish as one row.",
    )
    batch_size: int = Field(default=200, ge=1)
    retention_hours: float = Field(default=168.0, gt=0, description="Published rows are purged after this.")


class MetricsSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="METRICS_", extra="ignore")

    enabled: bool = Field(
        default=True,
        description="Serve /metrics and count requests and messages; false leaves the route and the counting out.",
    )


class TracingSettings(BaseSettings):
    """OpenTelemetry traces, off unless an exporter is named here."""

    model_config = SettingsConfigDict(env_prefix="TRACING_", extra="ignore", populate_by_name=True)

    otlp_endpoint: str | None = Field(
        default=None,
        validation_alias="OTEL_EXPORTER_OTLP_ENDPOINT",
        description="Base URL of an OTLP/HTTP collector (spans go to its /v1/traces), e.g. http://collector:4318.",
    )
    file: Path | None = Field(
        default=None, description="Append finished spans to this file, one JSON object a line (tests, rehearsals)."
    )

    @property
    def active(self) -> bool:
        return bool(self.otlp_endpoint) or self.file is not None


class ClockSettings(BaseSettings):
    """A service run as a process for a test or a rehearsal lives on a chosen day: its clock
    starts at ``CLOCK_START`` and runs on in real time from there, so deadlines and
    standstills pass as they would then. Production runs on the system clock."""

    model_config = SettingsConfigDict(env_prefix="CLOCK_", extra="ignore")

    start: datetime | None = Field(
        default=None,
        description="Development only: the ISO datetime the service's clock starts at (UTC unless it names a "
        "zone) and runs on from. Unset: the system clock.",
    )

    def clock(self, auth: AuthSettings) -> Clock:
        if self.start is None:
            return SystemClock()
        if auth.mode != "development":
            raise InsecureConfiguration("CLOCK_START is for development only; production runs on the system clock")
        start = self.start if self.start.tzinfo else self.start.replace(tzinfo=UTC)
        return AheadClock(start - datetime.now(UTC))


class ServiceSettings(BaseSettings):
    """What every service is configured with besides its own rules. A service subclasses
    it with its prefix (``DEMAND_``...), its database's default file and its port; the
    nested groups read their own prefixes (``KAFKA_``, ``AUTH_``...), shared by all."""

    model_config = SettingsConfigDict(extra="ignore")

    database_url: str = Field(description="SQLAlchemy async URL; postgresql+asyncpg://... in production.")
    host: str = "127.0.0.1"
    port: int

    @field_validator("port")
    @classmethod
    def _a_port(cls, port: int) -> int:
        """Checked here, for the subclass that sets only its default port."""
        if not 1 <= port <= 65535:
            raise ValueError("a TCP port is between 1 and 65535")
        return port

    run_migrations: bool = Field(default=True, description="Apply Alembic migrations at start-up.")
    kafka: KafkaSettings = Field(default_factory=KafkaSettings)
    auth: AuthSettings = Field(default_factory=AuthSettings)
    log: LogSettings = Field(default_factory=LogSettings)
    outbox: OutboxSettings = Field(default_factory=OutboxSettings)
    clock: ClockSettings = Field(default_factory=ClockSettings)
    metrics: MetricsSettings = Field(default_factory=MetricsSettings)
    tracing: TracingSettings = Field(default_factory=TracingSettings)
