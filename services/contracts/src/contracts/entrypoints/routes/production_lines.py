"""Production lines companies declare, beside the nations' demand."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from bundling_shared.auth.fastapi import CurrentPrincipal
from bundling_shared.pagination import Page
from contracts.entrypoints.deps import Paged, PathId, Uow
from contracts.entrypoints.schemas import LineIn, LineOut
from contracts.service_layer import production_lines

router = APIRouter(tags=["production lines"])
ItemFilter = Annotated[str | None, Query(min_length=2, max_length=80, pattern=r"^[A-Za-z0-9][A-Za-z0-9-]*$")]


@router.post("/production-lines", response_model=LineOut, status_code=status.HTTP_201_CREATED)
async def declare_line(body: LineIn, uow: Uow, principal: CurrentPrincipal) -> LineOut:
    """A company declares a line of its own: item, site, ramp-up, minimum economic quantity, inputs."""
    return LineOut.of(await production_lines.declare_line(uow(), principal, terms=body.terms()))


@router.put("/production-lines/{line_id}", response_model=LineOut)
async def revise_line(line_id: PathId, body: LineIn, uow: Uow, principal: CurrentPrincipal) -> LineOut:
    """Its company revises the line as a whole (the item stays the line's); the history says what changed."""
    return LineOut.of(await production_lines.revise_line(uow(), principal, line_id, terms=body.terms()))


@router.get("/production-lines", response_model=Page[LineOut])
async def list_lines(uow: Uow, principal: CurrentPrincipal, page: Paged, item_code: ItemFilter = None) -> Page[LineOut]:
    """Every line for the nations' desks and coordinators, a company its own, in the order declared."""
    code = item_code.upper() if item_code else None
    found = await production_lines.visible_lines(uow(), principal, code, page.limit, page.offset)
    return page.of(found, LineOut.of)


@router.get("/production-lines/{line_id}", response_model=LineOut)
async def get_line(line_id: PathId, uow: Uow, principal: CurrentPrincipal) -> LineOut:
    return LineOut.of(await production_lines.visible_line(uow(), principal, line_id))
