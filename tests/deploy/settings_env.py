"""The environment variables each process of the platform reads, derived from its
settings classes, so that a setting added in code is missed by a manifest that lacks it."""

from __future__ import annotations

from pydantic import AliasChoices
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings

from bundling_shared.settings import HttpSettings, KafkaSettings, LogSettings, ServiceSettings
from console.config import ConsoleSettings
from contracts.config import ContractsSettings
from demand.config import DemandSettings
from notifications.config import NotificationsSettings

SERVICE_SETTINGS: dict[str, type[ServiceSettings]] = {
    "demand": DemandSettings,
    "contracts": ContractsSettings,
    "notifications": NotificationsSettings,
}

# Read by the OpenTelemetry SDK rather than by a settings class.
TELEMETRY = frozenset({"OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_SERVICE_NAME"})

# Read by the services yet deliberately absent from every deployment, with the reason.
LEFT_UNSET = {
    "CLOCK_START": "development only: a service refuses it outside AUTH_MODE=development",
    "TRACING_FILE": "tests and rehearsals: spans appended to a local file",
}


def env_names(settings: type[BaseSettings]) -> set[str]:
    """Every variable `settings` reads, nested groups (``KAFKA_``, ``AUTH_``...) included."""
    prefix = str(settings.model_config.get("env_prefix", ""))
    names: set[str] = set()
    for name, field in settings.model_fields.items():
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseSettings):
            names |= env_names(annotation)
        else:
            names |= _variables(field, prefix + name)
    return names


def _variables(field: FieldInfo, default: str) -> set[str]:
    """A field is read from its alias when it has one, else from prefix and name."""
    alias = field.validation_alias
    if isinstance(alias, AliasChoices):
        return {choice.upper() for choice in alias.choices if isinstance(choice, str)}
    if isinstance(alias, str):
        return {alias.upper()}
    return {(field.alias or default).upper()}


def read_by_service(service: str) -> set[str]:
    """What a service process (or its dispatcher, or its migration) reads at start-up; the
    console's, what the console reads."""
    if service == "console":
        return env_names(ConsoleSettings)
    return env_names(SERVICE_SETTINGS[service]) | env_names(HttpSettings)


def read_by_topic_creation() -> set[str]:
    return env_names(KafkaSettings) | env_names(LogSettings)
