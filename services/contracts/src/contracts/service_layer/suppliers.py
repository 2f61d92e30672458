"""Registering suppliers and keeping their security declarations current.

Every registration and every change of the declaration is published, so that the
notifications service knows whom it may tell restricted things.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TypeVar

from bundling_shared.auth import Principal
from contracts.domain.access import (
    Action,
    Relation,
    allowed,
    authorise,
    industry_org,
    reach,
    relation_to_supplier,
)
from contracts.domain.errors import Conflict, NotFound
from contracts.domain.suppliers import Supplier, SupplierTerms
from contracts.service_layer import events, reference
from contracts.service_layer.unit_of_work import NONE_FOUND, Found, UnitOfWork

T = TypeVar("T")


async def own_supplier_id(uow: UnitOfWork, principal: Principal) -> str | None:
    """A company relates to procurements, contracts and frameworks through its supplier record."""
    org = industry_org(principal)
    supplier = await uow.suppliers.by_organisation(org) if org else None
    return supplier.id if supplier else None


async def permitted(
    uow: UnitOfWork,
    principal: Principal,
    found: T | None,
    what: str,
    relation_of: Callable[[Principal, T, str | None], Relation],
    action: Action,
    seen_through: Action | None = None,
) -> T:
    """`found` (`what`, as an absent one is named), if the caller may do `action` to it; a
    company's relation to it goes through its supplier record."""
    if found is None:
        raise NotFound(f"{what} not found")
    relation = relation_of(principal, found, await own_supplier_id(uow, principal))
    authorise(principal, action, relation, what, seen_through)
    return found


def _sees(principal: Principal, supplier: Supplier) -> bool:
    """Coordinators and admins see the registry; a company sees its own entry; desks none."""
    return allowed(principal, Action.SUPPLIER_VIEW, relation_to_supplier(principal, supplier.organisation))


_registry = reference.Registry(lambda uow, entry_id: uow.suppliers.get(entry_id), _sees, "supplier")
visible_supplier = _registry.entry


async def visible_suppliers(uow: UnitOfWork, principal: Principal, limit: int, offset: int) -> Found[Supplier]:
    """By organisation: the whole registry for those who keep it, a company its own entry,
    others none."""
    if reach(principal, Action.SUPPLIER_VIEW).everything:
        organisation = None
    else:
        organisation = industry_org(principal)
        if organisation is None or not allowed(principal, Action.SUPPLIER_VIEW, Relation.ITSELF):
            return NONE_FOUND
    async with uow:
        return await uow.suppliers.page(organisation, limit, offset)


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
