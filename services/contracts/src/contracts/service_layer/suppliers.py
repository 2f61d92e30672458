"""Registering suppliers and keeping their security declarations current.

Every registration and every change of the declaration is published, so that the
notifications service knows whom it may tell restricted things.
"""

from __future__ import annotations

from datetime import date

from bundling_shared.auth import Principal
from contracts.domain.suppliers import IndustrialBase, Supplier
from contracts.service_layer import events
from contracts.service_layer.access import Conflict, NotFound, industry_org, is_coordinator, require_role
from contracts.service_layer.unit_of_work import UnitOfWork


async def register_supplier(
    uow: UnitOfWork,
    principal: Principal,
    *,
    organisation: str,
    country: str,
    sme: bool,
    controlled_from_non_associated_country: bool,
    industrial_base: IndustrialBase,
    security_declaration_valid_until: date | None,
) -> Supplier:
    require_role(is_coordinator(principal), "only a coordinator or admin registers suppliers")
    async with uow:
        if await uow.suppliers.by_organisation(organisation) is not None:
            raise Conflict(f"supplier {organisation} is already registered")
        supplier = Supplier.register(
            organisation=organisation,
            country=country,
            sme=sme,
            controlled_from_non_associated_country=controlled_from_non_associated_country,
            industrial_base=industrial_base,
            security_declaration_valid_until=security_declaration_valid_until,
        )
        uow.suppliers.add(supplier)
        await events.supplier_registered(uow, supplier)
        await uow.commit()
        return supplier


async def change_declaration(
    uow: UnitOfWork, principal: Principal, supplier_id: str, valid_until: date | None
) -> Supplier:
    require_role(is_coordinator(principal), "only a coordinator or admin records security declarations")
    async with uow:
        supplier = await uow.suppliers.get(supplier_id)
        if supplier is None:
            raise NotFound(f"supplier {supplier_id} not found")
        supplier.renew_declaration(valid_until)
        await events.supplier_registered(uow, supplier)
        await uow.commit()
        return supplier


async def visible_supplier(uow: UnitOfWork, principal: Principal, supplier_id: str) -> Supplier:
    """Coordinators and admins see the registry; a company sees its own entry; desks none."""
    async with uow:
        supplier = await uow.suppliers.get(supplier_id)
    org = industry_org(principal)
    if supplier is None or not (is_coordinator(principal) or (org is not None and supplier.organisation == org)):
        raise NotFound(f"supplier {supplier_id} not found")
    return supplier


async def visible_suppliers(uow: UnitOfWork, principal: Principal) -> list[Supplier]:
    async with uow:
        found = list(await uow.suppliers.list())
    if is_coordinator(principal):
        return found
    org = industry_org(principal)
    return [s for s in found if org is not None and s.organisation == org]
