"""Consumed events through the handlers, on a unit of work in memory: what becomes a
message, for whom, and what is acknowledged and told to no one."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest

from bundling_shared.events.envelope import EventEnvelope
from notifications.adapters.url_guard import DnsUrlGuard
from notifications.domain.endpoint import Endpoint
from notifications.domain.errors import InvalidEndpoint
from notifications.service_layer import endpoints, messages, suppliers
from tests.notifications import events
from tests.notifications.conftest import ADMIN, LINKS, company
from tests.notifications.unit.fakes import FakeUnitOfWork
from tests.support.today import TODAY

HOOK = "https://hooks.example-defence.eu/"


async def subscribe(
    uow: FakeUnitOfWork, guard: DnsUrlGuard, organisation: str, nation: bool = False, agency: bool = False
) -> Endpoint:
    """A company's endpoint, or a nation's desk's (`nation`), or an agency's (`agency`)."""
    cmd = endpoints.RegisterEndpoint(
        url=HOOK + organisation.lower() + ("-agency" if agency else ""),
        description="",
        event_types=(),
        organisation=None if nation or agency else organisation,
        nation=organisation if nation else None,
        agency=organisation if agency else None,
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
    nld = await subscribe(uow, guard, "NLD", nation=True)  # a line in the contract
    await subscribe(uow, guard, "POL", nation=True)  # none
    polish_company = await subscribe(uow, guard, "POL")  # named like a nation code: a company, told as one
    event = events.contract_created()
    message_id = await consume(uow, event)
    assert await consume(uow, event) is None
    assert list(uow.messages.rows) == [message_id]
    everyone = {nammo.id, thales.id, polish_company.id}
    assert delivered_to(uow, message_id) == everyone | {nld.id}, "a desk hears of its own contracts only"
    assert uow.messages.rows[message_id or ""].payload["nation_count"] == 2


async def test_an_accession_is_acknowledged_and_told_to_no_one(uow: FakeUnitOfWork, guard: DnsUrlGuard) -> None:
    await subscribe(uow, guard, "NAMMO")
    acceded = events.framework_acceded()
    assert await consume(uow, acceded) is None
    assert uow.messages.rows == {}
    assert {event_id for _, event_id in uow.processed} == {acceded.event_id}


async def test_an_agency_leads_coordinators_alone_hear_its_commitment_was_not_contracted(
    uow: FakeUnitOfWork, guard: DnsUrlGuard
) -> None:
    nspa = await subscribe(uow, guard, "NSPA", agency=True)
    # A company that happens to be called like the agency is not the agency.
    namesake = await subscribe(uow, guard, "NSPA")
    nld = await subscribe(uow, guard, "NLD", nation=True)
    message_id = await consume(uow, events.commitment_refused("NSPA", "bundle-agency"))
    assert delivered_to(uow, message_id) == {nspa.id}
    assert namesake.id not in delivered_to(uow, message_id) and nld.id not in delivered_to(uow, message_id)


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


async def test_demand_unlocking_a_line_is_told_to_its_company_alone_once_cleared(
    uow: FakeUnitOfWork, guard: DnsUrlGuard
) -> None:
    mbda = await subscribe(uow, guard, "MBDA-DE")
    await subscribe(uow, guard, "RHEINMETALL")
    await subscribe(uow, guard, "DEU", nation=True)
    for organisation in ("MBDA-DE", "RHEINMETALL"):
        await suppliers.register_supplier(
            uow, consumer=messages.REFERENCE_CONSUMER, event=events.supplier_registered(organisation)
        )
    told = await consume(uow, events.capacity_unlocked(), messages.BUNDLES_CONSUMER)
    assert delivered_to(uow, told) == {mbda.id}
    message = uow.messages.rows[told or ""]
    assert message.event_type == "capacity.unlocked" and message.restricted
    assert message.payload["demand_quantity"] == 1_000
    assert message.payload["link"].endswith("/v1/production-lines/line-patriot-de")


async def test_the_desks_still_silent_hear_the_deadline_draw_near_and_no_one_else(
    uow: FakeUnitOfWork, guard: DnsUrlGuard
) -> None:
    esp, nld = await subscribe(uow, guard, "ESP", nation=True), await subscribe(uow, guard, "NLD", nation=True)
    await subscribe(uow, guard, "DEU", nation=True)  # answered: not reminded
    await subscribe(uow, guard, "MBDA-DE")
    told = await consume(uow, events.deadline_nearing(), messages.BUNDLES_CONSUMER)
    assert delivered_to(uow, told) == {esp.id, nld.id}
    message = uow.messages.rows[told or ""]
    assert message.event_type == "bundle.deadline_nearing"
    assert set(message.payload) == {"bundle_id", "item_code", "accession_deadline", "link"}
    assert await consume(uow, events.deadline_nearing(("ACME",)), messages.BUNDLES_CONSUMER) is None


async def test_an_older_registration_arriving_late_does_not_undo_a_newer_one(uow: FakeUnitOfWork) -> None:
    newer = events.supplier_registered("THALES", None)  # declaration withdrawn
    older = events.supplier_registered("THALES").model_copy(
        update={"occurred_at": newer.occurred_at.replace(year=2000)}
    )
    for event in (newer, older):
        await suppliers.register_supplier(uow, consumer=messages.REFERENCE_CONSUMER, event=event)
    assert uow.suppliers.rows["THALES"].security_declaration_valid_until is None


async def test_a_pledge_is_told_to_its_contributor_and_to_the_lead_of_what_it_goes_to(
    uow: FakeUnitOfWork, guard: DnsUrlGuard
) -> None:
    nld, cze = await subscribe(uow, guard, "NLD", nation=True), await subscribe(uow, guard, "CZE", nation=True)
    await subscribe(uow, guard, "DEU", nation=True)
    for status in ("pledged", "confirmed", "paid", "withdrawn"):
        message_id = await consume(uow, events.pledge(status), messages.BUNDLES_CONSUMER)
        assert delivered_to(uow, message_id) == {nld.id, cze.id}, status
        message = uow.messages.rows[message_id or ""]
        assert message.event_type == f"pledge.{'made' if status == 'pledged' else status}"
        assert (message.payload["nation"], message.payload["lead"]) == ("NLD", "CZE")
        assert "amount" not in message.payload  # behind the link, for whom the demand service lets read it
        assert message.payload["link"].endswith("/v1/pledges/pledge-nld-155mm")


async def test_no_pledge_reaches_industry_whatever_it_subscribed_to(uow: FakeUnitOfWork, guard: DnsUrlGuard) -> None:
    # Companies subscribed to everything, two of them named like the nations the pledge names.
    companies = [await subscribe(uow, guard, name) for name in ("NAMMO", "NLD", "CZE")]
    nld = await subscribe(uow, guard, "NLD", nation=True)
    for status in ("pledged", "confirmed", "paid", "withdrawn"):
        message_id = await consume(uow, events.pledge(status), messages.BUNDLES_CONSUMER)
        assert delivered_to(uow, message_id) == {nld.id}, status
    assert not {d.endpoint_id for d in uow.deliveries.rows.values()} & {c.id for c in companies}
    cmd = endpoints.RegisterEndpoint(url=HOOK + "nammo", description="", event_types=("pledge.made",))
    with pytest.raises(InvalidEndpoint, match=r"unknown event types \['pledge\.made'\]"):
        await endpoints.register_endpoint(uow, caller=company("NAMMO"), cmd=cmd, guard=guard)


async def test_an_agency_lead_hears_a_pledge_and_a_lead_pledging_to_itself_is_told_once(
    uow: FakeUnitOfWork, guard: DnsUrlGuard
) -> None:
    nld = await subscribe(uow, guard, "NLD", nation=True)
    nspa = await subscribe(uow, guard, "NSPA", agency=True)
    namesake = await subscribe(uow, guard, "NSPA")  # a company, not the agency
    to_agency = await consume(uow, events.pledge(recipient="NSPA"), messages.BUNDLES_CONSUMER)
    assert delivered_to(uow, to_agency) == {nld.id, nspa.id}
    assert uow.messages.rows[to_agency or ""].also_for == ["NSPA"]
    assert namesake.id not in delivered_to(uow, to_agency)
    assert "amount" not in json.dumps(uow.messages.rows[to_agency or ""].payload)
    own = events.pledge("confirmed", recipient="NLD")
    to_itself = await consume(uow, own, messages.BUNDLES_CONSUMER)
    assert [d.endpoint_id for d in uow.deliveries.rows.values() if d.message_id == to_itself] == [nld.id]
    assert uow.messages.rows[to_itself or ""].also_for == []


async def test_a_fund_is_told_to_industry_by_any_of_its_items_and_to_every_desk_without_money(
    uow: FakeUnitOfWork, guard: DnsUrlGuard
) -> None:
    async def by_items(organisation: str, *categories: str) -> Endpoint:
        cmd = endpoints.RegisterEndpoint(
            url=HOOK + organisation.lower(),
            description="",
            event_types=(),
            organisation=organisation,
            item_categories=categories,
        )
        return await endpoints.register_endpoint(uow, caller=ADMIN, cmd=cmd, guard=guard)

    nammo, bae, cv90 = await by_items("NAMMO", "AMMO"), await by_items("BAE", "VEH"), await by_items("HAGG", "VEH-CV90")
    await by_items("THALES", "RADAR")
    cze, deu = await subscribe(uow, guard, "CZE", nation=True), await subscribe(uow, guard, "DEU", nation=True)
    everyone = {nammo.id, bae.id, cv90.id, cze.id, deu.id}
    opened = await consume(uow, events.fund(), messages.BUNDLES_CONSUMER)
    closed = await consume(uow, events.fund(opened=False), messages.BUNDLES_CONSUMER)
    assert delivered_to(uow, opened) == delivered_to(uow, closed) == everyone
    for message_id, event_type in ((opened, "fund.opened"), (closed, "fund.closed")):
        message = uow.messages.rows[message_id or ""]
        assert message.event_type == event_type
        assert message.payload == {
            "fund_id": "fund-155mm",
            "lead": "CZE",
            "purpose": "155 mm ammunition and vehicles for Ukraine",
            "item_codes": ["AMMO-155MM", "VEH-CV90"],
            "beneficiary": "UKR",
            "link": messages.Links().fund.format(fund_id="fund-155mm"),
        }, "no money, and no closing reason (a lead's free text may name it)"


# --- tenders and the nations' notices ----------------------------------------------------


async def cleared(uow: FakeUnitOfWork, *organisations: str, valid_until: date | None = None) -> None:
    for organisation in organisations:
        registered = events.supplier_registered(organisation, valid_until or TODAY + timedelta(days=400))
        await suppliers.register_supplier(uow, consumer=messages.REFERENCE_CONSUMER, event=registered)


async def test_a_tender_notice_reaches_every_cleared_company_whose_filters_match_and_no_other(
    uow: FakeUnitOfWork, guard: DnsUrlGuard
) -> None:
    nammo, thales = await subscribe(uow, guard, "NAMMO"), await subscribe(uow, guard, "THALES")
    await subscribe(uow, guard, "NODECL")  # never declared
    await subscribe(uow, guard, "LAPSED")  # its declaration ran out yesterday
    await subscribe(uow, guard, "NLD", nation=True)  # a desk: no tender notice
    radar_only = await subscribe(uow, guard, "SAAB")
    radar_only.item_categories = ["RADAR"]
    await cleared(uow, "NAMMO", "THALES", "SAAB")
    await cleared(uow, "LAPSED", valid_until=uow.clock.today() - timedelta(days=1))

    told = await consume(uow, events.procurement_opened())
    assert delivered_to(uow, told) == {nammo.id, thales.id}
    message = uow.messages.rows[told or ""]
    assert message.event_type == "procurement.opened" and message.for_cleared and message.audience is None
    data = message.payload
    assert (data["quantity"], data["nation_count"], data["offers_due"]) == (15_000, 2, "2025-02-19")
    assert data["link"].endswith("/v1/tenders/proc-155mm")
    assert "nations" not in data


async def test_a_tender_notice_is_withheld_before_an_attempt_once_the_declaration_lapsed(
    uow: FakeUnitOfWork, guard: DnsUrlGuard
) -> None:
    nammo = await subscribe(uow, guard, "NAMMO")
    await cleared(uow, "NAMMO", valid_until=uow.clock.today())
    await consume(uow, events.procurement_opened())
    (due,) = await uow.deliveries.claimable(uow.clock.now(), 10, (), ())
    assert due.endpoint_id == nammo.id and not due.withheld_on(uow.clock.today())
    assert due.withheld_on(uow.clock.today() + timedelta(days=1))


async def test_the_desks_asked_to_confirm_hear_a_bundle_opened_whose_data_names_no_nation(
    uow: FakeUnitOfWork, guard: DnsUrlGuard
) -> None:
    nld, cze = await subscribe(uow, guard, "NLD", nation=True), await subscribe(uow, guard, "CZE", nation=True)
    await subscribe(uow, guard, "POL", nation=True)  # not in the bundle
    polish_company = await subscribe(uow, guard, "POL")  # a company named like a nation code: industry's notice
    told = await consume(uow, events.bundle_opened(nations=["CZE", "NLD"]), messages.BUNDLES_CONSUMER)
    assert delivered_to(uow, told) == {nld.id, cze.id, polish_company.id}
    message = uow.messages.rows[told or ""]
    assert "nations" not in message.payload and "NLD" not in str(message.payload)


async def test_a_bundle_opened_before_the_nations_were_named_is_industrys_alone(
    uow: FakeUnitOfWork, guard: DnsUrlGuard
) -> None:
    nammo = await subscribe(uow, guard, "NAMMO")
    await subscribe(uow, guard, "NLD", nation=True)
    told = await consume(uow, events.bundle_opened(), messages.BUNDLES_CONSUMER)
    assert delivered_to(uow, told) == {nammo.id}


@pytest.mark.parametrize(
    ("event", "nations", "kind", "total"),
    [
        (events.joint_order_committed(), {"NLD", "DNK"}, "joint_order", 15_000),
        (events.framework_committed(), {"NOR", "LTU"}, "framework", 4),
    ],
    ids=["joint order", "framework"],
)
async def test_a_committed_bundle_is_told_to_its_nations_desks_with_the_totals_only(
    uow: FakeUnitOfWork, guard: DnsUrlGuard, event: EventEnvelope[Any], nations: set[str], kind: str, total: int
) -> None:
    desks = {n: await subscribe(uow, guard, n, nation=True) for n in ("NLD", "DNK", "NOR", "LTU", "POL")}
    await subscribe(uow, guard, "NAMMO")
    told = await consume(uow, event, messages.BUNDLES_CONSUMER)
    assert delivered_to(uow, told) == {desks[n].id for n in nations}, "its nations' desks, no one else"
    data = uow.messages.rows[told or ""].payload
    assert (data["kind"], data["total_quantity"], data["nation_count"]) == (kind, total, 2)
    assert not nations & set(str(data).replace("'", " ").split()), "no nation named, no nation's line"
    assert "lines" not in data and "participants" not in data


async def test_a_delay_reaches_the_desk_of_the_nation_whose_lot_it_is_and_the_cleared_supplier(
    uow: FakeUnitOfWork, guard: DnsUrlGuard
) -> None:
    nor, dnk = await subscribe(uow, guard, "NOR", nation=True), await subscribe(uow, guard, "DNK", nation=True)
    thales = await subscribe(uow, guard, "THALES")
    withheld = await consume(uow, events.delivery_delayed())
    assert delivered_to(uow, withheld) == {nor.id}, "the nation hears of its lot whatever the supplier's declaration"
    await cleared(uow, "THALES")
    told = await consume(uow, events.delivery_delayed())
    assert delivered_to(uow, told) == {nor.id, thales.id}
    assert dnk.id not in delivered_to(uow, told)
    (nor_due,) = [d for d in await uow.deliveries.claimable(uow.clock.now(), 10, (), ()) if d.endpoint_id == nor.id][:1]
    assert not nor_due.withheld_on(uow.clock.today() + timedelta(days=5000)), "a desk's copy waits on no declaration"


async def test_a_schedule_change_reaches_the_desks_of_the_nations_whose_lots_changed(
    uow: FakeUnitOfWork, guard: DnsUrlGuard
) -> None:
    desks = {n: await subscribe(uow, guard, n, nation=True) for n in ("NOR", "DNK", "LTU")}
    told = await consume(uow, events.schedule_changed())
    assert delivered_to(uow, told) == {desks["NOR"].id, desks["DNK"].id}
    data = uow.messages.rows[told or ""].payload
    assert set(data) == {"contract_id", "reason", "lot_count", "first_due", "last_due", "link"}
