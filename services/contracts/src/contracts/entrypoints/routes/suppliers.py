"""The supplier registry with security declarations."""

from __future__ import annotations

from fastapi import APIRouter, status

from bundling_shared.auth.fastapi import CurrentPrincipal
from bundling_shared.pagination import Page
from contracts.entrypoints.deps import Paged, PathId, Today, Uow
from contracts.entrypoints.schemas import DeclarationIn, SupplierIn, SupplierOut
from contracts.service_layer import suppliers

router = APIRouter(tags=["suppliers"])


@router.post("/suppliers", response_model=SupplierOut, status_code=status.HTTP_201_CREATED)
async def register_supplier(body: SupplierIn, uow: Uow, principal: CurrentPrincipal, today: Today) -> SupplierOut:
    supplier = await suppliers.register_supplier(uow(), principal, terms=body.terms())
    return SupplierOut.of(supplier, today)


@router.put("/suppliers/{supplier_id}/security-declaration", response_model=SupplierOut)
async def change_declaration(
    supplier_id: PathId, body: DeclarationIn, uow: Uow, principal: CurrentPrincipal, today: Today
) -> SupplierOut:
    supplier = await suppliers.change_declaration(uow(), principal, supplier_id, body.security_declaration_valid_until)
    return SupplierOut.of(supplier, today)


@router.get("/suppliers", response_model=Page[SupplierOut])
async def list_suppliers(uow: Uow, principal: CurrentPrincipal, today: Today, page: Paged) -> Page[SupplierOut]:
    """By organisation: the whole registry for coordinators, a company its own entry."""
    found = await suppliers.visible_suppliers(uow(), principal, page.limit, page.offset)
    return page.of(found, lambda s: SupplierOut.of(s, today))


@router.get("/suppliers/{supplier_id}", response_model=SupplierOut)
async def get_supplier(supplier_id: PathId, uow: Uow, principal: CurrentPrincipal, today: Today) -> SupplierOut:
    return SupplierOut.of(await suppliers.visible_supplier(uow(), principal, supplier_id), today)
