"""The settings every service shares: the subclass names its defaults, the base its rules."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from pydantic_settings import SettingsConfigDict

from bundling_shared.settings import ServiceSettings


class ExampleSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="EXAMPLE_", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///./var/example.db"
    port: int = 8009


def test_a_service_reads_its_own_prefix_over_its_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    assert (ExampleSettings().port, ExampleSettings().host) == (8009, "127.0.0.1")
    monkeypatch.setenv("EXAMPLE_PORT", "9100")
    monkeypatch.setenv("EXAMPLE_DATABASE_URL", "postgresql+asyncpg://x@db/example")
    settings = ExampleSettings()
    assert (settings.port, settings.database_url) == (9100, "postgresql+asyncpg://x@db/example")


@pytest.mark.parametrize("port", ["0", "65536", "-1"])
def test_a_port_outside_tcp_is_refused_though_the_service_set_only_a_default(
    monkeypatch: pytest.MonkeyPatch, port: str
) -> None:
    monkeypatch.setenv("EXAMPLE_PORT", port)
    with pytest.raises(ValidationError, match="between 1 and 65535"):
        ExampleSettings()
