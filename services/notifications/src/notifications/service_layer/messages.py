"""What industry and the nations' desks may learn of each event: the translation from the
platform's events to webhook messages.

Every message is thin: ids, totals, the item, dates and a link where the details live,
behind the access checks of the service that owns them. Broadcast messages never name a
nation's quantity or budget: who buys how much is the nations' business. Messages about
one contract's call-offs and deliveries go to its supplier alone (the message's
audience), which needs the nation and quantity to deliver. A notice about a nation's own
need goes to that nation's desk alone. A pledge is told to the nations it concerns, never
to industry; a fund to everyone, without its money. A tender notice goes to every company
holding a valid security declaration. Of industry's messages, the desks of the nations
they concern hear some too (a bundle they are asked to confirm, a contract they have a line
in, their own lots delayed or re-planned), in the same message: its data names no other
nation's figures, and what is one nation's is behind the link.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from bundling_shared.events.contracts import (
    AwardDecidedV1,
    CallOffPlacedV1,
    CommitmentRefusedV1,
    ContractCreatedV1,
    ContractExpiringV1,
    DeliveryDelayedV1,
    DeliveryScheduleChangedV1,
    FrameworkContractCreatedV1,
    ProcurementOpenedV1,
    SpecificationHarmonisedV1,
)
from bundling_shared.events.demand import (
    BundleOpenedV1,
    CapacityUnlockedV1,
    DeadlineNearingV1,
    FrameworkCommittedV1,
    FundClosedV1,
    FundOpenedV1,
    JointOrderCommittedV1,
    NeedUnplaceableV1,
    PledgeConfirmedV1,
    PledgeMadeV1,
    PledgePaidV1,
    PledgePayload,
    PledgeWithdrawnV1,
)
from bundling_shared.events.envelope import EventEnvelope
from bundling_shared.logging import get_logger
from bundling_shared.observability import tracing
from notifications.domain.delivery import Delivery, recipients
from notifications.domain.endpoint import keeps_a_desk
from notifications.domain.message import (
    AWARD_DECIDED,
    BUNDLE_COMMITTED,
    BUNDLE_OPENED,
    CALL_OFF_PLACED,
    CAPACITY_UNLOCKED,
    COMMITMENT_NOT_CONTRACTED,
    CONTRACT_CREATED,
    CONTRACT_EXPIRING,
    DEADLINE_NEARING,
    DELIVERY_DELAYED,
    DELIVERY_SCHEDULE_CHANGED,
    FRAMEWORK_CONTRACT_CREATED,
    FUND_CLOSED,
    FUND_OPENED,
    NEED_UNPLACEABLE,
    PLEDGE_CONFIRMED,
    PLEDGE_MADE,
    PLEDGE_PAID,
    PLEDGE_WITHDRAWN,
    PROCUREMENT_OPENED,
    SPECIFICATION_HARMONISED,
    Message,
)
from notifications.service_layer.unit_of_work import UnitOfWork

log = get_logger(__name__)

# Each topic has its own consumer group and inbox name, so one topic's backlog never holds
# up another's.
BUNDLES_CONSUMER = "notifications-bundles"
CONTRACTS_CONSUMER = "notifications-contracts"
REFERENCE_CONSUMER = "notifications-reference"


@dataclass(frozen=True)
class Links:
    """Where a receiver fetches the details, with its own token (templates use the ids)."""

    contract: str = "http://127.0.0.1:8002/v1/contracts/{contract_id}"
    bundle: str = "http://127.0.0.1:8001/v1/bundles/{bundle_id}"
    award: str = "http://127.0.0.1:8002/v1/procurements/{procurement_id}"
    framework: str = "http://127.0.0.1:8002/v1/frameworks/{framework_id}"
    call_off: str = "http://127.0.0.1:8002/v1/frameworks/{framework_id}"  # lists its call-offs
    specification: str = "http://127.0.0.1:8002/v1/specifications/{specification_id}"
    need: str = "http://127.0.0.1:8001/v1/needs/{need_id}"
    pledge: str = "http://127.0.0.1:8001/v1/pledges/{pledge_id}"
    fund: str = "http://127.0.0.1:8001/v1/funds/{fund_id}"
    line: str = "http://127.0.0.1:8002/v1/production-lines/{line_id}"
    tender: str = "http://127.0.0.1:8002/v1/tenders/{procurement_id}"


def _copied(payload: BaseModel, *names: str) -> dict[str, Any]:
    """The named fields of an event's payload, as JSON and in the order named: most of a
    message is what the event says, passed on as it is."""
    fields = payload.model_dump(mode="json", include=set(names))
    return {name: fields[name] for name in names}


def _message(
    event: EventEnvelope[Any],
    event_type: str,
    data: dict[str, Any],
    *,
    item_code: str | None,
    audience: str | None = None,
    other_items: list[str] | None = None,
    also_for: list[str] | None = None,
) -> Message:
    return Message.create(
        event_type=event_type,
        payload=data,
        occurred_at=event.occurred_at,
        source_event_id=str(event.event_id),
        correlation_id=event.correlation_id,
        item_code=item_code,
        audience=audience,
        other_items=other_items or (),
        also_for=also_for or (),
    )


def contract_created(event: ContractCreatedV1, links: Links) -> Message:
    """Every subscriber hears of the contract, the desks of the nations with a line in it
    too: the totals they may all see, each nation's own line behind the link."""
    p = event.payload
    data = {
        **_copied(
            p, "contract_id", "bundle_id", "item_code", "contracting_authority", "total_quantity", "delivery_window"
        ),
        "nation_count": len({line.nation for line in p.lines}),
        "link": links.contract.format(contract_id=p.contract_id),
    }
    nations = sorted({line.nation for line in p.lines})
    return _message(event, CONTRACT_CREATED, data, item_code=p.item_code, also_for=nations)


def bundle_opened(event: BundleOpenedV1, links: Links) -> Message:
    """The opportunity notice: enough to decide whether to bid and plan capacity. Funding
    instruments are named with their co-funding rate only: the demand service writes its
    reasons without nation codes, and leaving them out keeps it so whatever it sends."""
    p = event.payload
    data = {
        **_copied(
            p,
            "bundle_id",
            "item_code",
            "kind",
            "total_quantity",
            "nation_count",
            "delivery_window",
            "accession_deadline",
            "lead",
        ),
        "funding_instruments": [
            {"instrument": f.instrument, "co_funding_rate": f.co_funding_rate} for f in p.funding if f.qualifies
        ],
        "specification_ref": p.specification_ref,
        "link": links.bundle.format(bundle_id=p.bundle_id),
    }
    # the desks asked to confirm hear it too, named as its audience and never in its data
    asked = [n for n in p.nations or [] if keeps_a_desk(n)]
    return _message(event, BUNDLE_OPENED, data, item_code=p.item_code, also_for=asked)


def deadline_nearing(event: DeadlineNearingV1, links: Links) -> Message | None:
    """The desks of the nations asked to confirm and still silent hear that the accession
    deadline draws near: the bundle, its item and the day; no nation's figures. None when
    no nation left has a desk to tell."""
    p = event.payload
    data = {
        **_copied(p, "bundle_id", "item_code", "accession_deadline"),
        "link": links.bundle.format(bundle_id=p.bundle_id),
    }
    desks = [n for n in p.nations if keeps_a_desk(n)]
    if not desks:
        return None
    return _message(event, DEADLINE_NEARING, data, item_code=p.item_code, audience=desks[0], also_for=desks[1:])


def bundle_committed(event: JointOrderCommittedV1 | FrameworkCommittedV1, links: Links) -> Message:
    """The desks of the nations in a committed joint order or framework learn that their
    bundle is now an order, to be contracted by its lead. One message to them all, so it
    holds only what they may all see (the totals, the lead, how many nations); each
    nation's own line or yearly quantities are behind the link, where the demand service
    shows a desk its own. Industry is not told: a committed order reaches it as a contract,
    a framework or a tender."""
    p = event.payload
    if isinstance(event, JointOrderCommittedV1):
        nations = sorted({line.nation for line in event.payload.lines})
        kind, quantity = "joint_order", event.payload.total_quantity
    else:
        nations = sorted({x.nation for x in event.payload.participants})
        kind, quantity = "framework", event.payload.ceiling_quantity
    data = {
        **_copied(p, "bundle_id", "item_code", "lead"),
        "kind": kind,
        "total_quantity": quantity,
        "nation_count": len(nations),
        "link": links.bundle.format(bundle_id=p.bundle_id),
    }
    desks = [n for n in nations if keeps_a_desk(n)]
    return _message(event, BUNDLE_COMMITTED, data, item_code=p.item_code, audience=desks[0], also_for=desks[1:])


def procurement_opened(event: ProcurementOpenedV1, links: Links) -> Message:
    """The tender notice, for every company holding a valid security declaration: what is
    bought, how much in all, under which weights, by whom and until when offers are taken.
    The nations are counted, never named, and no nation's quantity is told: the event is
    the notice as published, passed on whole."""
    p = event.payload
    data = {**p.model_dump(mode="json"), "link": links.tender.format(procurement_id=p.procurement_id)}
    return _message(event, PROCUREMENT_OPENED, data, item_code=p.item_code)


def award_decided(event: AwardDecidedV1, links: Links) -> Message:
    """The award notice as procurement law publishes it: who won, and the standstill
    period in which others may object. Scores and prices of the others stay inside."""
    p = event.payload
    data = {
        **_copied(
            p,
            "procurement_id",
            "bundle_id",
            "item_code",
            "contracting_authority",
            "supplier_organisation",
            "supplier_country",
            "standstill_until",
            "summary",
        ),
        "link": links.award.format(procurement_id=p.procurement_id),
    }
    return _message(event, AWARD_DECIDED, data, item_code=p.item_code)


def framework_contract_created(event: FrameworkContractCreatedV1, links: Links) -> Message:
    """Industry invests in lines when it sees multi-year volume: the ceiling and the period
    are the point of telling it. The participants are counted, not named, and the value
    ceiling (the nations' budgets added up) is left out."""
    p = event.payload
    data = {
        **_copied(p, "framework_id", "bundle_id", "item_code", "contracting_authority"),
        "participant_count": len(set(p.participants)),
        **_copied(p, "ceiling_quantity", "start", "end"),
        "supplier_organisations": sorted(set(p.supplier_organisations)),
        "link": links.framework.format(framework_id=p.framework_id),
    }
    return _message(event, FRAMEWORK_CONTRACT_CREATED, data, item_code=p.item_code)


def specification_harmonised(event: SpecificationHarmonisedV1, links: Links) -> Message:
    """Published to every subscriber: one product for many nations starts here. The text
    and the recorded deviations are behind the link."""
    p = event.payload
    data = {
        **_copied(p, "specification_id", "reference", "version", "item_code", "title", "standards"),
        "nation_count": len(set(p.nations)),
        **_copied(p, "applies_to_ukraine_deliveries"),
        "link": links.specification.format(specification_id=p.specification_id, reference=p.reference),
    }
    return _message(event, SPECIFICATION_HARMONISED, data, item_code=p.item_code)


def call_off_placed(event: CallOffPlacedV1, links: Links) -> Message:
    p = event.payload
    data = {
        **_copied(p, "framework_id", "call_off_id", "nation", "item_code", "quantity", "delivery_due"),
        "link": links.call_off.format(framework_id=p.framework_id, call_off_id=p.call_off_id),
    }
    return _message(event, CALL_OFF_PLACED, data, item_code=p.item_code, audience=p.supplier_organisation)


def delivery_schedule_changed(event: DeliveryScheduleChangedV1, links: Links) -> Message:
    """The lots can be many: their count and date range, the lots themselves behind the link.
    The desks of the nations whose lots changed hear it too: the count and range are the
    contract's, no nation's own figures; each nation reads its own lots behind the link."""
    p = event.payload
    dues = [lot.due_date for lot in p.lots]
    data = {
        **_copied(p, "contract_id", "reason"),
        "lot_count": len(p.lots),
        "first_due": min(dues).isoformat() if dues else None,
        "last_due": max(dues).isoformat() if dues else None,
        "link": links.contract.format(contract_id=p.contract_id),
    }
    nations = sorted({lot.nation for lot in p.lots})
    return _message(
        event, DELIVERY_SCHEDULE_CHANGED, data, item_code=None, audience=p.supplier_organisation, also_for=nations
    )


def delivery_delayed(event: DeliveryDelayedV1, links: Links) -> Message:
    """A delay query: the supplier is asked when the lot will come; the desk of the nation
    whose lot it is (its buyer, also for a lot sent to Ukraine) hears it too, its own lot's
    figures and nothing of another nation's."""
    p = event.payload
    data = {
        **_copied(p, "contract_id", "lot_id", "nation", "due_date", "forecast_date", "quantity_outstanding"),
        "link": links.contract.format(contract_id=p.contract_id),
    }
    return _message(
        event, DELIVERY_DELAYED, data, item_code=None, audience=p.supplier_organisation, also_for=[p.nation]
    )


def capacity_unlocked(event: CapacityUnlockedV1, links: Links) -> Message:
    """Demand unlocks capacity: the nations' aggregated demand for the item reached what
    the company said starting its line needs. Its company alone hears of it (the demand
    sheet shows the nations the same totals); no nation is named."""
    p = event.payload
    data = {
        **_copied(p, "line_id", "item_code", "minimum_economic_quantity", "demand_quantity", "nation_count"),
        "link": links.line.format(line_id=p.line_id),
    }
    return _message(event, CAPACITY_UNLOCKED, data, item_code=p.item_code, audience=p.organisation)


def need_unplaceable(event: NeedUnplaceableV1, links: Links) -> Message:
    """The desk learns which of its needs the bundling engine set aside, and why, so that it
    can amend or withdraw it; the need itself is behind the link. Its nation is the
    audience, not part of the data: nothing here is about any other nation."""
    p = event.payload
    data = {
        **_copied(p, "need_id", "item_code", "reason"),
        "link": links.need.format(need_id=p.need_id),
    }
    return _message(event, NEED_UNPLACEABLE, data, item_code=p.item_code, audience=p.nation)


def commitment_not_contracted(event: CommitmentRefusedV1, links: Links) -> Message | None:
    """The lead learns that its committed bundle could not be contracted, and why, so that
    it amends the bundle or asks an administrator; the bundle is behind the link. The lead
    is a nation's desk or an agency's coordinators (NSPA), whichever committed it."""
    p = event.payload
    if (event.nation or event.organisation) != p.lead or not keeps_a_desk(p.lead):
        return None
    data = {
        **_copied(p, "bundle_id", "kind", "item_code", "reason"),
        "link": links.bundle.format(bundle_id=p.bundle_id),
    }
    return _message(event, COMMITMENT_NOT_CONTRACTED, data, item_code=p.item_code, audience=p.lead)


def contract_expiring(event: ContractExpiringV1, links: Links) -> Message | None:
    """A contract or framework reached a horizon ahead of its end: its nations' desks (and the
    lead's, should it buy nothing itself) and its supplier(s) learn that talks on what
    follows are due, and where the agreement is. Who buys how much stays behind the link,
    where each reader sees what is its own: the event's quantities are not passed on. An
    agency that signed for the nations (NSPA) hears it on its coordinators' endpoints."""
    p = event.payload
    if p.kind == "framework":
        link = links.framework.format(framework_id=p.agreement_id)
    else:
        link = links.contract.format(contract_id=p.agreement_id)
    data = {
        **_copied(p, "kind", "agreement_id", "bundle_id", "item_code", "contracting_authority", "start", "end"),
        **_copied(p, "horizon_years", "days_left"),
        "nation_count": len(set(p.nations)),
        "link": link,
    }
    desks = [n for n in dict.fromkeys([*p.nations, p.contracting_authority]) if keeps_a_desk(n)]
    told = [*desks, *sorted(set(p.supplier_organisations) - set(desks))]
    if not told:
        return None
    return _message(event, CONTRACT_EXPIRING, data, item_code=p.item_code, audience=told[0], also_for=told[1:])


PLEDGE_TYPES_OF: dict[type[EventEnvelope[PledgePayload]], str] = {
    PledgeMadeV1: PLEDGE_MADE,
    PledgeConfirmedV1: PLEDGE_CONFIRMED,
    PledgePaidV1: PLEDGE_PAID,
    PledgeWithdrawnV1: PLEDGE_WITHDRAWN,
}


def pledge_changed(event: EventEnvelope[PledgePayload], links: Links) -> Message:
    """A pledge made, confirmed, paid or withdrawn, told to the two nations it concerns: its
    contributor, and the lead of the bundle or fund it goes to, who expects the money and
    records it paid. The amount stays behind the link: the contributor's desk reads its own
    pledge there, and of the lead only its coordinators read another nation's pledge, while
    a message goes to a desk. Industry hears nothing of it (a pledge type is no industry
    type, so no company's endpoint takes it, whatever it subscribed to).

    One message with both nations as its audience, not a message each: the event is one
    fact, told alike to both, and a message is one event (the messages table holds one per
    event, and the inbox counts the event once). Each nation's endpoints still get their
    own deliveries and see only those. A lead that is an agency (NSPA, OCCAR) hears it on
    its coordinators' endpoints; a nation pledging to what it leads itself is told once.
    """
    p = event.payload
    data = {
        **_copied(p, "pledge_id", "nation", "beneficiary", "bundle_id", "fund_id", "status", "reason"),
        "lead": p.recipient,
        "link": links.pledge.format(pledge_id=p.pledge_id),
    }
    lead = [p.recipient] if p.recipient is not None and keeps_a_desk(p.recipient) else []
    return _message(event, PLEDGE_TYPES_OF[type(event)], data, item_code=None, audience=p.nation, also_for=lead)


def fund_opened(event: FundOpenedV1, links: Links) -> Message:
    """A fund is an opportunity as an opened bundle is: what it buys, for whom, under which
    lead, for industry to offer to and any nation to pay into (the lead's desk among them).
    Its money (who pledged how much, what is paid in, the balance) stays behind the link;
    the event carries none. Category filters look at every item it buys."""
    return _fund_message(event, FUND_OPENED, links)


def fund_closed(event: FundClosedV1, links: Links) -> Message:
    """The fund buys no more. Its closing reason is left out as bundle-opened leaves out the
    funding reasons: it is a lead's free text, and industry's notices carry only what the
    platform knows to name no nation's money; the nations read it behind the link."""
    return _fund_message(event, FUND_CLOSED, links)


def _fund_message(event: FundOpenedV1 | FundClosedV1, event_type: str, links: Links) -> Message:
    p = event.payload
    data = {
        **_copied(p, "fund_id", "lead", "purpose", "item_codes", "beneficiary"),
        "link": links.fund.format(fund_id=p.fund_id),
    }
    first = p.item_codes[0] if p.item_codes else None
    return _message(event, event_type, data, item_code=first, other_items=p.item_codes[1:])


Translation = Callable[[Any, Links], Message | None]

TRANSLATIONS: dict[type[EventEnvelope[Any]], Translation] = {
    BundleOpenedV1: bundle_opened,
    JointOrderCommittedV1: bundle_committed,
    FrameworkCommittedV1: bundle_committed,
    NeedUnplaceableV1: need_unplaceable,
    ProcurementOpenedV1: procurement_opened,
    ContractCreatedV1: contract_created,
    AwardDecidedV1: award_decided,
    FrameworkContractCreatedV1: framework_contract_created,
    CallOffPlacedV1: call_off_placed,
    DeliveryScheduleChangedV1: delivery_schedule_changed,
    DeliveryDelayedV1: delivery_delayed,
    CommitmentRefusedV1: commitment_not_contracted,
    SpecificationHarmonisedV1: specification_harmonised,
    **dict.fromkeys(PLEDGE_TYPES_OF, pledge_changed),
    FundOpenedV1: fund_opened,
    FundClosedV1: fund_closed,
    CapacityUnlockedV1: capacity_unlocked,
    DeadlineNearingV1: deadline_nearing,
    ContractExpiringV1: contract_expiring,
}
"""The events someone outside the platform hears of, and how. The rest concern the nations
and the contracts service (other bundle events), or name one nation's quantity (an
accession: the framework's supplier hears of it through the call-offs that follow, with
what it needs to deliver): they are acknowledged and told to no one."""


async def consume(uow: UnitOfWork, *, consumer: str, event: EventEnvelope[Any], links: Links) -> str | None:
    """One consumed event: a message and its deliveries, or nothing for an event no one is
    told of; the id of the message made, if one was."""
    translate = TRANSLATIONS.get(type(event))
    message = translate(event, links) if translate is not None else None
    if message is None:
        await skip_event(uow, consumer=consumer, event=event)
        return None
    return await record_message(uow, consumer=consumer, event=event, message=message)


async def record_message(uow: UnitOfWork, *, consumer: str, event: EventEnvelope[Any], message: Message) -> str | None:
    """One message and a delivery per endpoint entitled to it, in one transaction, stamped
    by the service's clock, the one the dispatcher asks what is due by.

    Idempotent: a redelivered event is recognised by its id and changes nothing. A
    restricted message is kept even when nobody may receive it: the record shows it was
    withheld, and why is in the log.
    """
    now = uow.clock.now()
    async with uow:
        if await uow.already_processed(consumer, event.event_id):
            log.info("message.duplicate_ignored", source_event_id=str(event.event_id))
            return None
        message.trace_parent = tracing.traceparent()
        uow.messages.add(message)  # flushed by the next query, before its deliveries refer to it
        supplier = await uow.suppliers.get(message.audience) if message.audience else None
        endpoints = await uow.endpoints.active()
        companies = {e.organisation for e in endpoints if e.wants(message)} if message.for_cleared else set()
        cleared = await uow.suppliers.cleared(companies, now.date()) if companies else set()
        targets = recipients(message, endpoints, supplier, now, cleared)
        for endpoint in targets:
            uow.deliveries.add(Delivery.of(message, endpoint, now))
        await uow.mark_processed(consumer, event.event_id)
        await uow.commit()
    if message.restricted and not targets:
        log.info(
            "message.withheld",
            message_id=message.id,
            event_type=message.event_type,
            audience=message.audience,
            security_declaration_valid=supplier is not None and supplier.cleared_on(now.date()),
        )
    log.info(
        "message.created",
        message_id=message.id,
        event_type=message.event_type,
        source_event_id=message.source_event_id,
        deliveries=len(targets),
    )
    return message.id


async def skip_event(uow: UnitOfWork, *, consumer: str, event: EventEnvelope[Any]) -> None:
    """A valid event that is not for anyone outside: marked processed, so a replay is cheap."""
    async with uow:
        if await uow.already_processed(consumer, event.event_id):
            return
        await uow.mark_processed(consumer, event.event_id)
        await uow.commit()
