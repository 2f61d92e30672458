"""Framework contracts, accession and call-offs: a framework answers with its ceiling and
what is left of it; its call-offs, requests to accede and change log are lists of their own."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, status

from bundling_shared.auth.fastapi import CurrentPrincipal
from bundling_shared.pagination import Page
from contracts.domain.frameworks import AccessionPolicy
from contracts.entrypoints.deps import Paged, PathId, PathNation, Settings, Today, Uow
from contracts.entrypoints.schemas import (
    AccessionDecisionIn,
    AccessionIn,
    AccessionOut,
    AccessionRequestOut,
    CallOffIn,
    CallOffOut,
    ChangeLogEntryOut,
    CoordinatorIn,
    FrameworkIn,
    FrameworkOut,
    FrameworkSettingsIn,
    FrameworkSummaryOut,
    FrameworkSupplierIn,
)
from contracts.service_layer import frameworks

router = APIRouter(tags=["framework contracts"])


async def _watch(today: Today, settings: Settings) -> frameworks.Watch:
    return frameworks.Watch(today, settings.horizons())


Watching = Annotated[frameworks.Watch, Depends(_watch)]


@router.post("/frameworks", response_model=FrameworkOut, status_code=status.HTTP_201_CREATED)
async def create_framework(body: FrameworkIn, uow: Uow, principal: CurrentPrincipal, watch: Watching) -> FrameworkOut:
    view = await frameworks.create(uow(), principal, terms=body.terms(), watch=watch)
    return FrameworkOut.of(view)


@router.get("/frameworks", response_model=Page[FrameworkSummaryOut])
async def list_frameworks(
    uow: Uow, principal: CurrentPrincipal, watch: Watching, page: Paged
) -> Page[FrameworkSummaryOut]:
    """Oldest first: those the caller leads, takes part in (its own share) or supplies."""
    found = await frameworks.visible_page(uow(), principal, watch, page.limit, page.offset)
    return page.of(found, FrameworkSummaryOut.of)


@router.get("/frameworks/{framework_id}", response_model=FrameworkOut)
async def get_framework(framework_id: PathId, uow: Uow, principal: CurrentPrincipal, watch: Watching) -> FrameworkOut:
    return FrameworkOut.of(await frameworks.view(uow(), principal, framework_id, watch))


@router.get("/frameworks/{framework_id}/call-offs", response_model=Page[CallOffOut])
async def list_call_offs(framework_id: PathId, uow: Uow, principal: CurrentPrincipal, page: Paged) -> Page[CallOffOut]:
    """In the order placed: the lead sees every call-off, a supplier those placed with it, a
    nation its own."""
    found = await frameworks.call_offs(uow(), principal, framework_id, page.limit, page.offset)
    return page.of(found, CallOffOut.model_validate)


@router.get("/frameworks/{framework_id}/accessions", response_model=Page[AccessionOut])
async def list_accessions(
    framework_id: PathId, uow: Uow, principal: CurrentPrincipal, page: Paged
) -> Page[AccessionOut]:
    """Requests to accede in the order asked, with the lead's decisions: the lead sees every
    one, a nation its own."""
    found = await frameworks.accession_requests(uow(), principal, framework_id, page.limit, page.offset)
    return page.of(found, AccessionOut.model_validate)


@router.get("/frameworks/{framework_id}/change-log", response_model=Page[ChangeLogEntryOut])
async def framework_change_log(
    framework_id: PathId, uow: Uow, principal: CurrentPrincipal, page: Paged
) -> Page[ChangeLogEntryOut]:
    """Every change of the framework, oldest first: the lead reads every entry, a supplier
    those of the whole framework, a nation those of the whole and of its own part."""
    found = await frameworks.change_log(uow(), principal, framework_id, page.limit, page.offset)
    return page.of(found, ChangeLogEntryOut.model_validate)


@router.post("/frameworks/{framework_id}/suppliers", response_model=FrameworkOut)
async def add_supplier(
    framework_id: PathId, body: FrameworkSupplierIn, uow: Uow, principal: CurrentPrincipal, watch: Watching
) -> FrameworkOut:
    view = await frameworks.add_supplier(uow(), principal, framework_id, body.supplier_id, body.unit_price_eur, watch)
    return FrameworkOut.of(view)


@router.post(
    "/frameworks/{framework_id}/accessions", response_model=AccessionRequestOut, status_code=status.HTTP_202_ACCEPTED
)
async def request_accession(
    framework_id: PathId, body: AccessionIn, uow: Uow, principal: CurrentPrincipal
) -> AccessionRequestOut:
    """A nation asks, through its own desk, to accede to a framework made here: pending until
    the lead approves, or at once when the lead opened the framework. A bundle's framework
    takes accessions through the demand service."""
    asked = await frameworks.request_accession(
        uow(), principal, framework_id, body.nation, body.quantity, body.budget_eur
    )
    return AccessionRequestOut(
        framework_id=framework_id, nation=asked["nation"], quantity=asked["quantity"], status=asked["status"]
    )


@router.post("/frameworks/{framework_id}/accessions/{nation}/approve", response_model=FrameworkOut)
async def approve_accession(
    framework_id: PathId, nation: PathNation, uow: Uow, principal: CurrentPrincipal, watch: Watching
) -> FrameworkOut:
    """The lead lets the nation join with what it asked for (`contracts.framework.acceded`)."""
    view = await frameworks.decide_accession(
        uow(), principal, framework_id, nation, approve=True, reason="", watch=watch
    )
    return FrameworkOut.of(view)


@router.post("/frameworks/{framework_id}/accessions/{nation}/refuse", response_model=FrameworkOut)
async def refuse_accession(
    framework_id: PathId,
    nation: PathNation,
    uow: Uow,
    principal: CurrentPrincipal,
    watch: Watching,
    body: AccessionDecisionIn | None = None,
) -> FrameworkOut:
    """The lead refuses, with a reason the nation hears (`contracts.framework.accession_refused`)."""
    reason = body.reason if body else ""
    view = await frameworks.decide_accession(
        uow(), principal, framework_id, nation, approve=False, reason=reason, watch=watch
    )
    return FrameworkOut.of(view)


@router.put("/frameworks/{framework_id}/settings", response_model=FrameworkOut)
async def configure(
    framework_id: PathId, body: FrameworkSettingsIn, uow: Uow, principal: CurrentPrincipal, watch: Watching
) -> FrameworkOut:
    """The lead's settings: who may accede without its approval, whether shares are pooled."""
    policy = AccessionPolicy(body.accession_policy) if body.accession_policy else None
    view = await frameworks.configure(
        uow(), principal, framework_id, policy=policy, pooled_shares=body.pooled_shares, watch=watch
    )
    return FrameworkOut.of(view)


@router.post("/frameworks/{framework_id}/coordinators", response_model=FrameworkOut)
async def assign_coordinator(
    framework_id: PathId, body: CoordinatorIn, uow: Uow, principal: CurrentPrincipal, watch: Watching
) -> FrameworkOut:
    """The lead lets the coordinators of another nation or agency act as its own on this framework."""
    view = await frameworks.assign_coordinator(uow(), principal, framework_id, body.coordinator, watch)
    return FrameworkOut.of(view)


@router.post("/frameworks/{framework_id}/call-offs", response_model=CallOffOut, status_code=status.HTTP_201_CREATED)
async def call_off(
    framework_id: PathId, body: CallOffIn, uow: Uow, principal: CurrentPrincipal, today: Today
) -> CallOffOut:
    """A party calls off: directly from a named (or the only) supplier, or after a
    mini-competition among the framework's suppliers (the cheapest bid on time wins)."""
    placed = await frameworks.call_off(uow(), principal, framework_id, terms=body.terms(), today=today)
    return CallOffOut.model_validate(placed, from_attributes=True)
