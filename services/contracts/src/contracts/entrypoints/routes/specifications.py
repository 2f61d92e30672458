"""Harmonised specifications and the harmonisation workflow."""

from __future__ import annotations

from fastapi import APIRouter, status

from bundling_shared.auth.fastapi import CurrentPrincipal
from bundling_shared.pagination import Page
from contracts.entrypoints.deps import Paged, PathId, Uow
from contracts.entrypoints.schemas import (
    DeviationOut,
    NationDeviationIn,
    PositionIn,
    SpecificationIn,
    SpecificationOut,
    SpecificationSummaryOut,
)
from contracts.service_layer import specifications

router = APIRouter(tags=["specifications"])


@router.post("/specifications", response_model=SpecificationOut, status_code=status.HTTP_201_CREATED)
async def propose(body: SpecificationIn, uow: Uow, principal: CurrentPrincipal) -> SpecificationOut:
    """Propose a specification (the next version of its reference) to the participating nations."""
    spec = await specifications.propose(uow(), principal, terms=body.terms())
    return SpecificationOut.model_validate(spec, from_attributes=True)


@router.get("/specifications", response_model=Page[SpecificationSummaryOut])
async def list_specifications(uow: Uow, principal: CurrentPrincipal, page: Paged) -> Page[SpecificationSummaryOut]:
    """By reference and version: those the caller's nation takes part in, and harmonised
    ones for industry; every one for coordinators."""
    found = await specifications.visible_page(uow(), principal, page.limit, page.offset)
    return page.of(found, lambda s: SpecificationSummaryOut.model_validate(s, from_attributes=True))


@router.get("/specifications/{specification_id}", response_model=SpecificationOut)
async def get_specification(specification_id: PathId, uow: Uow, principal: CurrentPrincipal) -> SpecificationOut:
    return SpecificationOut.model_validate(
        await specifications.visible(uow(), principal, specification_id), from_attributes=True
    )


@router.post("/specifications/{specification_id}/positions", response_model=SpecificationOut)
async def take_position(
    specification_id: PathId, body: PositionIn, uow: Uow, principal: CurrentPrincipal
) -> SpecificationOut:
    """A participating nation agrees, or objects with a reason (which withdraws the proposal)."""
    spec = await specifications.take_position(
        uow(), principal, specification_id, agree=body.position == "agree", reason=body.reason
    )
    return SpecificationOut.model_validate(spec, from_attributes=True)


@router.get("/specifications/{specification_id}/deviations", response_model=Page[DeviationOut])
async def list_deviations(
    specification_id: PathId, uow: Uow, principal: CurrentPrincipal, page: Paged
) -> Page[DeviationOut]:
    """The nations' deviations from the specification, in the order recorded."""
    found = await specifications.deviations(uow(), principal, specification_id, page.limit, page.offset)
    return page.of(found, DeviationOut.model_validate)


@router.post("/specifications/{specification_id}/deviations", response_model=SpecificationOut)
async def record_deviation(
    specification_id: PathId, body: NationDeviationIn, uow: Uow, principal: CurrentPrincipal
) -> SpecificationOut:
    spec = await specifications.record_deviation(uow(), principal, specification_id, body.description, body.compatible)
    return SpecificationOut.model_validate(spec, from_attributes=True)
