"""Registering suppliers and keeping their security declarations current.

Every registration and every change of the declaration is published, so that the
notifications service knows whom it may tell restricted things.
"""

from __future__ import annotations

from datetime import date

from bundling_shared.auth import Principal
from contracts.domain.access import Action, Relation, allowed, authorise, industry_org, relation_to_supplier
from contracts.domain.errors import Conflict, NotFound
from contracts.domain.suppliers import Supplier, SupplierTerms
from contracts.service_layer import events
from contracts.service_layer.unit_of_work import UnitOfWork


async def own_supplier_id(uow: UnitOfWork, principal: Principal) -> str | None:
    """A company relates to procurements, contracts and frameworks through its supplier record."""
    org = industry_org(principal)
    supplier = await uow.suppliers.by_organisation(org) if org else None
    return supplier.id if supplier else None


def _sees(principal: Principal, supplier: Supplier) -> bool:
    return allowed(principal, Action.SUPPLIER_VIEW, relation_to_supplier(principal, supplier.organisation))


async def register_supplier(uow: UnitOfWork, principal: Principal, *, terms: SupplierTerms) -> Supplier:
    authorise(principal, Action.SUPPLIER_REGISTER, Relation.ANY, "supplier registry")
    async with uow:
        if await uow.suppliers.by_organisation(terms["organisation"]) is not None:
            raise Conflict(f"supplier {terms['organisation']} is already registered")
        supplier = Supplier.register(**terms)
        uow.suppliers.add(supplier)
        await events.supplier_registered(uow, supplier)
        await uow.commit()
        return supplier


async def change_declaration(
    uow: UnitOfWork, principal: Principal, supplier_id: str, valid_until: date | None
) -> Supplier:
    authorise(principal, Action.SUPPLIER_REGISTER, Relation.ANY, "supplier registry")
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
    if supplier is None or not _sees(principal, supplier):
        raise NotFound(f"supplier {supplier_id} not found")
    return supplier


async def visible_suppliers(uow: UnitOfWork, principal: Principal) -> list[Supplier]:
    async with uow:
        found = list(await uow.suppliers.list())
    return [s for s in found if _sees(principal, s)]
