"""Reports (planned against delivered, value by supplier origin) and the OCDS export."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from bundling_shared.auth.fastapi import CurrentPrincipal
from contracts.entrypoints.deps import Now, PathId, Settings, Today, Uow
from contracts.entrypoints.schemas import OriginValuesOut
from contracts.service_layer import reports

router = APIRouter(tags=["reports"])


def _export(request: Request, today: Today, now: Now, settings: Settings) -> reports.Export:
    return reports.Export(prefix=settings.ocds_prefix, uri=str(request.url), today=today, now=now)


Export = Annotated[reports.Export, Depends(_export)]


@router.get("/reports/deliveries")
async def deliveries_report(uow: Uow, principal: CurrentPrincipal, today: Today) -> list[dict[str, Any]]:
    """Planned against delivered per contract (or call-off) and nation: a nation its own."""
    rows = await reports.delivery_progress(uow(), principal, today)
    return [vars(row) for row in rows]


@router.get("/reports/value-by-origin")
async def value_by_origin_report(uow: Uow, principal: CurrentPrincipal) -> dict[str, OriginValuesOut]:
    """Contracted value per buying nation by supplier origin (national, eu, other_nato,
    other) in EUR with cents, with shares: e.g. the share contracted with national companies."""
    report = await reports.value_by_supplier_origin(uow(), principal)
    return {nation: OriginValuesOut.model_validate(row) for nation, row in report.items()}


@router.get("/procurements/{procurement_id}/ocds")
async def procurement_ocds(
    procurement_id: PathId, uow: Uow, principal: CurrentPrincipal, export: Export
) -> dict[str, Any]:
    """The procurement as an OCDS 1.1 release package (contracting authority only): every
    release published so far, and a new one when the procurement changed since the latest."""
    return await reports.procurement_package(uow(), principal, procurement_id, export)


@router.get("/frameworks/{framework_id}/ocds")
async def framework_ocds(framework_id: PathId, uow: Uow, principal: CurrentPrincipal, export: Export) -> dict[str, Any]:
    """The framework contract and each call-off as its own related process (OCDS 1.1), with
    every release published so far."""
    return await reports.framework_package(uow(), principal, framework_id, export)
