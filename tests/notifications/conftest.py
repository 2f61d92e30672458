"""What the notifications tests share, with infrastructure or without: the service's
clock moved by the test, name resolution from a table, the links messages carry."""

from __future__ import annotations

import ipaddress
from datetime import timedelta

import pytest

from bundling_shared.auth import Principal, Role
from bundling_shared.clock import FixedClock
from notifications.adapters.url_guard import Resolve
from notifications.domain.url_safety import IPAddress
from notifications.service_layer.messages import Links
from tests.support.today import now_on_the_day

LINK = "https://contracts.example.eu/v1/contracts/{contract_id}"
LINKS = Links(contract=LINK)
ADMIN = Principal(subject="admin:tests", role=Role.ADMIN)
"""Handlers called directly act as the administrator unless a test is about who acts."""


def company(organisation: str) -> Principal:
    return Principal(subject=f"industry:{organisation}", role=Role.INDUSTRY, organisation=organisation)


def desk(nation: str) -> Principal:
    return Principal(subject=f"nation_desk:{nation}", role=Role.NATION_DESK, nation=nation)


class FakeClock(FixedClock):
    """The service's notion of now, moved by the test instead of by waiting; its
    monotonic() (seconds since it was made) drives the rate limiter, so advancing the
    clock refills rate-limit buckets as the same wait would."""

    def __init__(self) -> None:
        super().__init__(now_on_the_day())
        self._start = self.at

    def monotonic(self) -> float:
        return (self.at - self._start).total_seconds()

    def advance_to_retry(self) -> None:
        """Past the first retry's wait (5 s)."""
        self.advance(timedelta(seconds=6))


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def fake_dns(table: dict[str, list[str]]) -> Resolve:
    """Name resolution from a table: tests must not depend on the machine's DNS."""

    async def resolve(host: str, port: int) -> list[IPAddress]:
        if host not in table:
            raise OSError(f"[Errno -2] Name or service not known: {host}")
        return [ipaddress.ip_address(a) for a in table[host]]

    return resolve


DNS = {
    "hooks.example-defence.eu": ["93.184.216.34"],  # public, so registration passes; see LoopbackOnly
    "localhost": ["127.0.0.1"],
    "receiver.test": ["127.0.0.1"],  # known to this table only, not to the machine's resolver
    "metadata.internal": ["169.254.169.254"],
    "split.example.eu": ["93.184.216.34", "10.0.0.7"],
}
