"""Delivery schedules of contracts and call-offs."""

from __future__ import annotations

from fastapi import APIRouter

from bundling_shared.auth.fastapi import CurrentPrincipal
from bundling_shared.pagination import Page
from contracts.domain.deliveries import PlannedLot
from contracts.entrypoints.deps import Paged, PathId, Settings, Today, Uow
from contracts.entrypoints.schemas import (
    CapacityIn,
    DeliveryIn,
    ForecastIn,
    LogEntryOut,
    LotDeliveryOut,
    LotOut,
    LotsIn,
    ReplanIn,
    ShiftIn,
)
from contracts.service_layer import deliveries

router = APIRouter(tags=["delivery schedules"])


@router.get("/contracts/{contract_id}/lots", response_model=Page[LotOut])
async def list_lots(
    contract_id: PathId, uow: Uow, principal: CurrentPrincipal, today: Today, page: Paged
) -> Page[LotOut]:
    """Lots of a contract or call-off in the order they fall due: a nation its own, the
    supplier and authority all."""
    found, unit_price = await deliveries.lots(uow(), principal, contract_id, page.limit, page.offset)
    return page.of(found, lambda lot: LotOut.of(lot, today, unit_price))


@router.post("/contracts/{contract_id}/lots", response_model=list[LotOut], status_code=201)
async def plan_lots(
    contract_id: PathId, body: LotsIn, uow: Uow, principal: CurrentPrincipal, today: Today
) -> list[LotOut]:
    planned = [PlannedLot(x.nation, x.quantity, x.due_date, x.buyer) for x in body.lots]
    return [LotOut.of(lot, today) for lot in await deliveries.plan(uow(), principal, contract_id, planned, body.reason)]


@router.put("/contracts/{contract_id}/capacity", response_model=list[LotOut])
async def allocate_capacity(
    contract_id: PathId, body: CapacityIn, uow: Uow, principal: CurrentPrincipal, today: Today
) -> list[LotOut]:
    """Recompute the schedule from the supplier's monthly capacity and the priority of nations."""
    made = await deliveries.allocate(
        uow(), principal, contract_id, monthly_capacity=body.monthly_capacity, start=body.start, priority=body.priority
    )
    return [LotOut.of(lot, today) for lot in made]


@router.post("/contracts/{contract_id}/schedule-shift", response_model=list[LotOut])
async def shift_schedule(
    contract_id: PathId, body: ShiftIn, uow: Uow, principal: CurrentPrincipal, today: Today
) -> list[LotOut]:
    """An order shift: the remaining lots (of one nation, or all) move into the window in one act,
    keeping their order and spacing, checked against the supplier's declared output in it."""
    moved, unit_price = await deliveries.shift(
        uow(),
        principal,
        contract_id,
        start=body.window.start,
        end=body.window.end,
        nation=body.nation,
        reason=body.reason,
        today=today,
    )
    return [LotOut.of(lot, today, unit_price) for lot in moved]


@router.get("/lots/{lot_id}/deliveries", response_model=Page[LotDeliveryOut])
async def lot_deliveries(lot_id: PathId, uow: Uow, principal: CurrentPrincipal, page: Paged) -> Page[LotDeliveryOut]:
    """What arrived on the lot, in the order recorded."""
    found = await deliveries.lot_deliveries(uow(), principal, lot_id, page.limit, page.offset)
    return page.of(found, LotDeliveryOut.model_validate)


@router.get("/lots/{lot_id}/history", response_model=Page[LogEntryOut])
async def lot_history(lot_id: PathId, uow: Uow, principal: CurrentPrincipal, page: Paged) -> Page[LogEntryOut]:
    """Every change of the lot, oldest first: planned, delivered, forecast, moved with the reason."""
    found = await deliveries.lot_history(uow(), principal, lot_id, page.limit, page.offset)
    return page.of(found, LogEntryOut.model_validate)


@router.post("/lots/{lot_id}/deliveries", response_model=LotOut)
async def record_delivery(
    lot_id: PathId, body: DeliveryIn, uow: Uow, principal: CurrentPrincipal, today: Today
) -> LotOut:
    return LotOut.of(
        await deliveries.record_delivery(uow(), principal, lot_id, body.quantity, body.delivered_on), today
    )


@router.put("/lots/{lot_id}/forecast", response_model=LotOut)
async def forecast(lot_id: PathId, body: ForecastIn, uow: Uow, principal: CurrentPrincipal, today: Today) -> LotOut:
    return LotOut.of(await deliveries.forecast(uow(), principal, lot_id, body.forecast_date, today), today)


@router.put("/lots/{lot_id}/due-date", response_model=LotOut)
async def replan(lot_id: PathId, body: ReplanIn, uow: Uow, principal: CurrentPrincipal, today: Today) -> LotOut:
    """Move a lot (earlier or later) with a reason; the move is kept in the lot's history."""
    return LotOut.of(await deliveries.replan(uow(), principal, lot_id, body.due_date, body.reason), today)


@router.post("/delivery-checks")
async def check_delays(uow: Uow, principal: CurrentPrincipal, today: Today, settings: Settings) -> dict[str, int]:
    """Check every open lot for delays now (also done periodically): past due, forecast late,
    or expected late by the allocation of its supplier's declared output."""
    return {"delays_reported": await deliveries.check_delays_now(uow(), principal, today, settings.priority)}
