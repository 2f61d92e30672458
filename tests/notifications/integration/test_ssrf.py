"""Server-side request forgery, end to end through the dispatcher and real sockets on
loopback: redirects are not followed, the address connected to is the address checked
(however DNS answers next time), and no proxy is taken from the environment."""

from __future__ import annotations

import ipaddress
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select

from notifications.adapters import orm
from notifications.bootstrap import NotificationsService
from notifications.domain.url_safety import IPAddress
from tests.notifications.conftest import FakeClock
from tests.notifications.integration.conftest import (
    Receiver,
    Reply,
    add_endpoint,
    announce,
    attempts_of,
    dispatch_once,
    make_settings,
    running_service,
    serving,
)


async def only_delivery(service: NotificationsService) -> dict[str, object]:
    async with service.engine.connect() as conn:
        [row] = (await conn.execute(select(orm.deliveries))).mappings().all()
    return dict(row)


@pytest.fixture
async def trap() -> AsyncIterator[Receiver]:
    """Where an attacker would like our requests to end: it must never be hit."""
    async with serving() as server:
        yield server


async def test_a_redirect_to_loopback_is_not_followed_and_counts_as_a_failure(
    tmp_path: Path, receiver: Receiver, trap: Receiver, clock: FakeClock
) -> None:
    """The endpoint is allowed by name only; it answers with a redirect to a loopback
    admin port, which would be refused if it were checked, and is never even tried."""
    settings = make_settings(tmp_path, allowed_hosts="receiver.test")
    async with running_service(settings, clock) as service:
        url = f"http://receiver.test:{receiver.port}/hooks"
        receiver.script("/hooks", Reply(302, headers={"location": trap.url("/admin/shutdown")}))
        endpoint = await add_endpoint(service, "NAMMO", url)
        await announce(service)
        await dispatch_once(service)
        [attempt] = await attempts_of(service, endpoint.id)
        delivery = await only_delivery(service)
    assert [h.path for h in receiver.hits] == ["/hooks"]
    assert trap.hits == []
    assert (attempt.status_code, attempt.succeeded) == (302, False)
    assert (delivery["status"], delivery["attempt_count"]) == ("pending", 1), "a failure, to be retried"


class RebindingDns:
    """Answers the allowed address for the first `honest` lookups and a forbidden one
    afterwards, as an attacker's name server does to slip past a check that resolves
    separately from the connection."""

    def __init__(self, first: str, then: str, honest: int) -> None:
        self.first, self.then = ipaddress.ip_address(first), ipaddress.ip_address(then)
        self.honest = honest
        self.lookups = 0

    async def __call__(self, host: str, port: int) -> list[IPAddress]:
        self.lookups += 1
        return [self.first if self.lookups <= self.honest else self.then]


async def test_the_address_connected_to_is_the_one_checked_whatever_dns_says_next(
    tmp_path: Path, receiver: Receiver, clock: FakeClock
) -> None:
    """Loopback 127.0.0.1 is allowed for the test; 127.0.0.2 is not, and a trap listens
    there on the same port. One lookup per attempt: the first attempt connects to the
    address its lookup gave; the retry's lookup gives the forbidden one and is refused."""
    trap = Receiver()
    await trap.start_on("127.0.0.2", receiver.port)
    dns = RebindingDns("127.0.0.1", "127.0.0.2", honest=2)  # registration and first attempt
    settings = make_settings(tmp_path, allowed_hosts="127.0.0.1/32")
    try:
        async with running_service(settings, clock, resolve=dns) as service:
            url = receiver.script("/pinned", Reply(500))
            endpoint = await add_endpoint(service, "NAMMO", url.replace("127.0.0.1", "rebind.test"))
            assert dns.lookups == 1  # the check at registration
            await announce(service)
            await dispatch_once(service)
            assert dns.lookups == 2, "the attempt resolved once, and the connection used that answer"
            assert len(receiver.hits_on("/pinned")) == 1
            assert trap.hits == []
            clock.advance_to_retry()
            await dispatch_once(service)
            log = await attempts_of(service, endpoint.id)
    finally:
        await trap.close()
    assert trap.hits == [], "the second answer was refused, never connected to"
    assert len(receiver.hits) == 1
    refused = log[0]
    assert refused.status_code is None
    assert refused.error is not None and "refused" in refused.error and "127.0.0.2" in refused.error


async def test_no_proxy_is_taken_from_the_environment(
    tmp_path: Path, receiver: Receiver, trap: Receiver, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the proxy variables pointing at the trap, the webhook still goes straight to
    the checked address: a proxy would make its own lookup and its own connection."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.setenv(name, trap.url(""))
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    async with running_service(make_settings(tmp_path), clock) as service:
        await add_endpoint(service, "NAMMO", receiver.url("/direct"))
        await announce(service)
        await dispatch_once(service)
    assert trap.hits == []
    assert [h.path for h in receiver.hits] == ["/direct"]
