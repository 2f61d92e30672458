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
from contracts.domain.procurement import Offer, Procurement
from contracts.domain.weighing import Weights
from contracts.service_layer import events
from contracts.service_layer.access import NotFound, acts_for, industry_org, is_admin, require_role
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
    require_role(
        principal.role in (Role.COORDINATOR, Role.NATION_DESK, Role.ADMIN),
        "a contracting authority (lead nation or agency) opens a procurement",
    )
    async with uow:
        procurement = Procurement.open(
            item_code=item_code,
            contracting_authority=principal.party if not is_admin(principal) else buyer_nation,
            buyer_nation=buyer_nation,
            nations=nations or [buyer_nation],
            quantity=quantity,
            tender_date=tender_date,
            weights=weights,
            quality_gates=quality_gates,
            funding_instrument=funding_instrument,
            standstill_days=standstill_days,
            bundle_id=bundle_id,
        )
        uow.procurements.add(procurement)
        await uow.commit()
        return procurement


async def submit_offer(uow: UnitOfWork, principal: Principal, procurement_id: str, today: date, **terms: Any) -> Offer:
    """A company offers for itself; it must be registered with a valid security declaration."""
    org = industry_org(principal)
    require_role(org is not None, "offers come from a supplier's own token")
    async with uow:
        procurement = await uow.procurements.get(procurement_id)
        if procurement is None:
            raise NotFound(f"procurement {procurement_id} not found")
        supplier = await uow.suppliers.by_organisation(str(org))
        if supplier is None:
            raise ContractRuleViolation(
                f"{org} is not a registered supplier; register it with its security declaration"
            )
        offer = Offer(
            id=f"offer-{uuid.uuid4().hex[:12]}", procurement_id=procurement.id, supplier_id=supplier.id, **terms
        )
        procurement.submit(offer, supplier, today)
        await uow.commit()
        return offer


async def _authorised(uow: UnitOfWork, principal: Principal, procurement_id: str) -> Procurement:
    procurement = await uow.procurements.get(procurement_id)
    if procurement is None or not acts_for(principal, procurement.contracting_authority):
        raise NotFound(f"procurement {procurement_id} not found")
    return procurement


async def award(uow: UnitOfWork, principal: Principal, procurement_id: str, today: date) -> ProcurementView:
    async with uow:
        procurement = await _authorised(uow, principal, procurement_id)
        suppliers = await uow.suppliers.by_ids({o.supplier_id for o in procurement.offers})
        winner = procurement.award(suppliers, today)
        await events.award_decided(uow, procurement, suppliers[winner.supplier_id], winner.why)
        await uow.commit()
        return ProcurementView(procurement, True, None, suppliers[winner.supplier_id].organisation)


async def sign(uow: UnitOfWork, principal: Principal, procurement_id: str, today: date) -> ProcurementView:
    """After the standstill: the bundle's contracts get their supplier, or its framework
    contract gains the supplier at the offered unit price."""
    async with uow:
        procurement = await _authorised(uow, principal, procurement_id)
        procurement.sign(today)
        offer = next(o for o in procurement.offers if o.id == procurement.awarded_offer_id)
        winner = await uow.suppliers.get(offer.supplier_id)
        assert winner is not None
        if procurement.bundle_id:
            for contract in await uow.contracts.all_for_bundle(procurement.bundle_id):
                contract.assign_supplier(winner.id, offer.unit_price_eur, by=principal.party)
            framework = await uow.frameworks.for_bundle(procurement.bundle_id)
            if framework is not None:
                framework.add_supplier(winner.id, offer.unit_price_eur, by=principal.party)
        await uow.commit()
        return ProcurementView(procurement, True, None, winner.organisation)


async def view(uow: UnitOfWork, principal: Principal, procurement_id: str) -> ProcurementView:
    async with uow:
        procurement = await uow.procurements.get(procurement_id)
        if procurement is None:
            raise NotFound(f"procurement {procurement_id} not found")
        org = industry_org(principal)
        own = await uow.suppliers.by_organisation(org) if org else None
        winner = await uow.suppliers.get(procurement.awarded_supplier_id) if procurement.awarded_supplier_id else None
    authority = acts_for(principal, procurement.contracting_authority)
    bidder = own is not None and procurement.offer_of(own.id) is not None
    nation = principal.role is Role.NATION_DESK and principal.party in procurement.nations
    if not (authority or bidder or nation):
        raise NotFound(f"procurement {procurement_id} not found")
    return ProcurementView(procurement, authority, own.id if own else None, winner.organisation if winner else None)
