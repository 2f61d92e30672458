"""Funds run by a lead nation or agency: every nation may read one (that is how
contributors find it), its lead buys with it and closes it."""

from __future__ import annotations

from fastapi import APIRouter, status

from bundling_shared.pagination import Page
from demand.entrypoints.deps import PAGE, CallerOf, FundId, Limit, Offset, Uow
from demand.entrypoints.schemas import FundIn, FundOut, PurchaseIn, ReasonIn
from demand.service_layer import funds as handlers

router = APIRouter(prefix="/funds", tags=["money"])


@router.post("", status_code=status.HTTP_201_CREATED, response_model=FundOut)
async def open_fund(body: FundIn, uow: Uow, caller: CallerOf) -> FundOut:
    """A coordinator opens a fund its nation or agency leads, for an item and a beneficiary."""
    view = await handlers.open_fund(
        uow(),
        caller=caller,
        lead=body.lead,
        purpose=body.purpose,
        item_codes=body.item_codes,
        beneficiary=body.beneficiary,
    )
    return FundOut.of(view)


@router.get("", response_model=Page[FundOut])
async def list_funds(uow: Uow, caller: CallerOf, limit: Limit = PAGE, offset: Offset = 0) -> Page[FundOut]:
    """Every fund, the oldest first, with its totals; no nation's amount."""
    found, total = await handlers.list_funds(uow(), caller=caller, limit=limit, offset=offset)
    return Page(items=[FundOut.of(v) for v in found], limit=limit, offset=offset, total=total)


@router.get("/{fund_id}", response_model=FundOut)
async def read_fund(fund_id: FundId, uow: Uow, caller: CallerOf) -> FundOut:
    return FundOut.of(await handlers.read_fund(uow(), caller=caller, fund_id=fund_id))


@router.post("/{fund_id}/purchases", response_model=FundOut, status_code=status.HTTP_201_CREATED)
async def buy(fund_id: FundId, body: PurchaseIn, uow: Uow, caller: CallerOf) -> FundOut:
    """The lead pays toward a bundle of one of the fund's items, out of what was paid in."""
    view = await handlers.buy(
        uow(),
        caller=caller,
        fund_id=fund_id,
        bundle_id=body.bundle_id,
        amount_eur=body.amount.amount,
        note=body.note,
    )
    return FundOut.of(view)


@router.post("/{fund_id}/close", response_model=FundOut)
async def close_fund(fund_id: FundId, body: ReasonIn, uow: Uow, caller: CallerOf) -> FundOut:
    """No more pledges nor purchases; its record stays."""
    return FundOut.of(await handlers.close_fund(uow(), caller=caller, fund_id=fund_id, reason=body.reason))
