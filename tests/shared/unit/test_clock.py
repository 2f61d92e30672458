"""CLOCK_START: a service run as a process lives on a chosen day, and only in development."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bundling_shared.clock import SystemClock
from bundling_shared.settings import AuthSettings, ClockSettings, InsecureConfiguration
from demand.bootstrap import bootstrap
from demand.config import DemandSettings

DEVELOPMENT = AuthSettings(mode="development")


def test_without_a_start_the_service_reads_the_system_clock() -> None:
    assert isinstance(ClockSettings().clock(DEVELOPMENT), SystemClock)


def test_the_clock_starts_on_the_chosen_day_and_runs_on(monkeypatch: pytest.MonkeyPatch) -> None:
    start = datetime.now(UTC) + timedelta(days=7 * 365 + 123)
    monkeypatch.setenv("CLOCK_START", start.replace(tzinfo=None).isoformat())
    clock = ClockSettings().clock(DEVELOPMENT)
    first = clock.now()
    assert abs(first - start) < timedelta(seconds=5) and clock.today() == first.date()
    assert clock.now() >= first


def test_a_start_with_its_zone_is_read_in_that_zone() -> None:
    clock = ClockSettings(start=datetime.fromisoformat("2040-01-01T00:30:00+02:00")).clock(DEVELOPMENT)
    assert clock.today().isoformat() == "2039-12-31"


def test_production_refuses_a_moved_clock() -> None:
    settings = ClockSettings(start=datetime(2040, 1, 1, tzinfo=UTC))
    with pytest.raises(InsecureConfiguration, match="CLOCK_START"):
        settings.clock(AuthSettings(mode="production", jwks_url="https://idp.example/jwks", issuer="idp"))


def test_the_demand_service_builds_its_clock_from_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLOCK_START", "2041-06-30T12:00:00Z")
    service = bootstrap(DemandSettings(database_url="sqlite+aiosqlite:///:memory:"))
    assert service.clock.today().isoformat() == "2041-06-30"
    assert service.uow().clock is service.clock
