"""The handlers on a unit of work in memory: no database, no broker."""

from __future__ import annotations

import pytest

from notifications.adapters.url_guard import DnsUrlGuard
from notifications.domain.url_safety import UrlPolicy
from tests.notifications.conftest import DNS, FakeClock, fake_dns
from tests.notifications.unit.fakes import FakeUnitOfWork


@pytest.fixture
def uow(clock: FakeClock) -> FakeUnitOfWork:
    return FakeUnitOfWork(clock)


@pytest.fixture
def guard() -> DnsUrlGuard:
    """The URL rules of production, with names resolved from the tests' table."""
    return DnsUrlGuard(UrlPolicy.of(), fake_dns(DNS))
