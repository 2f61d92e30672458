"""The dispatcher against a real HTTP receiver on 127.0.0.1, with SQLite."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from standardwebhooks.webhooks import Webhook

from notifications.adapters import orm
from notifications.bootstrap import NotificationsService
from notifications.domain.delivery import DeliveryStatus
from notifications.domain.endpoint import EndpointStatus
from notifications.domain.retry import Verdict
from notifications.service_layer import endpoints
from notifications.service_layer.deliveries import Outcome, record_attempts
from notifications.service_layer.unit_of_work import UnitOfWork
from tests.notifications.conftest import ADMIN, FakeClock, company
from tests.notifications.integration.conftest import (
    Receiver,
    Reply,
    add_endpoint,
    announce,
    attempts_of,
    dispatch_once,
    endpoint_of,
    make_settings,
    rows_of,
    running_service,
)


async def deliveries(service: NotificationsService) -> list[dict[str, Any]]:
    return await rows_of(service, orm.deliveries, orm.deliveries.c.created_at)


async def until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out after {timeout}s waiting for {what}"
        await asyncio.sleep(0.02)


async def test_a_due_delivery_is_posted_signed_and_recorded(
    service: NotificationsService, receiver: Receiver, clock: FakeClock
) -> None:
    endpoint = await add_endpoint(service, "NAMMO", receiver.url("/hooks/nammo"))
    message_id = await announce(service)

    assert await dispatch_once(service) == 1

    [hit] = receiver.hits
    assert hit.path == "/hooks/nammo"
    assert hit.headers["webhook-id"] == message_id
    assert hit.headers["content-type"] == "application/json"
    payload = Webhook(endpoint.secret).verify(hit.body, hit.headers)
    assert payload["type"] == "contract.created"
    assert payload["data"]["contract_id"] == "contract-155mm"
    [delivery] = await deliveries(service)
    assert delivery["status"] == DeliveryStatus.SUCCEEDED
    assert delivery["attempt_count"] == 1
    [attempt] = await attempts_of(service, endpoint.id, company("NAMMO"))
    assert attempt.succeeded and attempt.status_code == 204 and attempt.latency_ms >= 0
    assert await dispatch_once(service) == 0  # nothing is sent twice


async def test_a_500_is_retried_after_five_seconds_with_the_same_webhook_id(
    service: NotificationsService, receiver: Receiver, clock: FakeClock
) -> None:
    url = receiver.script("/flaky", Reply(500, body=b"database is down"), Reply(200))
    endpoint = await add_endpoint(service, "NAMMO", url)
    await announce(service)

    assert await dispatch_once(service) == 1
    [delivery] = await deliveries(service)
    assert delivery["status"] == DeliveryStatus.PENDING
    assert delivery["attempt_count"] == 1
    assert delivery["next_attempt_at"] == clock.now() + timedelta(seconds=5)

    clock.advance(timedelta(seconds=4))
    assert await dispatch_once(service) == 0, "not due before its time"
    clock.advance(timedelta(seconds=1))
    assert await dispatch_once(service) == 1

    first, second = receiver.hits
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    assert first.headers["webhook-timestamp"] != second.headers["webhook-timestamp"]
    assert Webhook(endpoint.secret).verify(second.body, second.headers)
    [delivery] = await deliveries(service)
    assert delivery["status"] == DeliveryStatus.SUCCEEDED and delivery["attempt_count"] == 2
    log = await attempts_of(service, endpoint.id)
    assert [(a.status_code, a.succeeded) for a in log] == [(200, True), (500, False)]  # newest first
    assert log[1].response_body == "database is down"


async def test_retry_after_from_the_endpoint_is_honoured(
    service: NotificationsService, receiver: Receiver, clock: FakeClock
) -> None:
    url = receiver.script("/busy", Reply(429, headers={"retry-after": "120"}))
    await add_endpoint(service, "NAMMO", url)
    await announce(service)
    await dispatch_once(service)
    [delivery] = await deliveries(service)
    assert delivery["next_attempt_at"] == clock.now() + timedelta(seconds=120)


async def test_410_disables_the_endpoint_and_it_gets_nothing_more(
    service: NotificationsService, receiver: Receiver, clock: FakeClock
) -> None:
    url = receiver.script("/gone", Reply(410))
    endpoint = await add_endpoint(service, "NAMMO", url)
    await announce(service, "contract-1")
    await dispatch_once(service)

    assert (await endpoint_of(service, endpoint.id)).status is EndpointStatus.DISABLED
    [delivery] = await deliveries(service)
    assert delivery["status"] == DeliveryStatus.FAILED
    await announce(service, "contract-2")
    assert len(await deliveries(service)) == 1, "a disabled endpoint gets no new deliveries"
    assert len(receiver.hits) == 1


async def test_a_redirect_is_a_failure_and_is_not_followed(
    service: NotificationsService, receiver: Receiver, clock: FakeClock
) -> None:
    url = receiver.script("/moved", Reply(307, headers={"location": receiver.url("/elsewhere")}))
    await add_endpoint(service, "NAMMO", url)
    await announce(service)
    await dispatch_once(service)
    assert [h.path for h in receiver.hits] == ["/moved"]
    [delivery] = await deliveries(service)
    assert delivery["status"] == DeliveryStatus.PENDING and delivery["attempt_count"] == 1


async def test_a_paused_endpoint_keeps_its_deliveries_until_resumed(
    service: NotificationsService, receiver: Receiver, clock: FakeClock
) -> None:
    endpoint = await add_endpoint(service, "NAMMO", receiver.url("/later"))
    await announce(service)
    await endpoints.pause_endpoint(service.uow(), caller=ADMIN, endpoint_id=endpoint.id)
    assert await dispatch_once(service) == 0
    await endpoints.resume_endpoint(service.uow(), caller=ADMIN, endpoint_id=endpoint.id)
    assert await dispatch_once(service) == 1
    assert len(receiver.hits) == 1


async def test_the_url_is_checked_again_before_every_delivery(
    tmp_path: Path, receiver: Receiver, clock: FakeClock
) -> None:
    """Registered while loopback was allowed; the running dispatcher no longer allows it."""
    async with running_service(make_settings(tmp_path), clock) as lenient:
        await add_endpoint(lenient, "NAMMO", receiver.url("/internal"))
        await announce(lenient)
    async with running_service(make_settings(tmp_path, allowed_hosts=""), clock) as strict:
        assert await dispatch_once(strict) == 1
        [delivery] = await deliveries(strict)
        [attempt] = await attempts_of(strict, str(delivery["endpoint_id"]))
    assert receiver.hits == []
    assert attempt.status_code is None
    assert attempt.error is not None and "refused" in attempt.error and "loopback" in attempt.error
    assert delivery["status"] == DeliveryStatus.PENDING


async def test_a_hanging_endpoint_does_not_delay_a_healthy_one(
    tmp_path: Path, receiver: Receiver, clock: FakeClock
) -> None:
    settings = make_settings(
        tmp_path, per_endpoint_concurrency=2, max_in_flight=4, request_timeout_seconds=120, claim_lease_seconds=180
    )
    async with running_service(settings, clock) as service:
        slow = await add_endpoint(service, "SLOWCO", receiver.script("/hang", Reply(hang=True)))
        fast = await add_endpoint(service, "FASTCO", receiver.url("/fast"))
        for n in range(6):
            await announce(service, f"contract-{n}")

        worker = asyncio.create_task(service.dispatcher.run())
        try:
            # well inside the 120 s request timeout: only concurrency can make this pass
            await until(lambda: len(receiver.hits_on("/fast")) == 6, 30, "all six to the healthy endpoint")
            await asyncio.sleep(0.2)
            assert len(receiver.hits_on("/hang")) == 2, "the per-endpoint limit holds the hanging endpoint to 2"
        finally:
            service.dispatcher.stop()
            worker.cancel()
            await asyncio.gather(worker, return_exceptions=True)
        outcome = [(d["endpoint_id"], d["status"], d["attempt_count"]) for d in await deliveries(service)]
    assert sorted(o for o in outcome if o[0] == fast.id) == [(fast.id, DeliveryStatus.SUCCEEDED, 1)] * 6
    # the hanging attempts were cut short by the shutdown: unrecorded, resumed after their lease
    assert sorted(o for o in outcome if o[0] == slow.id) == [(slow.id, DeliveryStatus.PENDING, 0)] * 6


async def test_a_running_dispatcher_is_woken_by_new_deliveries(
    tmp_path: Path, receiver: Receiver, clock: FakeClock
) -> None:
    settings = make_settings(tmp_path, poll_seconds=120)  # polling alone would take 120 s
    async with running_service(settings, clock) as service:
        await add_endpoint(service, "NAMMO", receiver.url("/woken"))
        worker = asyncio.create_task(service.dispatcher.run())
        try:
            await asyncio.sleep(0.1)  # the dispatcher found nothing and waits
            await announce(service)
            await until(lambda: len(receiver.hits) == 1, 30, "the webhook after the wake-up")
        finally:
            service.dispatcher.stop()
            worker.cancel()
            await asyncio.gather(worker, return_exceptions=True)


async def test_a_delivery_claimed_by_a_dispatcher_that_died_is_resumed_after_its_lease(
    tmp_path: Path, receiver: Receiver, clock: FakeClock
) -> None:
    async with running_service(make_settings(tmp_path), clock) as first:
        endpoint = await add_endpoint(first, "NAMMO", receiver.script("/resume", Reply(hang=True), Reply(204)))
        message_id = await announce(first)
        worker = asyncio.create_task(first.dispatcher.run())
        await until(lambda: len(receiver.hits) == 1, 30, "the first attempt")
        worker.cancel()  # the process dies mid-attempt: nothing is recorded
        await asyncio.gather(worker, return_exceptions=True)

    async with running_service(make_settings(tmp_path), clock) as restarted:
        assert await dispatch_once(restarted) == 0, "the claim still holds"
        clock.advance(timedelta(seconds=61))
        assert await dispatch_once(restarted) == 1
        [delivery] = await deliveries(restarted)
    assert delivery["status"] == DeliveryStatus.SUCCEEDED
    assert [h.headers["webhook-id"] for h in receiver.hits] == [message_id, message_id]
    assert Webhook(endpoint.secret).verify(receiver.hits[1].body, receiver.hits[1].headers)


async def test_during_a_rotation_the_receiver_can_verify_with_either_secret(
    service: NotificationsService, receiver: Receiver, clock: FakeClock
) -> None:
    endpoint = await add_endpoint(service, "NAMMO", receiver.url("/rotating"))
    old = endpoint.secret
    rotated = await endpoints.rotate_secret(
        service.uow(), caller=company("NAMMO"), endpoint_id=endpoint.id, overlap=timedelta(hours=24)
    )
    await announce(service)
    await dispatch_once(service)
    [hit] = receiver.hits
    assert Webhook(rotated.secret).verify(hit.body, hit.headers)
    assert Webhook(old).verify(hit.body, hit.headers)


async def test_the_request_goes_to_the_checked_address_under_the_registered_name(
    service: NotificationsService, receiver: Receiver, clock: FakeClock
) -> None:
    """Only the guard's DNS knows receiver.test: the hit proves no second lookup happened."""
    endpoint = await add_endpoint(service, "NAMMO", f"http://receiver.test:{receiver.port}/pinned")
    await announce(service)
    await dispatch_once(service)
    [hit] = receiver.hits
    assert hit.headers["host"] == f"receiver.test:{receiver.port}"
    assert Webhook(endpoint.secret).verify(hit.body, hit.headers)


async def test_tests_never_send_beyond_loopback(service: NotificationsService, clock: FakeClock) -> None:
    endpoint = await add_endpoint(service, "NAMMO", "https://hooks.example-defence.eu/x")
    await announce(service)
    await dispatch_once(service)
    [attempt] = await attempts_of(service, endpoint.id)
    assert attempt.error is not None and "may not connect to 93.184.216.34" in attempt.error


async def test_connections_are_reused_per_host_name_and_never_across_names(
    service: NotificationsService, receiver: Receiver, clock: FakeClock
) -> None:
    """Two names on one address: each gets its own kept-alive connection, so a connection
    (and its TLS session) made for one name never carries the other's webhooks."""
    receiver.keep_alive = True
    by_name = await add_endpoint(service, "NAMMO", f"http://receiver.test:{receiver.port}/by-name")
    for n in range(2):  # one at a time: the second reuses the first one's connection
        await announce(service, f"contract-{n}")
        await dispatch_once(service)
    assert (len(receiver.hits_on("/by-name")), receiver.connections) == (2, 1)

    await endpoints.pause_endpoint(service.uow(), caller=ADMIN, endpoint_id=by_name.id)
    await add_endpoint(service, "THALES", receiver.url("/by-address"))  # 127.0.0.1, as receiver.test
    await announce(service, "contract-2")
    await dispatch_once(service)
    assert len(receiver.hits_on("/by-address")) == 1
    assert receiver.connections == 2, "same address, other name: a connection of its own"


async def test_attempts_that_finish_together_are_recorded_in_one_transaction(
    service: NotificationsService, receiver: Receiver, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    for n in range(20):
        await add_endpoint(service, f"ORG{n}", receiver.url(f"/together-{n}"))
    await announce(service)
    commits: list[int] = []
    original = record_attempts

    async def counting(uow: UnitOfWork, *, outcomes: list[Outcome], **kwargs: Any) -> dict[str, Verdict | None]:
        commits.append(len(outcomes))
        return await original(uow, outcomes=outcomes, **kwargs)

    monkeypatch.setattr("notifications.service_layer.deliveries.record_attempts", counting)
    await dispatch_once(service)
    assert sum(commits) == 20
    assert len(commits) < 20, f"one transaction per attempt: {commits}"
    assert all(d["status"] == DeliveryStatus.SUCCEEDED for d in await deliveries(service))
