"""Bundles: who sees and runs which is the table of `demand.domain.access`: a bundle's
lead runs it and sees it in full; a nation in it sees what concerns that nation and its
desk answers for it; anyone else gets 404, as if the bundle did not exist."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from demand.domain.bundle import Bundle, BundleKind, BundleStatus
from demand.entrypoints.deps import (
    BundleLister,
    CallerOf,
    Desk,
    Uow,
    acting_nation,
    budget_eur,
    caller_of,
    domain_errors,
)
from demand.entrypoints.schemas import (
    AccessionIn,
    BundleId,
    BundleOut,
    CommitIn,
    DeadlineIn,
    ItemFilter,
    LeadIn,
    Offset,
    OpenIn,
    Page,
    ParticipationIn,
    ReasonIn,
    SmeShareIn,
    TrailEntryOut,
)
from demand.service_layer import bundles as handlers
from demand.service_layer.common import UowFactory
from demand.service_layer.unit_of_work import BundleFilter

router = APIRouter(prefix="/v1/bundles", tags=["bundles"])


def _out(view: handlers.BundleView) -> BundleOut:
    return BundleOut.of(view.bundle, view.lines, view.nation)


async def _render(bundle: Bundle, uow: UowFactory, nation: str | None) -> BundleOut:
    async with uow() as u:
        lines = await u.bundles.lines(bundle.id, nation)
    return BundleOut.of(bundle, lines, nation)


@router.get("", response_model=Page[BundleOut])
async def list_bundles(
    uow: Uow,
    principal: BundleLister,
    status_: Annotated[BundleStatus | None, Query(alias="status")] = None,
    item_code: ItemFilter = None,
    kind: BundleKind | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Offset = 0,
) -> Page[BundleOut]:
    """The bundles the caller leads or its nation is in (an admin: all), each as it may see it."""
    f = BundleFilter(status=status_, item_code=item_code, kind=kind)
    page = await handlers.list_bundles(f, caller_of(principal), limit, offset, uow())
    return Page(items=[_out(v) for v in page.views], limit=limit, offset=offset, total=page.total)


@router.get("/{bundle_id}", response_model=BundleOut)
async def get_bundle(bundle_id: BundleId, uow: Uow, caller: CallerOf) -> BundleOut:
    with domain_errors():
        return _out(await handlers.read_bundle(bundle_id, caller, uow()))


@router.get("/{bundle_id}/trail", response_model=list[TrailEntryOut])
async def bundle_trail(bundle_id: BundleId, uow: Uow, caller: CallerOf) -> list[TrailEntryOut]:
    """Every decision on the bundle with its reason; a nation's reader sees the bundle-wide ones and its own."""
    with domain_errors():
        return [TrailEntryOut.of(d) for d in await handlers.bundle_trail(bundle_id, caller, uow())]


@router.post("/{bundle_id}/participation", response_model=BundleOut)
async def answer_participation(bundle_id: BundleId, body: ParticipationIn, uow: Uow, caller: CallerOf) -> BundleOut:
    """A desk confirms (quantity, funding instrument) or declines its nation's part."""
    with domain_errors():
        view = await handlers.answer_participation(
            handlers.Answer(bundle_id, caller, body.decision == "confirm", body.quantity, body.funding_instrument),
            uow(),
        )
    return _out(view)


@router.post("/{bundle_id}/accessions", response_model=BundleOut, status_code=201)
async def accede(bundle_id: BundleId, body: AccessionIn, uow: Uow, principal: Desk) -> BundleOut:
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
async def open_for_accession(bundle_id: BundleId, body: OpenIn, uow: Uow, caller: CallerOf) -> BundleOut:
    """Open the bundle for accession until the deadline; industry hears of it without detail."""
    with domain_errors():
        view = await handlers.open_for_accession(bundle_id, body.deadline, body.minimum_nations, caller, uow())
    return _out(view)


@router.post("/{bundle_id}/lead", response_model=BundleOut)
async def nominate_lead(bundle_id: BundleId, body: LeadIn, uow: Uow, caller: CallerOf) -> BundleOut:
    """The bundle's lead hands it on; while none is nominated, a nation in it may propose one."""
    with domain_errors():
        view = await handlers.nominate_lead(bundle_id, body.lead, caller, uow())
    return _out(view)


@router.post("/{bundle_id}/deadline", response_model=BundleOut)
async def set_deadline(bundle_id: BundleId, body: DeadlineIn, uow: Uow, caller: CallerOf) -> BundleOut:
    with domain_errors():
        view = await handlers.set_deadline(bundle_id, body.deadline, caller, uow())
    return _out(view)


@router.post("/{bundle_id}/sme-share", response_model=BundleOut)
async def set_sme_share(bundle_id: BundleId, body: SmeShareIn, uow: Uow, caller: CallerOf) -> BundleOut:
    with domain_errors():
        view = await handlers.set_sme_share(bundle_id, body.share, caller, uow())
    return _out(view)


@router.post("/{bundle_id}/close", response_model=BundleOut)
async def close_bundle(bundle_id: BundleId, body: ReasonIn, uow: Uow, caller: CallerOf) -> BundleOut:
    """No more needs join and no more nations accede; a proposed or open bundle can still commit."""
    with domain_errors():
        view = await handlers.close_bundle(bundle_id, body.reason, caller, uow())
    return _out(view)


@router.post("/{bundle_id}/cancel", response_model=BundleOut)
async def cancel_bundle(bundle_id: BundleId, body: ReasonIn, uow: Uow, caller: CallerOf) -> BundleOut:
    with domain_errors():
        view = await handlers.cancel_bundle(bundle_id, body.reason, caller, uow())
    return _out(view)


@router.post("/{bundle_id}/commit", response_model=BundleOut)
async def commit_bundle(bundle_id: BundleId, body: CommitIn, uow: Uow, caller: CallerOf) -> BundleOut:
    """Commit as one joint order (one-off demand) or framework contract (multi-year demand)."""
    with domain_errors():
        view = await handlers.commit_bundle(
            handlers.CommitBundle(bundle_id=bundle_id, lead=body.lead, committed_by=caller.subject, caller=caller),
            uow(),
        )
    return _out(view)
