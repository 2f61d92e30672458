"""Procurements: offers, the weighing, award and signing."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from bundling_shared.auth.fastapi import CurrentPrincipal
from bundling_shared.pagination import Page
from contracts.domain.procurement import TenderFilter
from contracts.entrypoints.deps import Paged, PathId, Settings, Today, Uow
from contracts.entrypoints.schemas import (
    AssessmentOut,
    CoordinatorIn,
    OfferIn,
    OfferOut,
    ProcurementIn,
    ProcurementOut,
    TenderOut,
)
from contracts.service_layer import procurements

router = APIRouter(tags=["procurements"])


@router.post("/procurements", response_model=ProcurementOut, status_code=status.HTTP_201_CREATED)
async def open_procurement(
    body: ProcurementIn, uow: Uow, principal: CurrentPrincipal, settings: Settings, today: Today
) -> ProcurementOut:
    """Open a procurement with published weights, quality gates and funding instrument. For
    a committed joint order or framework (`bundle_id`) its lead is the contracting authority
    and buys for the order's nations and total quantity; without one, a nation buys for itself."""
    terms = body.terms(
        default_standstill_days=settings.standstill_days, default_offer_days=settings.offer_days, today=today
    )
    procurement = await procurements.open_procurement(uow(), principal, terms=terms)
    return ProcurementOut.of(procurements.ProcurementView(procurement, True, None, None))


@router.get("/procurements", response_model=Page[ProcurementOut])
async def list_procurements(uow: Uow, principal: CurrentPrincipal, page: Paged) -> Page[ProcurementOut]:
    """Oldest first: those the caller runs (its lead or an assigned coordinator), its nation
    buys through, or its company offered to or won. Offers and the ranking are read on each."""
    found = await procurements.visible_page(uow(), principal, page.limit, page.offset)
    return page.of(found, ProcurementOut.of)


@router.post("/procurements/{procurement_id}/offers", response_model=OfferOut, status_code=status.HTTP_201_CREATED)
async def submit_offer(
    procurement_id: PathId, body: OfferIn, uow: Uow, principal: CurrentPrincipal, today: Today
) -> OfferOut:
    """A registered supplier with a valid security declaration offers for itself."""
    offer = await procurements.submit_offer(uow(), principal, procurement_id, today, **body.model_dump())
    return OfferOut.model_validate(offer, from_attributes=True)


@router.get("/procurements/{procurement_id}", response_model=ProcurementOut)
async def get_procurement(procurement_id: PathId, uow: Uow, principal: CurrentPrincipal) -> ProcurementOut:
    """The procurement and its outcome, for the authority, the bidders and the participating
    nations."""
    return ProcurementOut.of(await procurements.view(uow(), principal, procurement_id))


@router.get("/procurements/{procurement_id}/offers", response_model=Page[OfferOut])
async def list_offers(procurement_id: PathId, uow: Uow, principal: CurrentPrincipal, page: Paged) -> Page[OfferOut]:
    """In the order they came: the authority sees every offer, a bidder its own, a
    participating nation none."""
    found = await procurements.offers(uow(), principal, procurement_id, page.limit, page.offset)
    return page.of(found, OfferOut.model_validate)


@router.get("/procurements/{procurement_id}/evaluation", response_model=Page[AssessmentOut])
async def evaluation(procurement_id: PathId, uow: Uow, principal: CurrentPrincipal, page: Paged) -> Page[AssessmentOut]:
    """The ranking from first to last once awarded: the authority sees every offer's scores
    with the reasons; a bidder its own scores; a participating nation none."""
    found = await procurements.evaluation(uow(), principal, procurement_id, page.limit, page.offset)
    return page.of(found, AssessmentOut.model_validate)


@router.post("/procurements/{procurement_id}/award", response_model=ProcurementOut)
async def award(procurement_id: PathId, uow: Uow, principal: CurrentPrincipal, today: Today) -> ProcurementOut:
    return ProcurementOut.of(await procurements.award(uow(), principal, procurement_id, today))


@router.post("/procurements/{procurement_id}/sign", response_model=ProcurementOut)
async def sign(procurement_id: PathId, uow: Uow, principal: CurrentPrincipal, today: Today) -> ProcurementOut:
    return ProcurementOut.of(await procurements.sign(uow(), principal, procurement_id, today))


@router.post("/procurements/{procurement_id}/coordinators", response_model=ProcurementOut)
async def assign_coordinator(
    procurement_id: PathId, body: CoordinatorIn, uow: Uow, principal: CurrentPrincipal
) -> ProcurementOut:
    """The lead lets the coordinators of another nation or agency act as its own on this procurement."""
    return ProcurementOut.of(await procurements.assign_coordinator(uow(), principal, procurement_id, body.coordinator))


Category = Annotated[
    str | None,
    Query(pattern=r"^[A-Za-z0-9]{1,40}$", description="An item category: the item codes up to their first hyphen."),
]
ItemCode = Annotated[
    str | None, Query(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:/-]{0,79}$", description="One item's whole code.")
]


@router.get("/tenders", response_model=Page[TenderOut])
async def open_tenders(
    uow: Uow,
    principal: CurrentPrincipal,
    today: Today,
    page: Paged,
    category: Category = None,
    item_code: ItemCode = None,
) -> Page[TenderOut]:
    """The tenders still taking offers, soonest due first, as public notices: for companies
    to find what to bid on without having bid. `category` (`AMMO`) or `item_code`
    (`AMMO-155MM`) narrows the list; case does not matter."""
    within = TenderFilter(category=category, item_code=item_code)
    found = await procurements.open_tenders(uow(), principal, today, within, page.limit, page.offset)
    return page.of(found, TenderOut.of)


@router.get("/tenders/{procurement_id}", response_model=TenderOut)
async def get_tender(procurement_id: PathId, uow: Uow, principal: CurrentPrincipal, today: Today) -> TenderOut:
    """An open tender's notice; once offers are closed it is not found here."""
    return TenderOut.of(await procurements.tender(uow(), principal, procurement_id, today))
