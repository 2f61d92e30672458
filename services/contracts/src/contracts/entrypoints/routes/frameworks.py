"""Framework contracts, accession and call-offs."""

from __future__ import annotations

from fastapi import APIRouter, status

from bundling_shared.auth.fastapi import CurrentPrincipal
from contracts.domain.frameworks import Bid
from contracts.entrypoints.routes.deps import Settings, Today, Uow
from contracts.entrypoints.schemas import (
    AccessionIn,
    CallOffIn,
    CallOffOut,
    FrameworkIn,
    FrameworkOut,
    FrameworkSupplierIn,
)
from contracts.service_layer import frameworks

router = APIRouter(tags=["framework contracts"])


@router.post("/frameworks", response_model=FrameworkOut, status_code=status.HTTP_201_CREATED)
async def create_framework(
    body: FrameworkIn, uow: Uow, principal: CurrentPrincipal, today: Today, settings: Settings
) -> FrameworkOut:
    view = await frameworks.create(
        uow(),
        principal,
        item_code=body.item_code,
        items=body.items,
        participants=body.participants,
        ceiling_quantity=body.ceiling_quantity,
        ceiling_value_eur=body.ceiling_value_eur,
        start=body.start,
        end=body.end,
        suppliers=body.suppliers,
        today=today,
        warn_days=settings.end_date_warning_days,
    )
    return FrameworkOut.of(view)


@router.get("/frameworks", response_model=list[FrameworkOut])
async def list_frameworks(
    uow: Uow, principal: CurrentPrincipal, today: Today, settings: Settings
) -> list[FrameworkOut]:
    views = await frameworks.visible_all(uow(), principal, today, settings.end_date_warning_days)
    return [FrameworkOut.of(v) for v in views]


@router.get("/frameworks/{framework_id}", response_model=FrameworkOut)
async def get_framework(
    framework_id: str, uow: Uow, principal: CurrentPrincipal, today: Today, settings: Settings
) -> FrameworkOut:
    return FrameworkOut.of(await frameworks.view(uow(), principal, framework_id, today, settings.end_date_warning_days))


@router.post("/frameworks/{framework_id}/suppliers", response_model=FrameworkOut)
async def add_supplier(
    framework_id: str,
    body: FrameworkSupplierIn,
    uow: Uow,
    principal: CurrentPrincipal,
    today: Today,
    settings: Settings,
) -> FrameworkOut:
    view = await frameworks.add_supplier(
        uow(), principal, framework_id, body.supplier_id, body.unit_price_eur, today, settings.end_date_warning_days
    )
    return FrameworkOut.of(view)


@router.post("/frameworks/{framework_id}/accessions", response_model=FrameworkOut)
async def accede(
    framework_id: str, body: AccessionIn, uow: Uow, principal: CurrentPrincipal, today: Today, settings: Settings
) -> FrameworkOut:
    """The contracting authority opens its framework to another nation."""
    view = await frameworks.accede(
        uow(),
        principal,
        framework_id,
        body.nation,
        body.quantity,
        body.budget_eur,
        today,
        settings.end_date_warning_days,
    )
    return FrameworkOut.of(view)


@router.post("/frameworks/{framework_id}/call-offs", response_model=CallOffOut, status_code=status.HTTP_201_CREATED)
async def call_off(
    framework_id: str, body: CallOffIn, uow: Uow, principal: CurrentPrincipal, today: Today
) -> CallOffOut:
    """A party calls off: directly from a named (or the only) supplier, or after a
    mini-competition among the framework's suppliers (the cheapest bid on time wins)."""
    placed = await frameworks.call_off(
        uow(),
        principal,
        framework_id,
        item_code=body.item_code,
        quantity=body.quantity,
        delivery_due=body.delivery_due,
        supplier_id=body.supplier_id,
        bids=[Bid(b.supplier_id, b.unit_price_eur, b.delivery_date) for b in body.bids],
        today=today,
    )
    return CallOffOut.of(placed)
