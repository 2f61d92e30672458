"""Production lines companies declare, beside the nations' demand."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, status

from bundling_shared.auth.fastapi import CurrentPrincipal
from bundling_shared.pagination import Page
from contracts.domain.production import ProductionLine
from contracts.entrypoints.deps import Paged, PathId, Settings, Today, Uow
from contracts.entrypoints.schemas import (
    AllocationOut,
    ExpectedLotOut,
    LineIn,
    LineOut,
    LineSummaryOut,
    StockIn,
    StockOut,
)
from contracts.service_layer import allocation, materials, production_lines
from contracts.service_layer.unit_of_work import UowFactory

router = APIRouter(tags=["production lines"])
ITEM = {"min_length": 2, "max_length": 80, "pattern": r"^[A-Za-z0-9][A-Za-z0-9-]*$"}
ItemFilter = Annotated[str | None, Query(**ITEM)]
ItemCode = Annotated[str, Path(**ITEM)]


async def _shown(uow: UowFactory, line: ProductionLine) -> LineOut:
    """The line with its inputs' supply risk as the reference list states it now."""
    return LineOut.of(line, await materials.risks_of(uow(), [line.inputs]))


@router.post("/production-lines", response_model=LineOut, status_code=status.HTTP_201_CREATED)
async def declare_line(body: LineIn, uow: Uow, principal: CurrentPrincipal) -> LineOut:
    """A company declares a line of its own: item, site, ramp-up, minimum economic quantity, inputs."""
    return await _shown(uow, await production_lines.declare_line(uow(), principal, terms=body.terms()))


@router.put("/production-lines/{line_id}", response_model=LineOut)
async def revise_line(line_id: PathId, body: LineIn, uow: Uow, principal: CurrentPrincipal) -> LineOut:
    """Its company revises the line as a whole (the item stays the line's); the history says what changed."""
    return await _shown(uow, await production_lines.revise_line(uow(), principal, line_id, terms=body.terms()))


@router.get("/production-lines", response_model=Page[LineSummaryOut])
async def list_lines(
    uow: Uow, principal: CurrentPrincipal, page: Paged, item_code: ItemFilter = None
) -> Page[LineSummaryOut]:
    """Every line for the nations' desks and coordinators, a company its own, in the order
    declared: each in summary, in a size that does not grow with its revisions."""
    code = item_code.upper() if item_code else None
    found = await production_lines.visible_lines(uow(), principal, code, page.limit, page.offset)
    known = await materials.risks_of(uow(), [line.inputs for line in found.items])
    return page.of(found, lambda line: LineSummaryOut.of(line, known))


@router.get("/production-lines/{line_id}", response_model=LineOut)
async def get_line(line_id: PathId, uow: Uow, principal: CurrentPrincipal) -> LineOut:
    return await _shown(uow, await production_lines.visible_line(uow(), principal, line_id))


@router.get("/production-lines/{line_id}/allocation", response_model=AllocationOut)
async def line_allocation(
    line_id: PathId, uow: Uow, principal: CurrentPrincipal, today: Today, settings: Settings, page: Paged
) -> AllocationOut:
    """The line's company: the whole allocation of its output for the item over all its open lots, by
    priority; a nation: its own lots, month by month, and what went first, in words."""
    view = await allocation.line_allocation(uow(), principal, line_id, today, settings.priority)
    shown = view.rows[page.offset : page.offset + page.limit]
    per_month = view.allocation.per_month(None if view.whole else {r.claim.nation for r in view.rows})
    return AllocationOut(
        line_id=view.line.id,
        organisation=view.line.organisation,
        item_code=view.line.item_code,
        start=view.allocation.start,
        priority=[c.value for c in view.allocation.priority],
        whole=view.whole,
        per_month={f"{m:%Y-%m}": q for m, q in per_month.items()},
        lot_count=len(view.rows),
        lots=[ExpectedLotOut.of(r) for r in shown],
        limit=page.limit,
        offset=page.offset,
    )


@router.put("/stock-levels/{item_code}", response_model=StockOut)
async def state_stock(item_code: ItemCode, body: StockIn, uow: Uow, principal: CurrentPrincipal) -> StockOut:
    """A desk states its nation's stock of the item against the NATO norm: it ranks its lots in the
    allocation of every supplier's output; no one else reads it."""
    level = await allocation.state_stock(uow(), principal, item_code.upper(), body.coverage)
    return StockOut.model_validate(level)


@router.get("/stock-levels", response_model=Page[StockOut])
async def own_stock(uow: Uow, principal: CurrentPrincipal, page: Paged) -> Page[StockOut]:
    """The stock levels a desk stated for its nation, by item."""
    found = await allocation.own_stock(uow(), principal, page.limit, page.offset)
    return page.of(found, StockOut.model_validate)
