"""Bundles: who sees and runs which is the table of `demand.domain.access`: a bundle's
lead runs it and sees it in full; a nation in it sees what concerns that nation and its
desk answers for it; anyone else gets 404, as if the bundle did not exist.

A bundle answers with what is bounded by its nations; its lines and its trail grow with
its needs and are read a page at a time."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from bundling_shared.pagination import Page
from demand.domain.bundle import BundleKind, BundleStatus
from demand.entrypoints.deps import (
    BUNDLE_PAGE,
    PAGE,
    BundleId,
    BundleLimit,
    BundleLister,
    BundleSummaries,
    CallerOf,
    Desk,
    ItemFilter,
    Limit,
    LineNationFilter,
    Offset,
    Uow,
)
from demand.entrypoints.schemas import (
    AccessionIn,
    BundleLineOut,
    BundleOut,
    BundleSummaryOut,
    CommitIn,
    DeadlineIn,
    LeadIn,
    OpenIn,
    ParticipationIn,
    ReasonIn,
    SmeShareIn,
    TrailEntryOut,
    UnitPriceIn,
    eur,
    yearly_of,
)
from demand.service_layer import bundles as handlers
from demand.service_layer.unit_of_work import BundleFilter

router = APIRouter(prefix="/bundles", tags=["bundles"])


def _out(view: handlers.BundleView) -> BundleOut:
    return BundleOut.with_money(view.bundle, view.nation, view.today, view.money, view.capacity)


@router.get("", response_model=Page[BundleSummaryOut])
async def list_bundles(
    uow: Uow,
    caller: BundleLister,
    summaries: BundleSummaries,
    status_: Annotated[BundleStatus | None, Query(alias="status")] = None,
    item_code: ItemFilter = None,
    kind: BundleKind | None = None,
    limit: BundleLimit = BUNDLE_PAGE,
    offset: Offset = 0,
) -> Page[BundleSummaryOut]:
    """The bundles the caller leads or its nation is in (an admin: all), oldest first, each as
    it may see it, in summary: its yearly quantities, funding reasons and lines are read on
    the bundle."""
    f = BundleFilter(status=status_, item_code=item_code, kind=kind)
    items, total = await handlers.list_bundles(
        uow(), caller=caller, f=f, limit=limit, offset=offset, summaries=summaries
    )
    return Page(items=items, limit=limit, offset=offset, total=total)


def bundle_summaries() -> handlers.Summaries[BundleSummaryOut]:
    """The summaries one app keeps for its lists (`handlers.Summaries`)."""
    return handlers.Summaries(lambda view: BundleSummaryOut.of(view.bundle, view.nation, view.today))


@router.get("/{bundle_id}", response_model=BundleOut)
async def get_bundle(bundle_id: BundleId, uow: Uow, caller: CallerOf) -> BundleOut:
    return _out(await handlers.read_bundle(uow(), caller=caller, bundle_id=bundle_id))


@router.get("/{bundle_id}/lines", response_model=Page[BundleLineOut])
async def bundle_lines(
    bundle_id: BundleId,
    uow: Uow,
    caller: CallerOf,
    nation: LineNationFilter = None,
    limit: Limit = PAGE,
    offset: Offset = 0,
) -> Page[BundleLineOut]:
    """The bundle's lines, one per need, in the order the needs were registered, each with
    why it joined; a nation's reader sees its own nation's only."""
    found, total = await handlers.bundle_lines(
        uow(), caller=caller, bundle_id=bundle_id, nation=nation, limit=limit, offset=offset
    )
    items = [BundleLineOut.model_validate(x, from_attributes=True) for x in found]
    return Page(items=items, limit=limit, offset=offset, total=total)


@router.get("/{bundle_id}/trail", response_model=Page[TrailEntryOut])
async def bundle_trail(
    bundle_id: BundleId, uow: Uow, caller: CallerOf, limit: Limit = PAGE, offset: Offset = 0
) -> Page[TrailEntryOut]:
    """Every decision on the bundle with its reason, oldest first; a nation's reader sees the
    bundle-wide ones and its own."""
    found, total = await handlers.bundle_trail(uow(), caller=caller, bundle_id=bundle_id, limit=limit, offset=offset)
    items = [TrailEntryOut.model_validate(decision, from_attributes=True) for decision in found]
    return Page(items=items, limit=limit, offset=offset, total=total)


@router.post("/{bundle_id}/lead", response_model=BundleOut)
async def nominate_lead(bundle_id: BundleId, body: LeadIn, uow: Uow, caller: CallerOf) -> BundleOut:
    """The bundle's lead hands it on; while none is nominated, a nation in it may propose one."""
    return _out(await handlers.nominate_lead(uow(), caller=caller, bundle_id=bundle_id, lead=body.lead))


@router.post("/{bundle_id}/participation", response_model=BundleOut)
async def answer_participation(bundle_id: BundleId, body: ParticipationIn, uow: Uow, caller: CallerOf) -> BundleOut:
    """A desk confirms (quantity, funding instrument) or declines its nation's part."""
    view = await handlers.answer_participation(
        uow(),
        caller=caller,
        bundle_id=bundle_id,
        confirm=body.decision == "confirm",
        quantity=body.quantity,
        funding=body.funding_instrument,
    )
    return _out(view)


@router.post("/{bundle_id}/sme-share", response_model=BundleOut)
async def set_sme_share(bundle_id: BundleId, body: SmeShareIn, uow: Uow, caller: CallerOf) -> BundleOut:
    """Plan the value share for small and medium-sized enterprises; it can raise the EDIRPA co-funding rate."""
    return _out(await handlers.set_sme_share(uow(), caller=caller, bundle_id=bundle_id, share=body.share))


@router.post("/{bundle_id}/unit-price", response_model=BundleOut)
async def estimate_unit_price(bundle_id: BundleId, body: UnitPriceIn, uow: Uow, caller: CallerOf) -> BundleOut:
    """Estimate what one unit costs: the bundle's value, and the euros of its co-funding, follow from it
    until a signed contract sets the awarded price."""
    price = body.unit_price.amount
    return _out(await handlers.estimate_unit_price(uow(), caller=caller, bundle_id=bundle_id, price_eur=price))


@router.post("/{bundle_id}/open", response_model=BundleOut)
async def open_for_accession(bundle_id: BundleId, body: OpenIn, uow: Uow, caller: CallerOf) -> BundleOut:
    """Open the bundle for accession until the deadline; industry hears of it without detail."""
    deadline, minimum = body.deadline, body.minimum_nations
    opened = await handlers.open_for_accession(
        uow(), caller=caller, bundle_id=bundle_id, deadline=deadline, minimum_nations=minimum
    )
    return _out(opened)


@router.post("/{bundle_id}/deadline", response_model=BundleOut)
async def set_deadline(bundle_id: BundleId, body: DeadlineIn, uow: Uow, caller: CallerOf) -> BundleOut:
    """Move an open bundle's accession deadline; nations may accede until then."""
    return _out(await handlers.set_deadline(uow(), caller=caller, bundle_id=bundle_id, deadline=body.deadline))


@router.post("/{bundle_id}/accessions", response_model=BundleOut, status_code=201)
async def accede(bundle_id: BundleId, body: AccessionIn, uow: Uow, caller: Desk) -> BundleOut:
    """A nation accedes later to a committed framework contract still open for accession."""
    yearly, ceiling = yearly_of(body.yearly_quantities), eur(body.budget_ceiling)
    return _out(
        await handlers.accede(uow(), caller=caller, bundle_id=bundle_id, yearly=yearly, budget_ceiling_eur=ceiling)
    )


@router.post("/{bundle_id}/close", response_model=BundleOut)
async def close_bundle(bundle_id: BundleId, body: ReasonIn, uow: Uow, caller: CallerOf) -> BundleOut:
    """No more needs join and no more nations accede; a proposed or open bundle can still commit."""
    return _out(await handlers.close_bundle(uow(), caller=caller, bundle_id=bundle_id, reason=body.reason))


@router.post("/{bundle_id}/cancel", response_model=BundleOut)
async def cancel_bundle(bundle_id: BundleId, body: ReasonIn, uow: Uow, caller: CallerOf) -> BundleOut:
    """Give the bundle up with a reason; its needs are placed again."""
    return _out(await handlers.cancel_bundle(uow(), caller=caller, bundle_id=bundle_id, reason=body.reason))


@router.post("/{bundle_id}/commit", response_model=BundleOut)
async def commit_bundle(bundle_id: BundleId, body: CommitIn, uow: Uow, caller: CallerOf) -> BundleOut:
    """Commit as one joint order (one-off demand) or framework contract (multi-year demand)."""
    return _out(await handlers.commit_bundle(uow(), caller=caller, bundle_id=bundle_id, lead=body.lead))
