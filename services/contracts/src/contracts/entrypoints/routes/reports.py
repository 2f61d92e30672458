"""Reports (planned against delivered, value by supplier origin) and the OCDS export."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response

from bundling_shared.auth.fastapi import CurrentPrincipal
from bundling_shared.pagination import Page
from contracts.entrypoints.deps import Now, Offset, Paged, PathId, Settings, Today, Uow
from contracts.entrypoints.schemas import (
    DeliveryProgressOut,
    FundedDeliveriesOut,
    KpisOut,
    Nation,
    ValueByOriginOut,
    YearFiguresOut,
)
from contracts.service_layer import reports

router = APIRouter(tags=["reports"])

MAX_RELEASES = 100
"""Releases of one package page: each bounded (`contracts.domain.ocds`), so a page is too."""
ReleaseLimit = Annotated[int, Query(ge=1, le=MAX_RELEASES, description="Releases in the package, at most 100.")]

PAGED_PACKAGE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "One page of the process's releases as an OCDS release package.",
        "headers": {
            "X-Total-Count": {"description": "The process's releases in all.", "schema": {"type": "integer"}},
            "Link": {
                "description": 'The next page, when there is one: `<uri>; rel="next"` (RFC 8288).',
                "schema": {"type": "string"},
            },
        },
    }
}


async def _export(
    request: Request, today: Today, now: Now, settings: Settings, limit: ReleaseLimit = 10, offset: Offset = 0
) -> reports.Export:
    def at_offset(other: int) -> str:
        return str(request.url.include_query_params(offset=other))

    uri = str(request.url)
    return reports.Export(settings.ocds_prefix, uri, today, now, limit, offset, at_offset)


Export = Annotated[reports.Export, Depends(_export)]


def _answer(package: reports.Package, response: Response) -> dict[str, Any]:
    """The package; how many releases there are and where the next page is, as headers,
    since an OCDS package has no field of its own for them."""
    response.headers["X-Total-Count"] = str(package.total)
    if package.next is not None:
        response.headers["Link"] = f'<{package.next}>; rel="next"'
    return package.body


@router.get("/reports/deliveries", response_model=Page[DeliveryProgressOut])
async def deliveries_report(
    uow: Uow, principal: CurrentPrincipal, today: Today, page: Paged
) -> Page[DeliveryProgressOut]:
    """Planned against delivered per contract (or call-off), nation and where the lots go
    (its own forces or Ukraine), by contract and nation: a nation its own."""
    found = await reports.delivery_progress(uow(), principal, today, page.limit, page.offset)
    return page.of(found, DeliveryProgressOut.model_validate)


FunderQuery = Annotated[
    Nation | None, Query(description="Only what this nation pays for (ISO 3166-1 alpha-3), e.g. NLD.")
]


@router.get("/reports/deliveries/by-funder", response_model=Page[FundedDeliveriesOut])
async def deliveries_by_funder_report(
    uow: Uow, principal: CurrentPrincipal, today: Today, page: Paged, funder: FunderQuery = None
) -> Page[FundedDeliveriesOut]:
    """Planned against delivered by who pays, per contract (or call-off) and where the lots go
    (its own forces or Ukraine): a buying nation for its own lots from its own budget; a nation
    paying by pledges for the whole contract's lots (what has reached Ukraine of what the
    Netherlands helped pay for). A nation reads its own rows; the lead, the supplier and admin
    every payer's of the contracts they see whole. Ordered by funder, how it pays, contract."""
    found = await reports.deliveries_by_funder(uow(), principal, funder, today, page.limit, page.offset)
    return page.of(found, FundedDeliveriesOut.model_validate)


@router.get("/reports/value-by-origin", response_model=ValueByOriginOut)
async def value_by_origin_report(uow: Uow, principal: CurrentPrincipal) -> ValueByOriginOut:
    """Contracted value per buying nation by supplier origin (national, eu, other_nato,
    other) in EUR with cents, with shares: e.g. the share contracted with national companies."""
    return ValueByOriginOut.model_validate(await reports.value_by_supplier_origin(uow(), principal))


@router.get("/reports/kpis", response_model=KpisOut)
async def kpis_report(uow: Uow, principal: CurrentPrincipal) -> KpisOut:
    """The defence industrial base year by year: value, SME share, each buying nation's value by
    supplier origin, and the suppliers contracted for the first time, by country (a nation: its own orders)."""
    return KpisOut(years=[YearFiguresOut.of(y) for y in await reports.kpis(uow(), principal)])


@router.get("/procurements/{procurement_id}/ocds", responses=PAGED_PACKAGE)
async def procurement_ocds(
    procurement_id: PathId, uow: Uow, principal: CurrentPrincipal, export: Export, response: Response
) -> dict[str, Any]:
    """The procurement as an OCDS 1.1 release package (contracting authority only): its
    releases oldest first, a page at a time, and a new one when the procurement changed
    since the latest."""
    return _answer(await reports.procurement_package(uow(), principal, procurement_id, export), response)


@router.get("/frameworks/{framework_id}/ocds", responses=PAGED_PACKAGE)
async def framework_ocds(
    framework_id: PathId, uow: Uow, principal: CurrentPrincipal, export: Export, response: Response
) -> dict[str, Any]:
    """The framework contract as an OCDS 1.1 release package, a page of releases at a time;
    each call-off is a process of its own (`/frameworks/{id}/call-offs/{call_off_id}/ocds`)."""
    return _answer(await reports.framework_package(uow(), principal, framework_id, export), response)


@router.get("/frameworks/{framework_id}/call-offs/{call_off_id}/ocds", responses=PAGED_PACKAGE)
async def call_off_ocds(
    framework_id: PathId, call_off_id: PathId, uow: Uow, principal: CurrentPrincipal, export: Export, response: Response
) -> dict[str, Any]:
    """A call-off as an OCDS 1.1 release package: its own process, related to the
    framework's, a page of releases at a time."""
    package = await reports.call_off_package(uow(), principal, framework_id, call_off_id, export)
    return _answer(package, response)
