"""Consumed events through the handlers, on a unit of work in memory: what becomes a
message, for whom, and what is acknowledged and told to no one."""

from __future__ import annotations

from typing import Any

from bundling_shared.events.envelope import EventEnvelope
from notifications.adapters.url_guard import DnsUrlGuard
from notifications.domain.endpoint import Endpoint
from notifications.service_layer import endpoints, messages, suppliers
from tests.notifications import events
from tests.notifications.conftest import ADMIN, LINKS
from tests.notifications.unit.fakes import FakeUnitOfWork

HOOK = "https://hooks.example-defence.eu/"


async def subscribe(uow: FakeUnitOfWork, guard: DnsUrlGuard, organisation: str, nation: bool = False) -> Endpoint:
    cmd = endpoints.RegisterEndpoint(
        url=HOOK + organisation.lower(),
        description="",
        event_types=(),
        organisation=None if nation else organisation,
        nation=organisation if nation else None,
    )
    return await endpoints.register_endpoint(uow, caller=ADMIN, cmd=cmd, guard=guard)


async def consume(
    uow: FakeUnitOfWork, event: EventEnvelope[Any], consumer: str = messages.CONTRACTS_CONSUMER
) -> str | None:
    return await messages.consume(uow, consumer=consumer, event=event, links=LINKS)


def delivered_to(uow: FakeUnitOfWork, message_id: str | None) -> set[str]:
    return {d.endpoint_id for d in uow.deliveries.rows.values() if d.message_id == message_id}


async def test_a_contract_becomes_one_message_for_every_company_and_a_redelivery_changes_nothing(
    uow: FakeUnitOfWork, guard: DnsUrlGuard
) -> None:
    nammo, thales = await subscribe(uow, guard, "NAMMO"), await subscribe(uow, guard, "THALES")
    await subscribe(uow, guard, "NLD", nation=True)
    event = events.contract_created()
    message_id = await consume(uow, event)
    assert await consume(uow, event) is None
    assert list(uow.messages.rows) == [message_id]
    assert delivered_to(uow, message_id) == {nammo.id, thales.id}, "a desk is not sent industry's news"
    assert uow.messages.rows[message_id or ""].payload["nation_count"] == 2


async def test_an_accession_and_an_agencys_uncontracted_commitment_are_acknowledged_and_told_to_no_one(
    uow: FakeUnitOfWork, guard: DnsUrlGuard
) -> None:
    await subscribe(uow, guard, "NAMMO")
    acceded, agency = events.framework_acceded(), events.commitment_refused("NSPA", "bundle-agency")
    assert await consume(uow, acceded) is None
    assert await consume(uow, agency) is None
    assert uow.messages.rows == {}
    assert {event_id for _, event_id in uow.processed} == {acceded.event_id, agency.event_id}


async def test_the_lead_nations_desk_alone_hears_its_commitment_was_not_contracted(
    uow: FakeUnitOfWork, guard: DnsUrlGuard
) -> None:
    nld = await subscribe(uow, guard, "NLD", nation=True)
    await subscribe(uow, guard, "DNK", nation=True)
    await subscribe(uow, guard, "NAMMO")
    message_id = await consume(uow, events.commitment_refused("NLD"))
    assert delivered_to(uow, message_id) == {nld.id}


async def test_restricted_news_waits_for_a_valid_security_declaration(uow: FakeUnitOfWork, guard: DnsUrlGuard) -> None:
    thales = await subscribe(uow, guard, "THALES")
    await subscribe(uow, guard, "NAMMO")
    withheld = await consume(uow, events.call_off(supplier="THALES"))
    assert withheld is not None and delivered_to(uow, withheld) == set(), "kept, with no deliveries"
    await suppliers.register_supplier(
        uow, consumer=messages.REFERENCE_CONSUMER, event=events.supplier_registered("THALES")
    )
    told = await consume(uow, events.call_off(supplier="THALES"))
    assert delivered_to(uow, told) == {thales.id}


async def test_an_older_registration_arriving_late_does_not_undo_a_newer_one(uow: FakeUnitOfWork) -> None:
    newer = events.supplier_registered("THALES", None)  # declaration withdrawn
    older = events.supplier_registered("THALES").model_copy(
        update={"occurred_at": newer.occurred_at.replace(year=2000)}
    )
    for event in (newer, older):
        await suppliers.register_supplier(uow, consumer=messages.REFERENCE_CONSUMER, event=event)
    assert uow.suppliers.rows["THALES"].security_declaration_valid_until is None
