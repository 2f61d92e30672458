"""Bundles: desks see the ones they are in and answer for their nation; coordinators see
all of them and run them (lead, deadline, open, commit, close, cancel)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from bundling_shared.auth import Principal
from demand.domain.bundle import Bundle, BundleKind, BundleStatus
from demand.entrypoints.deps import (
    Coordinator,
    Desk,
    ItemReader,
    Reader,
    Uow,
    acting_nation,
    budget_eur,
    domain_errors,
    scope,
)
from demand.entrypoints.schemas import (
    AccessionIn,
    BundleOut,
    CommitIn,
    DeadlineIn,
    LeadIn,
    OpenIn,
    Page,
    ParticipationIn,
    ReasonIn,
    SmeShareIn,
    TrailEntryOut,
)
from demand.service_layer import bundles as handlers
from demand.service_layer.common import NotFound, UowFactory
from demand.service_layer.unit_of_work import BundleFilter

router = APIRouter(prefix="/v1/bundles", tags=["bundles"])


async def _render(bundle: Bundle, uow: UowFactory, nation: str | None) -> BundleOut:
    async with uow() as u:
        lines = await u.bundles.lines(bundle.id, nation)
    return BundleOut.of(bundle, lines, nation)


@router.get("", response_model=Page[BundleOut])
async def list_bundles(
    uow: Uow,
    principal: Reader,
    status_: Annotated[BundleStatus | None, Query(alias="status")] = None,
    item_code: str | None = None,
    kind: BundleKind | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Page[BundleOut]:
    nation = scope(principal)
    f = BundleFilter(nation=nation, status=status_, item_code=item_code, kind=kind)
    async with uow() as u:
        found = await u.bundles.list(f, limit, offset)
        total = await u.bundles.count(f)
        items = [BundleOut.of(b, await u.bundles.lines(b.id, nation), nation) for b in found]
    return Page(items=items, limit=limit, offset=offset, total=total)


async def _visible(bundle_id: str, uow: UowFactory, principal: Principal) -> Bundle:
    nation = scope(principal)
    async with uow() as u:
        bundle = await u.bundles.get(bundle_id)
    if bundle is None or (nation is not None and bundle.share(nation) is None):
        raise NotFound(f"bundle {bundle_id} not found")
    return bundle


@router.get("/{bundle_id}", response_model=BundleOut)
async def get_bundle(bundle_id: str, uow: Uow, principal: ItemReader) -> BundleOut:
    with domain_errors():
        bundle = await _visible(bundle_id, uow, principal)
    return await _render(bundle, uow, scope(principal))


@router.get("/{bundle_id}/trail", response_model=list[TrailEntryOut])
async def bundle_trail(bundle_id: str, uow: Uow, principal: ItemReader) -> list[TrailEntryOut]:
    """Every decision on the bundle with its reason; a desk sees the bundle-wide ones and its own."""
    with domain_errors():
        await _visible(bundle_id, uow, principal)
    async with uow() as u:
        return [TrailEntryOut.of(d) for d in await u.bundles.trail(bundle_id, scope(principal))]


@router.post("/{bundle_id}/participation", response_model=BundleOut)
async def answer_participation(bundle_id: str, body: ParticipationIn, uow: Uow, principal: Desk) -> BundleOut:
    """A desk confirms (quantity, funding instrument) or declines its nation's part."""
    nation = acting_nation(principal)
    with domain_errors():
        bundle = await handlers.answer_participation(
            handlers.Answer(bundle_id, nation, body.decision == "confirm", body.quantity, body.funding_instrument),
            uow(),
        )
    return await _render(bundle, uow, nation)


@router.post("/{bundle_id}/accessions", response_model=BundleOut, status_code=201)
async def accede(bundle_id: str, body: AccessionIn, uow: Uow, principal: Desk) -> BundleOut:
    """A nation accedes later to a committed framework contract still open for accession."""
    nation = acting_nation(principal)
    with domain_errors():
        bundle = await handlers.accede(
            handlers.Accede(
                bundle_id, nation, [y.domain() for y in body.yearly_quantities], budget_eur(body.budget_ceiling)
            ),
            uow(),
        )
    return await _render(bundle, uow, nation)


@router.post("/{bundle_id}/open", response_model=BundleOut)
async def open_for_accession(bundle_id: str, body: OpenIn, uow: Uow, principal: Coordinator) -> BundleOut:
    """Open the bundle for accession until the deadline; industry hears of it without detail."""
    with domain_errors():
        bundle = await handlers.open_for_accession(bundle_id, body.deadline, body.minimum_nations, uow())
    return await _render(bundle, uow, None)


@router.post("/{bundle_id}/lead", response_model=BundleOut)
async def nominate_lead(bundle_id: str, body: LeadIn, uow: Uow, principal: Coordinator) -> BundleOut:
    with domain_errors():
        bundle = await handlers.nominate_lead(bundle_id, body.lead, uow())
    return await _render(bundle, uow, None)


@router.post("/{bundle_id}/deadline", response_model=BundleOut)
async def set_deadline(bundle_id: str, body: DeadlineIn, uow: Uow, principal: Coordinator) -> BundleOut:
    with domain_errors():
        bundle = await handlers.set_deadline(bundle_id, body.deadline, uow())
    return await _render(bundle, uow, None)


@router.post("/{bundle_id}/sme-share", response_model=BundleOut)
async def set_sme_share(bundle_id: str, body: SmeShareIn, uow: Uow, principal: Coordinator) -> BundleOut:
    with domain_errors():
        bundle = await handlers.set_sme_share(bundle_id, body.share, uow())
    return await _render(bundle, uow, None)


@router.post("/{bundle_id}/close", response_model=BundleOut)
async def close_bundle(bundle_id: str, body: ReasonIn, uow: Uow, principal: Coordinator) -> BundleOut:
    """No more needs join and no more nations accede; a proposed or open bundle can still commit."""
    with domain_errors():
        bundle = await handlers.close_bundle(bundle_id, body.reason, uow())
    return await _render(bundle, uow, None)


@router.post("/{bundle_id}/cancel", response_model=BundleOut)
async def cancel_bundle(bundle_id: str, body: ReasonIn, uow: Uow, principal: Coordinator) -> BundleOut:
    with domain_errors():
        bundle = await handlers.cancel_bundle(bundle_id, body.reason, uow())
    return await _render(bundle, uow, None)


@router.post("/{bundle_id}/commit", response_model=BundleOut)
async def commit_bundle(bundle_id: str, body: CommitIn, uow: Uow, principal: Coordinator) -> BundleOut:
    """Commit as one joint order (one-off demand) or framework contract (multi-year demand)."""
    with domain_errors():
        bundle = await handlers.commit_bundle(
            handlers.CommitBundle(bundle_id=bundle_id, lead=body.lead, committed_by=principal.subject), uow()
        )
    return await _render(bundle, uow, None)
