"""Versioned HTTP API (/v1) for nation desks and coordinators."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request, status

from bundling_shared.auth import Principal, Role
from bundling_shared.auth.fastapi import CurrentPrincipal, require_role
from demand.domain.model import DemandRuleViolation
from demand.entrypoints.schemas import BundleOut, CommitIn, NeedIn, NeedOut, Page
from demand.service_layer import handlers
from demand.service_layer.handlers import UowFactory

router = APIRouter(prefix="/v1")


def _uow(request: Request) -> UowFactory:
    factory: UowFactory = request.app.state.uow
    return factory


Uow = Annotated[UowFactory, Depends(_uow)]


def _scope(principal: Principal) -> str | None:
    """The nation whose data a principal is limited to; None sees across nations."""
    return principal.nation if principal.role is Role.NATION_DESK else None


@router.post("/needs", status_code=status.HTTP_201_CREATED, response_model=NeedOut, tags=["needs"])
async def register_need(
    body: NeedIn,
    uow: Uow,
    principal: Annotated[Principal, Depends(require_role(Role.NATION_DESK))],
) -> NeedOut:
    """A nation desk registers a need; the aggregator bundles it with compatible needs."""
    if principal.role is Role.NATION_DESK and body.nation != principal.nation:
        raise HTTPException(
            422,
            detail=f"a {principal.nation} desk cannot register a need for {body.nation}",
        )
    try:
        need = await handlers.register_need(
            handlers.RegisterNeed(
                nation=body.nation,
                item_code=body.item_code,
                quantity=body.quantity,
                window_start=body.delivery_window.start,
                window_end=body.delivery_window.end,
                end_user=body.end_user,
            ),
            uow(),
        )
    except DemandRuleViolation as exc:
        raise HTTPException(422, detail=str(exc)) from exc
    return NeedOut.of(need)


@router.get("/needs", response_model=Page[NeedOut], tags=["needs"])
async def list_needs(
    uow: Uow,
    principal: CurrentPrincipal,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Page[NeedOut]:
    if principal.role is Role.INDUSTRY:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="industry sees no national needs")
    async with uow() as u:
        needs = await u.needs.list(_scope(principal), limit, offset)
    return Page(items=[NeedOut.of(n) for n in needs], limit=limit, offset=offset)


@router.get("/needs/{need_id}", response_model=NeedOut, tags=["needs"])
async def get_need(need_id: str, uow: Uow, principal: CurrentPrincipal) -> NeedOut:
    if principal.role is Role.INDUSTRY:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"need {need_id} not found")
    try:
        need = await handlers.get_need(need_id, _scope(principal), uow())
    except handlers.NotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=str(exc)) from exc
    return NeedOut.of(need)


@router.get("/bundles", response_model=Page[BundleOut], tags=["bundles"])
async def list_bundles(
    uow: Uow,
    principal: CurrentPrincipal,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Page[BundleOut]:
    if principal.role is Role.INDUSTRY:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="industry hears of bundles through webhooks")
    nation = _scope(principal)
    async with uow() as u:
        bundles = await u.bundles.list(limit, offset)
    visible = [b for b in bundles if nation is None or nation in b.nations]
    return Page(items=[BundleOut.of(b, nation) for b in visible], limit=limit, offset=offset)


@router.get("/bundles/{bundle_id}", response_model=BundleOut, tags=["bundles"])
async def get_bundle(bundle_id: str, uow: Uow, principal: CurrentPrincipal) -> BundleOut:
    nation = _scope(principal)
    async with uow() as u:
        bundle = await u.bundles.get(bundle_id)
    if bundle is None or principal.role is Role.INDUSTRY or (nation is not None and nation not in bundle.nations):
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"bundle {bundle_id} not found")
    return BundleOut.of(bundle, nation)


@router.post("/bundles/{bundle_id}/commit", response_model=BundleOut, tags=["bundles"])
async def commit_bundle(
    bundle_id: str,
    body: CommitIn,
    uow: Uow,
    principal: Annotated[Principal, Depends(require_role(Role.COORDINATOR))],
) -> BundleOut:
    """A coordinator commits the bundle as one joint order for all its nations."""
    try:
        bundle = await handlers.commit_bundle(
            handlers.CommitBundle(bundle_id=bundle_id, lead=body.lead, committed_by=principal.subject), uow()
        )
    except handlers.NotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=str(exc)) from exc
    except DemandRuleViolation as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, detail=str(exc)) from exc
    return BundleOut.of(bundle, None)
