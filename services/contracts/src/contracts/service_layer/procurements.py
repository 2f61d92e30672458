"""Procurements: offers, the weighing, the award and signing after the standstill.

Competing offers' prices and scores are for the contracting authority's eyes only; a
supplier sees its own offer and score, a participating nation the outcome. The offers and
the ranking grow with the bidders: each is read a page at a time.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from bundling_shared.auth import Principal, Role
from contracts.domain.access import (
    Action,
    Relation,
    allowed,
    authorise,
    authorise_role,
    industry_org,
    reach,
    relation_to,
)
from contracts.domain.contract import LocalProduction
from contracts.domain.errors import ContractRuleViolation, NotFound
from contracts.domain.ids import new_id
from contracts.domain.procurement import (
    Offer,
    Procurement,
    ProcurementStatus,
    ProcurementTerms,
    TenderFilter,
    terms_for_itself,
    terms_of_order,
)
from contracts.service_layer import events
from contracts.service_layer.suppliers import own_supplier_id, permitted
from contracts.service_layer.unit_of_work import NONE_FOUND, Found, Only, UnitOfWork


@dataclass(frozen=True)
class ProcurementView:
    """What one caller may know of a procurement: the authority every offer and the whole
    ranking with its reasons, a bidder its own offer and score."""

    procurement: Procurement
    authority: bool
    own_supplier_id: str | None
    winner_organisation: str | None


@dataclass(frozen=True)
class _Order:
    """A committed joint order or framework as its procurement needs it: the lead, the
    nations' quantities, the chosen funding instrument and when deliveries are wanted."""

    lead: str
    quantities: dict[str, int]
    instrument: str | None
    window: tuple[date, date]


async def _order(uow: UnitOfWork, bundle_id: str) -> _Order | None:
    contracts = await uow.contracts.all_for_bundle(bundle_id)
    if contracts:
        order: dict[str, int] = {}
        for contract in contracts:
            for line in contract.lines:
                order[line.nation] = order.get(line.nation, 0) + line.quantity
        first = contracts[0]
        return _Order(
            first.contracting_authority, order, first.funding_instrument, (first.window_start, first.window_end)
        )
    framework = await uow.frameworks.for_bundle(bundle_id)
    if framework is not None:
        window = (framework.start, framework.end)
        return _Order(framework.contracting_authority, dict(framework.participants), None, window)
    return None


def taken_over(terms: ProcurementTerms, chosen: str | None) -> ProcurementTerms:
    """The procurement of an order takes over the instrument the order's nations chose; one
    naming another is refused, as its origin rules would not be those the nations counted on."""
    asked = terms.get("funding_instrument")
    if chosen is None or asked == chosen:
        return terms
    if asked is None:
        return {**terms, "funding_instrument": chosen}
    raise ContractRuleViolation(
        f"the order's nations chose {chosen}; its procurement cannot be under {asked}",
        field="body.funding_instrument",
        rule="instrument_of_the_order",
    )


def relation_of(
    principal: Principal, procurement: Procurement, supplier_id: str | None, bidders: Iterable[str] | None = None
) -> Relation:
    """`bidders`: the suppliers that made an offer, as far as the caller's relation needs
    them; by default every offer's."""
    signed = procurement.awarded_supplier_id if procurement.status == ProcurementStatus.SIGNED else None
    relation = relation_to(
        principal,
        supplier_id=supplier_id,
        authority=procurement.contracting_authority,
        nations=procurement.nations,
        bidders=[o.supplier_id for o in procurement.offers] if bidders is None else bidders,
        coordinators=procurement.coordinators,
        suppliers=[signed] if signed else [],
    )
    invited = procurement.invited_supplier_id
    if relation is Relation.COMPANY and invited is not None and supplier_id != invited:
        return Relation.OUTSIDER  # negotiated with another company, published to none: not there for it
    return relation


async def authorised(
    uow: UnitOfWork, principal: Principal, procurement_id: str, action: Action, seen_through: Action | None = None
) -> Procurement:
    """The procurement, if the caller may do this to it."""
    found = await uow.procurements.get(procurement_id)
    return await permitted(uow, principal, found, f"procurement {procurement_id}", relation_of, action, seen_through)


async def open_procurement(uow: UnitOfWork, principal: Principal, *, terms: ProcurementTerms) -> Procurement:
    """For a committed order, its lead is the contracting authority and buys for the order's
    nations and quantity; without one, a nation buys for itself."""
    authorise_role(principal, Action.PROCUREMENT_OPEN)
    admin = principal.role is Role.ADMIN
    bundle_id, buyer_nation, nations = terms.get("bundle_id"), terms["buyer_nation"], terms["nations"]
    async with uow:
        if bundle_id:
            order = await _order(uow, bundle_id)
            unknown = ContractRuleViolation(
                f"no committed joint order or framework {bundle_id} of yours", field="body.bundle_id", rule="not_found"
            )
            if order is None:
                raise unknown
            lead, quantities = order.lead, order.quantities
            relation = relation_to(principal, authority=lead, nations=quantities)
            if relation is Relation.OUTSIDER:
                raise unknown
            authorise(principal, Action.PROCUREMENT_OPEN, relation, f"bundle {bundle_id}")
            terms = taken_over(terms, order.instrument)
            terms = {**terms, "delivery_start": order.window[0], "delivery_end": order.window[1]}
            chosen = terms_of_order(
                lead=lead, order=quantities, nations=nations, quantity=terms["quantity"], buyer_nation=buyer_nation
            )
        else:
            authorise(principal, Action.PROCUREMENT_OPEN, relation_to(principal, authority=principal.party), "bundle")
            lead = buyer_nation if admin else principal.party
            chosen = terms_for_itself(
                buyer=lead, buys_as_nation=admin or principal.nation is not None, buyer_nation=buyer_nation,
                nations=nations,
            )  # fmt: skip
        invited = terms.get("invited_supplier_id")
        if invited is not None and await uow.suppliers.get(invited) is None:
            raise ContractRuleViolation(
                f"no supplier {invited!r} is registered", field="body.invited_supplier_id", rule="unknown_supplier"
            )
        procurement = Procurement.open(contracting_authority=lead, at=uow.clock.now(), **terms | {"nations": chosen})
        uow.procurements.add(procurement)
        if not procurement.negotiated:  # a negotiated one is not published: its company is asked directly
            await events.procurement_opened(uow, procurement)
        await uow.commit()
        return procurement


async def submit_offer(uow: UnitOfWork, principal: Principal, procurement_id: str, today: date, **terms: Any) -> Offer:
    """A company offers for itself; it must be registered with a valid security declaration."""
    async with uow:
        procurement = await authorised(uow, principal, procurement_id, Action.PROCUREMENT_OFFER)
        org = industry_org(principal)
        supplier = await uow.suppliers.by_organisation(org) if org else None
        if supplier is None:
            raise ContractRuleViolation(
                f"{org} is not a registered supplier; register it with its security declaration"
            )
        offer = Offer(
            id=new_id("offer"),
            procurement_id=procurement.id,
            supplier_id=supplier.id,
            submitted_at=uow.clock.now(),
            **terms,
        )
        procurement.submit(offer, supplier, today)
        await uow.commit()
        return offer


async def award(uow: UnitOfWork, principal: Principal, procurement_id: str, today: date) -> ProcurementView:
    async with uow:
        procurement = await authorised(uow, principal, procurement_id, Action.PROCUREMENT_AWARD)
        suppliers = await uow.suppliers.by_ids({o.supplier_id for o in procurement.offers})
        winner = procurement.award(suppliers, today)
        await events.award_decided(uow, procurement, suppliers[winner.supplier_id], winner.why)
        await uow.commit()
        return ProcurementView(procurement, True, None, suppliers[winner.supplier_id].organisation)


async def sign(uow: UnitOfWork, principal: Principal, procurement_id: str, today: date) -> ProcurementView:
    """After the standstill: the bundle's contracts get their supplier and the winning
    offer's local production as its obligation, or its framework contract gains the
    supplier at the offered unit price (a call-off, placed later with any of the
    framework's suppliers, is not bound by one offer's promise)."""
    async with uow:
        procurement = await authorised(uow, principal, procurement_id, Action.PROCUREMENT_AWARD)
        order = await _order(uow, procurement.bundle_id) if procurement.bundle_id else None
        procurement.sign(today, lead_of_order=order.lead if order else None)
        offer = procurement.awarded_offer
        assert offer is not None
        winner = await uow.suppliers.get(offer.supplier_id)
        assert winner is not None
        if procurement.bundle_id:
            promised = LocalProduction(offer.id, offer.local_production)
            for contract in await uow.contracts.all_for_bundle(procurement.bundle_id):
                if contract.contracting_authority == procurement.contracting_authority:
                    contract.assign_supplier(
                        winner.id, offer.unit_price_eur, by=principal.party, at=uow.clock.now(), won_with=promised
                    )
            framework = await uow.frameworks.for_bundle(procurement.bundle_id)
            if framework is not None and framework.contracting_authority == procurement.contracting_authority:
                framework.add_supplier(winner.id, offer.unit_price_eur, by=principal.party, at=uow.clock.now())
            await events.contract_signed(uow, procurement, winner, unit_price_eur=offer.unit_price_eur)
        await uow.commit()
        return ProcurementView(procurement, True, None, winner.organisation)


async def readable(uow: UnitOfWork, principal: Principal, procurement_id: str, action: Action) -> ProcurementView:
    """The procurement without its offers and ranking (`for_reading`), if the caller may do
    this to it: whether the caller's company bid is asked of the database."""
    found = await uow.procurements.for_reading(procurement_id)
    if found is None:
        raise NotFound(f"procurement {procurement_id} not found")
    own = await own_supplier_id(uow, principal)
    bid = own is not None and await uow.procurements.has_offer(procurement_id, own)
    relation = relation_of(principal, found, own, [own] if bid and own else [])
    authorise(principal, action, relation, f"procurement {procurement_id}")
    winner = await uow.suppliers.get(found.awarded_supplier_id) if found.awarded_supplier_id else None
    authority = allowed(principal, Action.PROCUREMENT_VIEW_ALL, relation)
    return ProcurementView(found, authority, own, winner.organisation if winner else None)


async def view(uow: UnitOfWork, principal: Principal, procurement_id: str) -> ProcurementView:
    async with uow:
        return await readable(uow, principal, procurement_id, Action.PROCUREMENT_VIEW)


async def visible_page(uow: UnitOfWork, principal: Principal, limit: int, offset: int) -> Found[ProcurementView]:
    """The procurements the caller runs, buys through, offered to or won, oldest first: the
    database finds them, as a list of contracts is found. Each is what `view` shows of it."""
    async with uow:
        own = await own_supplier_id(uow, principal)
        found = await uow.procurements.page(reach(principal, Action.PROCUREMENT_VIEW, supplier_id=own), limit, offset)
        winners = await uow.suppliers.by_ids({p.awarded_supplier_id for p in found.items if p.awarded_supplier_id})
    views = []
    for p in found.items:
        bid = [own] if own is not None else []
        authority = allowed(principal, Action.PROCUREMENT_VIEW_ALL, relation_of(principal, p, own, bid))
        winner = winners.get(p.awarded_supplier_id or "")
        views.append(ProcurementView(p, authority, own, winner.organisation if winner else None))
    return Found(views, found.total)


async def offers(
    uow: UnitOfWork, principal: Principal, procurement_id: str, limit: int, offset: int
) -> Found[dict[str, Any]]:
    """In the order they came: every offer for the authority, a bidder its own, a nation none."""
    async with uow:
        seen = await readable(uow, principal, procurement_id, Action.PROCUREMENT_VIEW)
        if not seen.authority and seen.own_supplier_id is None:
            return NONE_FOUND
        supplier = None if seen.authority else seen.own_supplier_id
        return await uow.procurements.offers(procurement_id, supplier, limit, offset)


async def evaluation(
    uow: UnitOfWork, principal: Principal, procurement_id: str, limit: int, offset: int
) -> Found[dict[str, Any]]:
    """The ranking from first to last: the authority sees every offer's score with the
    reasons; a bidder its own score, without the reasons that weigh it against the others."""
    async with uow:
        seen = await readable(uow, principal, procurement_id, Action.PROCUREMENT_VIEW)
        if seen.authority:
            return await uow.procurements.evaluation(procurement_id, None, limit, offset)
        if seen.own_supplier_id is None:
            return NONE_FOUND
        only = Only("supplier_id", frozenset({seen.own_supplier_id}))
        own = await uow.procurements.evaluation(procurement_id, only, limit, offset)
    return Found([{k: v for k, v in e.items() if k != "why"} for e in own.items], own.total)


async def assign_coordinator(uow: UnitOfWork, principal: Principal, procurement_id: str, party: str) -> ProcurementView:
    """The lead lets another coordinator (an agency, say) run its procurement with it."""
    async with uow:
        procurement = await authorised(
            uow, principal, procurement_id, Action.ASSIGN_COORDINATOR, seen_through=Action.PROCUREMENT_VIEW
        )
        procurement.assign_coordinator(party)
        await uow.commit()
        return ProcurementView(procurement, True, None, None)


async def open_tenders(
    uow: UnitOfWork, principal: Principal, today: date, within: TenderFilter, limit: int, offset: int
) -> Found[Procurement]:
    """The tenders a company may still offer to, soonest deadline first: what it needs to
    decide whether to bid, without having bid. Every company sees every open tender, as a
    published notice is seen, and the negotiations it alone is invited to; whether it may
    offer is decided when it does (a security declaration valid on that day)."""
    authorise_role(principal, Action.TENDER_VIEW)
    async with uow:
        invited = await own_supplier_id(uow, principal)
        return await uow.procurements.open_tenders(today, within, limit, offset, invited=invited)


async def tender(uow: UnitOfWork, principal: Principal, procurement_id: str, today: date) -> Procurement:
    """One open tender's notice. Once offers are closed it is a notice no more: those with
    a part in the procurement read it at `/procurements/{id}`, the rest find nothing."""
    async with uow:
        seen = await readable(uow, principal, procurement_id, Action.TENDER_VIEW)
        if not seen.procurement.takes_offers(today):
            raise NotFound(f"no open tender {procurement_id}")
        return seen.procurement
