"""A nation's purchases contracted outside the platform, recorded by its desk for the
reports by year."""

from __future__ import annotations

from fastapi import APIRouter, status

from bundling_shared.auth.fastapi import CurrentPrincipal
from bundling_shared.pagination import Page
from contracts.entrypoints.deps import Paged, PathId, Uow
from contracts.entrypoints.schemas import NationalPurchaseIn, NationalPurchaseOut
from contracts.service_layer import national_purchases

router = APIRouter(tags=["reports"])


@router.post("/national-purchases", response_model=NationalPurchaseOut, status_code=status.HTTP_201_CREATED)
async def record_purchase(body: NationalPurchaseIn, uow: Uow, principal: CurrentPrincipal) -> NationalPurchaseOut:
    """A desk records a contract its nation signed outside the platform (supplier, its
    country, SME or not, value, day signed), so that `GET /v1/reports/kpis` covers its
    whole purchasing; 409 when its contract number is recorded already."""
    purchase = await national_purchases.record(uow(), principal, body.terms())
    return NationalPurchaseOut.model_validate(purchase)


@router.get("/national-purchases", response_model=Page[NationalPurchaseOut])
async def list_purchases(uow: Uow, principal: CurrentPrincipal, page: Paged) -> Page[NationalPurchaseOut]:
    """The purchases the desk's nation recorded, newest signed first (an administrator: every nation's)."""
    found = await national_purchases.listed(uow(), principal, page.limit, page.offset)
    return page.of(found, NationalPurchaseOut.model_validate)


@router.delete("/national-purchases/{purchase_id}", status_code=status.HTTP_204_NO_CONTENT)
async def withdraw_purchase(purchase_id: PathId, uow: Uow, principal: CurrentPrincipal) -> None:
    """Withdraw a purchase recorded by mistake; another nation's answers 404."""
    await national_purchases.withdraw(uow(), principal, purchase_id)
