"""Deliveries through the handlers, on a unit of work in memory: the dispatcher's claim and
record, resending and recovering, and who may see where a message went."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bundling_shared import topics
from bundling_shared.errors import Conflict, NotFound
from notifications.adapters.url_guard import DnsUrlGuard
from notifications.domain.delivery import AttemptResult, DeliveryJob, DeliveryStatus
from notifications.domain.endpoint import Endpoint, EndpointStatus
from notifications.domain.errors import EmptyWindow
from notifications.domain.retry import Verdict
from notifications.service_layer import deliveries, endpoints, messages, suppliers
from notifications.service_layer.deliveries import Outcome
from tests.notifications import events
from tests.notifications.conftest import ADMIN, LINKS, FakeClock, company
from tests.notifications.unit.fakes import FakeUnitOfWork

LEASE = timedelta(seconds=60)


async def subscribe(uow: FakeUnitOfWork, guard: DnsUrlGuard, organisation: str = "NAMMO") -> Endpoint:
    cmd = endpoints.RegisterEndpoint(
        url=f"https://hooks.example-defence.eu/{organisation.lower()}",
        description="",
        event_types=(),
        organisation=organisation,
    )
    return await endpoints.register_endpoint(uow, caller=ADMIN, cmd=cmd, guard=guard)


async def announce(uow: FakeUnitOfWork, contract_id: str = "contract-155mm") -> str:
    event = events.contract_created(contract_id=contract_id)
    message_id = await messages.consume(uow, consumer=messages.CONTRACTS_CONSUMER, event=event, links=LINKS)
    assert message_id is not None
    return message_id


async def claim(uow: FakeUnitOfWork) -> list[DeliveryJob]:
    return await deliveries.claim_due(uow, lease=LEASE, limit=10, room=lambda _: 4)


async def answer(uow: FakeUnitOfWork, job: DeliveryJob, status: int, clock: FakeClock) -> Verdict | None:
    outcome = Outcome(job, AttemptResult(status_code=status, latency_ms=3), clock.now())
    return (await deliveries.record_attempts(uow, outcomes=[outcome]))[job.delivery_id]


async def test_a_claim_is_a_lease_and_carries_what_the_attempt_needs(
    uow: FakeUnitOfWork, guard: DnsUrlGuard, clock: FakeClock
) -> None:
    endpoint = await subscribe(uow, guard)
    message_id = await announce(uow)
    [job] = await claim(uow)
    assert (job.message_id, job.endpoint_id, job.attempt_number) == (message_id, endpoint.id, 1)
    assert job.secrets == (endpoint.secret,)
    assert '"type":"contract.created"' in job.body
    [delivery] = uow.deliveries.rows.values()
    assert delivery.next_attempt_at == clock.now() + LEASE
    assert await claim(uow) == [], "claimed once"


async def test_410_disables_the_endpoint_and_its_owner_is_told_once(
    uow: FakeUnitOfWork, guard: DnsUrlGuard, clock: FakeClock
) -> None:
    endpoint = await subscribe(uow, guard)
    await announce(uow, "contract-1")
    await announce(uow, "contract-2")
    jobs = await claim(uow)
    assert [await answer(uow, job, 410, clock) for job in jobs] == [Verdict.GONE, Verdict.GONE]
    assert endpoint.status is EndpointStatus.DISABLED
    [(topic, event)] = uow.emitted
    assert topic == topics.ENDPOINTS
    assert (event.payload.endpoint_id, event.payload.reason) == (endpoint.id, "the endpoint answered 410 Gone")


async def test_a_failed_message_is_resent_from_the_start_of_the_schedule_a_pending_one_is_not(
    uow: FakeUnitOfWork, guard: DnsUrlGuard, clock: FakeClock
) -> None:
    endpoint = await subscribe(uow, guard)
    message_id = await announce(uow)
    nammo = company("NAMMO")
    with pytest.raises(Conflict, match="still pending"):
        await deliveries.resend(uow, caller=nammo, endpoint_id=endpoint.id, message_id=message_id)
    [job] = await claim(uow)
    await answer(uow, job, 410, clock)
    clock.advance(timedelta(hours=1))
    resent = await deliveries.resend(uow, caller=nammo, endpoint_id=endpoint.id, message_id=message_id)
    assert (resent.status, resent.attempt_count, resent.next_attempt_at) == (DeliveryStatus.PENDING, 0, clock.now())
    assert uow.deliveries.requeues == 1


async def test_only_what_an_endpoint_had_is_resent_and_only_by_its_owner(
    uow: FakeUnitOfWork, guard: DnsUrlGuard
) -> None:
    nammo, thales = await subscribe(uow, guard, "NAMMO"), await subscribe(uow, guard, "THALES")
    withheld = await messages.consume(
        uow, consumer=messages.CONTRACTS_CONSUMER, event=events.call_off(supplier="THALES"), links=LINKS
    )
    assert withheld is not None
    with pytest.raises(NotFound, match="was not sent to endpoint"):
        await deliveries.resend(uow, caller=ADMIN, endpoint_id=thales.id, message_id=withheld)
    message_id = await announce(uow)
    with pytest.raises(NotFound, match=f"endpoint {nammo.id} not found"):
        await deliveries.resend(uow, caller=company("THALES"), endpoint_id=nammo.id, message_id=message_id)
    with pytest.raises(NotFound, match=f"message {message_id} not found"):
        await deliveries.message_deliveries(uow, caller=company("KNDS"), message_id=message_id, limit=10, offset=0)
    mine, total = await deliveries.message_deliveries(
        uow, caller=company("THALES"), message_id=message_id, limit=10, offset=0
    )
    assert ([d["endpoint_id"] for d in mine], total) == ([thales.id], 1)


async def test_a_recovery_window_must_not_end_before_it_begins(
    uow: FakeUnitOfWork, guard: DnsUrlGuard, clock: FakeClock
) -> None:
    endpoint = await subscribe(uow, guard)
    with pytest.raises(EmptyWindow):
        await deliveries.recover(uow, caller=ADMIN, endpoint_id=endpoint.id, since=clock.now() + timedelta(hours=1))


async def test_restricted_news_whose_declaration_lapsed_while_it_waited_is_withheld_not_sent(
    uow: FakeUnitOfWork, guard: DnsUrlGuard, clock: FakeClock
) -> None:
    thales = await subscribe(uow, guard, "THALES")
    registered = events.supplier_registered("THALES", clock.now().date())
    await suppliers.register_supplier(uow, consumer=messages.REFERENCE_CONSUMER, event=registered)
    await messages.consume(
        uow, consumer=messages.CONTRACTS_CONSUMER, event=events.call_off(supplier="THALES"), links=LINKS
    )
    clock.advance(timedelta(days=1))
    assert await claim(uow) == []
    [delivery] = uow.deliveries.rows.values()
    assert (delivery.endpoint_id, delivery.status) == (thales.id, DeliveryStatus.FAILED)
    [attempt] = uow.attempts.rows
    assert attempt.error is not None and attempt.error.startswith("withheld: THALES holds no valid security")
