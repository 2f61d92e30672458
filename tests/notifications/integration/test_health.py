"""Endpoint health: only failures for days disables an endpoint, its owner is told by an
event and sees the status; an optional rate limit per endpoint."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

from bundling_shared import topics
from notifications.adapters import orm
from notifications.bootstrap import NotificationsService
from notifications.domain.delivery import AttemptResult, DeliveryJob
from notifications.domain.endpoint import EndpointStatus
from notifications.service_layer import endpoints
from notifications.service_layer.deliveries import Outcome, record_attempts
from tests.notifications.conftest import FakeClock, company
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


async def outbox(service: NotificationsService) -> list[dict[str, Any]]:
    return await rows_of(service, orm.outbox, orm.outbox.c.id)


async def test_only_failures_for_five_days_disables_the_endpoint_and_tells_its_owner(
    service: NotificationsService, receiver: Receiver, clock: FakeClock
) -> None:
    endpoint = await add_endpoint(service, "NAMMO", receiver.script("/down", Reply(503)))
    await announce(service, "contract-1")
    started = clock.now()
    await dispatch_once(service)
    assert (await endpoint_of(service, endpoint.id)).failing_since == started

    clock.advance(timedelta(days=4, hours=23))
    await announce(service, "contract-2")
    await dispatch_once(service)
    still = await endpoint_of(service, endpoint.id)
    assert still.status is EndpointStatus.ACTIVE, "four days and 23 hours is not yet five days"
    assert await outbox(service) == []

    clock.advance(timedelta(hours=1))
    await announce(service, "contract-3")
    await dispatch_once(service)
    disabled = await endpoint_of(service, endpoint.id)
    assert disabled.status is EndpointStatus.DISABLED
    assert disabled.disabled_at == clock.now()
    assert disabled.disabled_reason is not None and "only failures since" in disabled.disabled_reason

    [row] = await outbox(service)
    assert row["topic"] == topics.ENDPOINTS.name and row["message_key"] == endpoint.id
    event = json.loads(str(row["body"]))
    assert event["event_type"] == "notifications.endpoint.disabled"
    assert event["organisation"] == "NAMMO"
    assert event["payload"]["endpoint_id"] == endpoint.id
    assert "only failures" in event["payload"]["reason"]

    hits = len(receiver.hits)
    clock.advance(timedelta(days=1))
    assert await dispatch_once(service) == 0, "a disabled endpoint is not tried"
    assert len(receiver.hits) == hits


async def test_one_success_starts_the_count_again(
    service: NotificationsService, receiver: Receiver, clock: FakeClock
) -> None:
    url = receiver.script("/patchy", Reply(500), Reply(204), Reply(500))
    endpoint = await add_endpoint(service, "NAMMO", url)
    await announce(service, "contract-1")
    await dispatch_once(service)  # fails
    clock.advance(timedelta(days=4))
    await dispatch_once(service)  # its retry succeeds
    clock.advance(timedelta(days=4))
    await announce(service, "contract-2")
    await dispatch_once(service)  # fails
    assert [h.path for h in receiver.hits] == ["/patchy"] * 3
    after = await endpoint_of(service, endpoint.id)
    assert after.status is EndpointStatus.ACTIVE, "8 days of mixed results is not 5 days of only failures"
    assert after.failing_since == clock.now()


async def test_the_number_of_days_is_a_setting(tmp_path: Path, receiver: Receiver, clock: FakeClock) -> None:
    async with running_service(make_settings(tmp_path, disable_after_failing_days=1), clock) as service:
        endpoint = await add_endpoint(service, "NAMMO", receiver.script("/down", Reply(500)))
        await announce(service, "contract-1")
        await dispatch_once(service)
        clock.advance(timedelta(days=1))
        await dispatch_once(service)  # the retry of contract-1, a day later
        disabled = await endpoint_of(service, endpoint.id)
    assert disabled.status is EndpointStatus.DISABLED


async def test_410_tells_the_owner_once_and_resume_starts_afresh(
    service: NotificationsService, receiver: Receiver, clock: FakeClock
) -> None:
    endpoint = await add_endpoint(service, "NAMMO", receiver.script("/gone", Reply(410), Reply(204)))
    await announce(service, "contract-1")
    await dispatch_once(service)
    [row] = await outbox(service)
    assert json.loads(str(row["body"]))["payload"]["reason"] == "the endpoint answered 410 Gone"
    resumed = await endpoints.resume_endpoint(service.uow(), caller=company("NAMMO"), endpoint_id=endpoint.id)
    assert (resumed.status, resumed.disabled_reason, resumed.disabled_at, resumed.failing_since) == (
        EndpointStatus.ACTIVE,
        None,
        None,
        None,
    )


async def test_a_rate_limited_endpoint_gets_its_rate_and_the_others_are_not_held_up(
    service: NotificationsService, receiver: Receiver, clock: FakeClock
) -> None:
    limited = await add_endpoint(service, "NAMMO", receiver.url("/limited"), rate_limit_per_second=2)
    await add_endpoint(service, "THALES", receiver.url("/free"))
    for n in range(4):
        await announce(service, f"contract-{n}")

    await dispatch_once(service)
    assert len(receiver.hits_on("/limited")) == 2, "a full bucket holds one second's worth"
    assert len(receiver.hits_on("/free")) == 4
    await dispatch_once(service)
    assert len(receiver.hits_on("/limited")) == 2, "no token left until time passes"
    clock.advance(timedelta(milliseconds=400))
    await dispatch_once(service)
    assert len(receiver.hits_on("/limited")) == 2, "at 2/s a token takes half a second"
    clock.advance(timedelta(milliseconds=200))
    await dispatch_once(service)
    assert len(receiver.hits_on("/limited")) == 3, "0.6 s at 2/s is one token"
    await dispatch_once(service)
    assert len(receiver.hits_on("/limited")) == 3, "and only one"
    log = await attempts_of(service, limited.id)
    assert len(log) == 3


async def test_a_success_recorded_with_an_earlier_failure_in_one_batch_leaves_the_endpoint_healthy(
    service: NotificationsService, clock: FakeClock
) -> None:
    endpoint = await add_endpoint(service, "NAMMO", "http://127.0.0.1:9/unused")
    for contract in ("contract-1", "contract-2", "contract-3", "contract-4"):
        await announce(service, contract)
    rows = await rows_of(service, orm.deliveries, orm.deliveries.c.created_at)
    jobs = [DeliveryJob(r["id"], r["message_id"], endpoint.id, endpoint.url, (), "{}", attempt_number=1) for r in rows]
    failed, succeeded = AttemptResult(500, latency_ms=3), AttemptResult(204, latency_ms=3)
    start = clock.now()

    await record_attempts(
        service.uow(),
        outcomes=[Outcome(jobs[0], failed, start), Outcome(jobs[1], succeeded, start + timedelta(seconds=1))],
    )
    healed = await endpoint_of(service, endpoint.id)
    assert healed.failing_since is None, "the later success ends the run of failures"

    later = start + timedelta(days=6)
    await record_attempts(
        service.uow(),
        outcomes=[Outcome(jobs[2], succeeded, later), Outcome(jobs[3], failed, later + timedelta(seconds=1))],
    )
    after = await endpoint_of(service, endpoint.id)
    assert after.status is EndpointStatus.ACTIVE, "one failure after days of quiet disables nothing"
    assert after.failing_since == later + timedelta(seconds=1)
