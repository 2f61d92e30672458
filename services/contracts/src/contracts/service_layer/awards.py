"""Procurements: offers, the weighing, the award and signing after the standstill.

Competing offers' prices and scores are for the contracting authority's eyes only; a
supplier sees its own offer and score, a participating nation the outcome.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from bundling_shared.auth import Principal, Role
from contracts.domain.model import ContractRuleViolation
from contracts.domain.procurement import Offer, Procurement, ProcurementStatus, terms_of_order
from contracts.domain.weighing import Weights
from contracts.service_layer import events
from contracts.service_layer.access import Conflict, NotFound, industry_org, is_admin
from contracts.service_layer.authorisation import Action, Relation, allowed, authorise, relation_to
from contracts.service_layer.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class ProcurementView:
    """What one caller may know of a procurement."""

    procurement: Procurement
    authority: bool
    own_supplier_id: str | None
    winner_organisation: str | None

    @property
    def evaluation(self) -> list[dict[str, Any]]:
        if self.authority:
            return self.procurement.evaluation
        own = [e for e in self.procurement.evaluation if e["supplier_id"] == self.own_supplier_id]
        return [{k: v for k, v in e.items() if k != "why"} for e in own]

    @property
    def offers(self) -> list[Offer]:
        if self.authority:
            return list(self.procurement.offers)
        return [o for o in self.procurement.offers if o.supplier_id == self.own_supplier_id]


async def _order(uow: UnitOfWork, bundle_id: str) -> tuple[str, dict[str, int]] | None:
    """The lead and the nations' quantities of a committed joint order or framework."""
    contracts = await uow.contracts.all_for_bundle(bundle_id)
    if contracts:
        order: dict[str, int] = {}
        for contract in contracts:
            for line in contract.lines:
                order[line.nation] = order.get(line.nation, 0) + line.quantity
        return contracts[0].contracting_authority, order
    framework = await uow.frameworks.for_bundle(bundle_id)
    if framework is not None:
        return framework.contracting_authority, dict(framework.participants)
    return None


async def open_procurement(
    uow: UnitOfWork,
    principal: Principal,
    *,
    item_code: str,
    buyer_nation: str,
    nations: list[str],
    quantity: int,
    tender_date: date,
    weights: Weights,
    quality_gates: list[str],
    funding_instrument: str | None,
    standstill_days: int,
    bundle_id: str | None,
) -> Procurement:
    """For a committed order, its lead is the contracting authority and buys for the order's
    nations and quantity; without one, a nation buys for itself."""
    if principal.role is Role.INDUSTRY:
        authorise(principal, Action.PROCUREMENT_OPEN, Relation.ANY, "procurement")
    async with uow:
        if bundle_id:
            order = await _order(uow, bundle_id)
            unknown = ContractRuleViolation(
                f"no committed joint order or framework {bundle_id} of yours", field="body.bundle_id", rule="not_found"
            )
            if order is None:
                raise unknown
            lead, quantities = order
            relation = relation_to(principal, authority=lead, nations=quantities)
            if relation is Relation.OUTSIDER:
                raise unknown
            authorise(principal, Action.PROCUREMENT_OPEN, relation, f"bundle {bundle_id}")
            chosen = terms_of_order(
                lead=lead, order=quantities, nations=nations, quantity=quantity, buyer_nation=buyer_nation
            )
        else:
            authorise(principal, Action.PROCUREMENT_OPEN, relation_to(principal, authority=principal.party), "bundle")
            lead = buyer_nation if is_admin(principal) else principal.party
            if principal.nation is None and not is_admin(principal):
                raise ContractRuleViolation(
                    f"{principal.party} buys for nations through a committed order: name its bundle",
                    field="body.bundle_id",
                    rule="agency_needs_order",
                )
            if buyer_nation != lead:
                raise ContractRuleViolation(
                    f"{lead} buys for itself, not for {buyer_nation}", field="body.buyer_nation", rule="own_nation"
                )
            if set(nations) - {lead}:
                raise ContractRuleViolation(
                    f"without a committed order {lead} buys for itself alone; other nations join through an order",
                    field="body.nations",
                    rule="own_nation",
                )
            chosen = [lead]
        procurement = Procurement.open(
            item_code=item_code,
            contracting_authority=lead,
            buyer_nation=buyer_nation,
            nations=chosen,
            quantity=quantity,
            tender_date=tender_date,
            weights=weights,
            quality_gates=quality_gates,
            funding_instrument=funding_instrument,
            standstill_days=standstill_days,
            at=uow.clock.now(),
            bundle_id=bundle_id,
        )
        uow.procurements.add(procurement)
        await uow.commit()
        return procurement


async def submit_offer(uow: UnitOfWork, principal: Principal, procurement_id: str, today: date, **terms: Any) -> Offer:
    """A company offers for itself; it must be registered with a valid security declaration."""
    org = industry_org(principal)
    async with uow:
        procurement = await uow.procurements.get(procurement_id)
        if procurement is None:
            raise NotFound(f"procurement {procurement_id} not found")
        own = await uow.suppliers.by_organisation(org) if org else None
        authorise(
            principal, Action.PROCUREMENT_OFFER, relation_of(principal, procurement, own.id if own else None),
            f"procurement {procurement_id}",
        )  # fmt: skip
        supplier = own
        if supplier is None:
            raise ContractRuleViolation(
                f"{org} is not a registered supplier; register it with its security declaration"
            )
        offer = Offer(
            id=f"offer-{uuid.uuid4().hex[:12]}",
            procurement_id=procurement.id,
            supplier_id=supplier.id,
            submitted_at=uow.clock.now(),
            **terms,
        )
        procurement.submit(offer, supplier, today)
        await uow.commit()
        return offer


def relation_of(principal: Principal, procurement: Procurement, supplier_id: str | None) -> Relation:
    return relation_to(
        principal,
        authority=procurement.contracting_authority,
        nations=procurement.nations,
        coordinators=procurement.coordinators,
        suppliers=[
            s for s in [procurement.awarded_supplier_id] if s and procurement.status == ProcurementStatus.SIGNED
        ],
        bidders=[o.supplier_id for o in procurement.offers],
        supplier_id=supplier_id,
    )


async def _own_supplier_id(uow: UnitOfWork, principal: Principal) -> str | None:
    org = industry_org(principal)
    supplier = await uow.suppliers.by_organisation(org) if org else None
    return supplier.id if supplier else None


async def _authorised(uow: UnitOfWork, principal: Principal, procurement_id: str, action: Action) -> Procurement:
    procurement = await uow.procurements.get(procurement_id)
    if procurement is None:
        raise NotFound(f"procurement {procurement_id} not found")
    relation = relation_of(principal, procurement, await _own_supplier_id(uow, principal))
    authorise(principal, action, relation, f"procurement {procurement_id}")
    return procurement


async def award(uow: UnitOfWork, principal: Principal, procurement_id: str, today: date) -> ProcurementView:
    async with uow:
        procurement = await _authorised(uow, principal, procurement_id, Action.PROCUREMENT_AWARD)
        if procurement.status != ProcurementStatus.OPEN.value:
            raise Conflict(f"procurement {procurement_id} was already awarded")
        suppliers = await uow.suppliers.by_ids({o.supplier_id for o in procurement.offers})
        winner = procurement.award(suppliers, today)
        await events.award_decided(uow, procurement, suppliers[winner.supplier_id], winner.why)
        await uow.commit()
        return ProcurementView(procurement, True, None, suppliers[winner.supplier_id].organisation)


async def sign(uow: UnitOfWork, principal: Principal, procurement_id: str, today: date) -> ProcurementView:
    """After the standstill: the bundle's contracts get their supplier, or its framework
    contract gains the supplier at the offered unit price."""
    async with uow:
        procurement = await _authorised(uow, principal, procurement_id, Action.PROCUREMENT_AWARD)
        if procurement.status == ProcurementStatus.SIGNED.value:
            raise Conflict(f"procurement {procurement_id} is already signed")
        if procurement.status != ProcurementStatus.STANDSTILL.value:
            raise Conflict(f"procurement {procurement_id} has no award to sign")
        if procurement.bundle_id:
            order = await _order(uow, procurement.bundle_id)
            if order is not None and order[0] != procurement.contracting_authority:
                raise ContractRuleViolation(
                    f"{procurement.contracting_authority} is not the lead of {procurement.bundle_id} ({order[0]} is); "
                    "its procurement cannot be signed onto that order"
                )
        procurement.sign(today)
        offer = next(o for o in procurement.offers if o.id == procurement.awarded_offer_id)
        winner = await uow.suppliers.get(offer.supplier_id)
        assert winner is not None
        if procurement.bundle_id:
            for contract in await uow.contracts.all_for_bundle(procurement.bundle_id):
                if contract.contracting_authority == procurement.contracting_authority:
                    contract.assign_supplier(winner.id, offer.unit_price_eur, by=principal.party, at=uow.clock.now())
            framework = await uow.frameworks.for_bundle(procurement.bundle_id)
            if framework is not None and framework.contracting_authority == procurement.contracting_authority:
                framework.add_supplier(winner.id, offer.unit_price_eur, by=principal.party, at=uow.clock.now())
        await uow.commit()
        return ProcurementView(procurement, True, None, winner.organisation)


async def view(uow: UnitOfWork, principal: Principal, procurement_id: str) -> ProcurementView:
    async with uow:
        procurement = await _authorised(uow, principal, procurement_id, Action.PROCUREMENT_VIEW)
        own = await _own_supplier_id(uow, principal)
        winner = await uow.suppliers.get(procurement.awarded_supplier_id) if procurement.awarded_supplier_id else None
    relation = relation_of(principal, procurement, own)
    return ProcurementView(
        procurement,
        allowed(principal, Action.PROCUREMENT_VIEW_ALL, relation),
        own,
        winner.organisation if winner else None,
    )


async def assign_coordinator(uow: UnitOfWork, principal: Principal, procurement_id: str, party: str) -> ProcurementView:
    """The lead lets another coordinator (an agency, say) run its procurement with it."""
    async with uow:
        procurement = await uow.procurements.get(procurement_id)
        if procurement is None:
            raise NotFound(f"procurement {procurement_id} not found")
        relation = relation_of(principal, procurement, await _own_supplier_id(uow, principal))
        authorise(
            principal, Action.ASSIGN_COORDINATOR, relation, f"procurement {procurement_id}", Action.PROCUREMENT_VIEW
        )
        procurement.coordinators = sorted({*procurement.coordinators, party})
        await uow.commit()
        return ProcurementView(procurement, True, None, None)
