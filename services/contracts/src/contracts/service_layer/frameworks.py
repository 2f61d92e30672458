"""Framework contracts through the API: create, add suppliers, accession, call-offs.

A nation sees the frameworks it is party to and only its own call-offs; a supplier sees
the frameworks it supplies and the call-offs placed with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bundling_shared.auth import Principal, Role
from contracts.domain.frameworks import Bid, CallOff, FrameworkContract
from contracts.domain.model import ContractRuleViolation
from contracts.domain.suppliers import Supplier
from contracts.service_layer import events
from contracts.service_layer.access import NotFound, acts_for, industry_org, is_coordinator, require_role
from contracts.service_layer.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class FrameworkView:
    framework: FrameworkContract
    call_offs: list[CallOff]
    supplier_organisations: dict[str, str]
    warning: str | None


async def _supplier_id(uow: UnitOfWork, principal: Principal) -> str | None:
    org = industry_org(principal)
    supplier = await uow.suppliers.by_organisation(org) if org else None
    return supplier.id if supplier else None


def _sees(principal: Principal, framework: FrameworkContract, supplier_id: str | None) -> bool:
    if is_coordinator(principal) or any(acts_for(principal, p) for p in framework.participants):
        return True
    return acts_for(principal, framework.contracting_authority) or (
        supplier_id is not None and supplier_id in framework.suppliers
    )


def _call_offs_for(principal: Principal, framework: FrameworkContract, supplier_id: str | None) -> list[CallOff]:
    if is_coordinator(principal) or acts_for(principal, framework.contracting_authority):
        return list(framework.call_offs)
    if supplier_id is not None:
        return [c for c in framework.call_offs if c.supplier_id == supplier_id]
    return [c for c in framework.call_offs if acts_for(principal, c.nation)]


async def _view(uow: UnitOfWork, principal: Principal, fw: FrameworkContract, today: date, warn: int) -> FrameworkView:
    supplier_id = await _supplier_id(uow, principal)
    suppliers = await uow.suppliers.by_ids(set(fw.suppliers))
    return FrameworkView(
        fw,
        _call_offs_for(principal, fw, supplier_id),
        {sid: s.organisation for sid, s in suppliers.items()},
        fw.end_date_warning(today, warn),
    )


async def _load(uow: UnitOfWork, principal: Principal, framework_id: str) -> FrameworkContract:
    framework = await uow.frameworks.get(framework_id)
    if framework is None or not _sees(principal, framework, await _supplier_id(uow, principal)):
        raise NotFound(f"framework contract {framework_id} not found")
    return framework


async def _cleared(uow: UnitOfWork, supplier_ids: set[str], today: date, doing: str) -> dict[str, Supplier]:
    """The suppliers, each registered with a valid security declaration, or the reason why not."""
    found = await uow.suppliers.by_ids(supplier_ids)
    for supplier_id in supplier_ids:
        supplier = found.get(supplier_id)
        if supplier is None:
            raise ContractRuleViolation(f"supplier {supplier_id} is not registered")
        supplier.ensure_cleared(today, doing)
    return found


async def create(
    uow: UnitOfWork,
    principal: Principal,
    *,
    item_code: str,
    items: list[str],
    participants: dict[str, int],
    ceiling_quantity: int,
    ceiling_value_eur: float | None,
    start: date,
    end: date,
    suppliers: dict[str, float | None],
    today: date,
    warn_days: int,
) -> FrameworkView:
    require_role(
        principal.role in (Role.COORDINATOR, Role.NATION_DESK, Role.ADMIN),
        "a lead nation or agency creates a framework contract",
    )
    async with uow:
        cleared = await _cleared(uow, set(suppliers), today, "hold a framework contract")
        framework = FrameworkContract.create(
            item_code=item_code,
            items=items,
            contracting_authority=principal.party,
            participants=participants,
            ceiling_quantity=ceiling_quantity,
            ceiling_value_eur=ceiling_value_eur,
            start=start,
            end=end,
            suppliers=suppliers,
            by=principal.subject,
        )
        uow.frameworks.add(framework)
        await events.framework_created(uow, framework, cleared)
        await uow.commit()
        return await _view(uow, principal, framework, today, warn_days)


async def add_supplier(
    uow: UnitOfWork,
    principal: Principal,
    framework_id: str,
    supplier_id: str,
    unit_price_eur: float | None,
    today: date,
    warn_days: int,
) -> FrameworkView:
    async with uow:
        framework = await _load(uow, principal, framework_id)
        require_role(acts_for(principal, framework.contracting_authority), "the contracting authority adds suppliers")
        await _cleared(uow, {supplier_id}, today, "hold a framework contract")
        framework.add_supplier(supplier_id, unit_price_eur, by=principal.subject)
        await uow.commit()
        return await _view(uow, principal, framework, today, warn_days)


async def accede(
    uow: UnitOfWork,
    principal: Principal,
    framework_id: str,
    nation: str,
    quantity: int,
    budget_eur: float | None,
    today: date,
    warn_days: int,
) -> FrameworkView:
    """The contracting authority opens its framework to another nation (the radar case)."""
    async with uow:
        framework = await _load(uow, principal, framework_id)
        require_role(acts_for(principal, framework.contracting_authority), "the contracting authority admits nations")
        framework.accede(nation, quantity, budget_eur, by=principal.subject)
        await events.framework_acceded(uow, framework, nation, quantity)
        await uow.commit()
        return await _view(uow, principal, framework, today, warn_days)


async def call_off(
    uow: UnitOfWork,
    principal: Principal,
    framework_id: str,
    *,
    item_code: str,
    quantity: int,
    delivery_due: date,
    supplier_id: str | None,
    bids: list[Bid],
    today: date,
) -> CallOff:
    """Only a party calls off, for itself; its desk speaks for it."""
    async with uow:
        framework = await _load(uow, principal, framework_id)
        require_role(
            principal.role is Role.NATION_DESK and principal.party in framework.participants,
            "only a nation party to the framework may call off, through its own desk",
        )
        assert principal.nation is not None
        placed = framework.call_off(
            nation=principal.nation,
            item_code=item_code,
            quantity=quantity,
            delivery_due=delivery_due,
            today=today,
            supplier_id=supplier_id,
            bids=bids,
            by=principal.subject,
        )
        supplier = await uow.suppliers.get(placed.supplier_id)
        if supplier is None:
            raise ContractRuleViolation(f"supplier {placed.supplier_id} is not registered")
        supplier.ensure_cleared(today, "receive a call-off")
        await events.call_off_placed(uow, placed, supplier)
        await uow.commit()
        return placed


async def view(uow: UnitOfWork, principal: Principal, framework_id: str, today: date, warn_days: int) -> FrameworkView:
    async with uow:
        framework = await _load(uow, principal, framework_id)
        return await _view(uow, principal, framework, today, warn_days)


async def visible_all(uow: UnitOfWork, principal: Principal, today: date, warn_days: int) -> list[FrameworkView]:
    async with uow:
        supplier_id = await _supplier_id(uow, principal)
        found = [f for f in await uow.frameworks.list() if _sees(principal, f, supplier_id)]
        return [await _view(uow, principal, f, today, warn_days) for f in found]
