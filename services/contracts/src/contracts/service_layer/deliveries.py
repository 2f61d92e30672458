"""Delivery schedules of contracts and call-offs: lots, deliveries, forecasts, delays,
re-planning and the allocation of a supplier's monthly capacity by priority.

Nations see their own lots, the supplier the lots it must deliver, the contracting
authority all of them. Delays and schedule changes reach the supplier as events. A schedule
is read a page of lots at a time, and a lot's deliveries and history a page at a time.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from bundling_shared.auth import Principal
from contracts.domain.access import Action, Relation, allowed, authorise, industry_org, relation_to
from contracts.domain.allocation import DEFAULT_PRIORITY, Allocation, Criterion
from contracts.domain.contract import WHOLE
from contracts.domain.deliveries import Agreement, DeliveryLot, DeliverySchedule, ListedLot, PlannedLot
from contracts.domain.errors import ContractRuleViolation, NotFound
from contracts.service_layer import events
from contracts.service_layer.allocation import MAX_LINES_POOLED, supplier_allocation
from contracts.service_layer.unit_of_work import Found, UnitOfWork


async def resolve(uow: UnitOfWork, agreement_id: str) -> Agreement | None:
    """The contract or call-off of this id, as its lots need it: read as plain rows, for
    every read of a schedule or a lot starts here."""
    return await uow.contracts.agreement(agreement_id) or await uow.frameworks.call_off_agreement(agreement_id)


def relation(principal: Principal, agreement: Agreement, nation: str | None = None) -> Relation:
    """The caller's relation to a contract or call-off, or to one nation's lots of it."""
    return relation_to(
        principal,
        authority=agreement.authority,
        nations=[nation] if nation else agreement.quantities,
        partners=agreement.quantities,
        coordinators=agreement.coordinators,
        suppliers=[agreement.supplier_organisation] if agreement.supplier_organisation else [],
        supplier_id=industry_org(principal),
    )


def visible_nations(principal: Principal, agreement: Agreement) -> set[str] | None:
    """The nations whose lots the caller sees (None: all), or an empty set: none."""
    to_agreement = relation(principal, agreement)
    if not allowed(principal, Action.LOTS_VIEW, to_agreement):
        return set()
    if allowed(principal, Action.CONTRACT_VIEW_ALL, to_agreement):
        return None
    return {n for n in agreement.quantities if n == principal.nation}


async def _agreement(uow: UnitOfWork, principal: Principal, agreement_id: str) -> tuple[Agreement, set[str] | None]:
    agreement = await resolve(uow, agreement_id)
    seen = visible_nations(principal, agreement) if agreement else set()
    if agreement is None or seen == set():
        raise NotFound(f"contract {agreement_id} not found")
    return agreement, seen


async def _lot(
    uow: UnitOfWork, principal: Principal, lot_id: str, action: Action
) -> tuple[DeliveryLot, Agreement, set[str] | None]:
    lot = await uow.lots.get(lot_id)
    if lot is None:
        raise NotFound(f"delivery lot {lot_id} not found")
    agreement, seen = await _placed(uow, principal, lot_id, lot.contract_id, lot.nation, action)
    return lot, agreement, seen


async def _placed(
    uow: UnitOfWork, principal: Principal, lot_id: str, agreement_id: str, nation: str, action: Action
) -> tuple[Agreement, set[str] | None]:
    """May the caller act on the lot of this agreement and nation."""
    agreement, seen = await _agreement(uow, principal, agreement_id)
    if seen is not None and nation not in seen:
        raise NotFound(f"delivery lot {lot_id} not found")
    authorise(principal, action, relation(principal, agreement, nation), f"delivery lot {lot_id}")
    return agreement, seen


async def _readable(uow: UnitOfWork, principal: Principal, lot_id: str) -> None:
    """As `_lot`, for a page of what the lot keeps: the lot itself is not read."""
    placed = await uow.lots.placed(lot_id)
    if placed is None:
        raise NotFound(f"delivery lot {lot_id} not found")
    await _placed(uow, principal, lot_id, *placed, Action.LOTS_VIEW)


async def lots(
    uow: UnitOfWork, principal: Principal, agreement_id: str, limit: int, offset: int
) -> tuple[Found[ListedLot], Decimal | None]:
    """In the order they fall due, without their deliveries and history; and the unit
    price they are worth, once a supplier is signed."""
    async with uow:
        agreement, seen = await _agreement(uow, principal, agreement_id)
        return await uow.lots.page(agreement_id, seen, limit, offset), agreement.unit_price_eur


async def lot_deliveries(
    uow: UnitOfWork, principal: Principal, lot_id: str, limit: int, offset: int
) -> Found[dict[str, Any]]:
    """What arrived on a lot, in the order recorded, for those who see the lot."""
    async with uow:
        await _readable(uow, principal, lot_id)
        return await uow.lots.deliveries(lot_id, limit, offset)


async def lot_history(
    uow: UnitOfWork, principal: Principal, lot_id: str, limit: int, offset: int
) -> Found[dict[str, Any]]:
    """Every change of a lot (planned, delivered, forecast, moved) oldest first, for those
    who see the lot."""
    async with uow:
        await _readable(uow, principal, lot_id)
        return await uow.lots.history(lot_id, limit, offset)


async def _schedule(uow: UnitOfWork, principal: Principal, agreement_id: str) -> tuple[Agreement, DeliverySchedule]:
    """The lots of a contract or call-off, for the contracting authority to plan."""
    agreement, _ = await _agreement(uow, principal, agreement_id)
    authorise(principal, Action.LOTS_PLAN, relation(principal, agreement), f"contract {agreement_id}")
    lots = list(await uow.lots.for_contract(agreement_id))
    return agreement, DeliverySchedule(
        agreement_id, agreement.quantities, lots, agreement.ukraine, framework_id=agreement.framework_id
    )


async def _schedule_changed(
    uow: UnitOfWork, agreement: Agreement, reason: str, lots: Sequence[tuple[DeliveryLot, date | None]]
) -> None:
    """The supplier hears of every lot planned or moved (with its previous due date)."""
    if agreement.supplier_organisation:
        await events.schedule_changed(uow, agreement.id, agreement.supplier_organisation, reason, lots)


async def plan(
    uow: UnitOfWork, principal: Principal, agreement_id: str, planned: list[PlannedLot], reason: str
) -> list[DeliveryLot]:
    async with uow:
        agreement, schedule = await _schedule(uow, principal, agreement_id)
        made = schedule.plan(planned, by=principal.subject, at=uow.clock.now())
        for lot in made:
            uow.lots.add(lot)
        await _schedule_changed(uow, agreement, reason, [(lot, None) for lot in made])
        await uow.commit()
        return made


async def record_delivery(uow: UnitOfWork, principal: Principal, lot_id: str, quantity: int, on: date) -> DeliveryLot:
    """The receiving nation or the contracting authority records what arrived."""
    async with uow:
        lot, _, _ = await _lot(uow, principal, lot_id, Action.LOT_RECORD_DELIVERY)
        lot.record_delivery(quantity, on, by=principal.subject, at=uow.clock.now())
        await uow.commit()
        return lot


async def _report_if_delayed(
    uow: UnitOfWork,
    lot: DeliveryLot,
    agreement: Agreement,
    today: date,
    expected: date | None = None,
    *,
    unless_held: bool = False,
) -> bool:
    """`unless_held`: a lot another transaction holds is left to the next look. The scan
    marks lots in the order it reads them, an order shift its lots in the order of their
    ids: waiting for one while holding others, the scan could wait for a shift that waits
    for it, and the database would end one of them."""
    key = lot.delay(today, expected)
    if key is None or agreement.supplier_organisation is None:
        return False
    if unless_held and not await uow.lots.take_unless_held(lot.id):
        return False
    await events.delivery_delayed(uow, lot, agreement.supplier_organisation)
    lot.mark_delay_reported(key)
    return True


async def forecast(uow: UnitOfWork, principal: Principal, lot_id: str, on: date, today: date) -> DeliveryLot:
    """The supplier forecasts; one later than the due date is a delay at once."""
    async with uow:
        lot, agreement, _ = await _lot(uow, principal, lot_id, Action.LOT_FORECAST)
        lot.forecast(on, by=principal.subject, at=uow.clock.now())
        await _report_if_delayed(uow, lot, agreement, today)
        await uow.commit()
        return lot


async def replan(uow: UnitOfWork, principal: Principal, lot_id: str, due_date: date, reason: str) -> DeliveryLot:
    async with uow:
        lot, agreement, _ = await _lot(uow, principal, lot_id, Action.LOTS_PLAN)
        previous = lot.replan(due_date, reason, by=principal.subject, at=uow.clock.now())
        await _schedule_changed(uow, agreement, reason, [(lot, previous)])
        await uow.commit()
        return lot


async def shift(
    uow: UnitOfWork,
    principal: Principal,
    agreement_id: str,
    *,
    start: date,
    end: date,
    nation: str | None,
    reason: str,
    today: date,
) -> tuple[list[DeliveryLot], Decimal | None]:
    """An order shift: the contracting authority moves the remaining schedule (of one
    nation, or all) into a window in one act, checked against the supplier's declared
    output in it; the contract's change log says so once, each lot's history too, and the
    supplier and the nations hear of it (`contracts.delivery_schedule.changed`)."""
    async with uow:
        agreement, schedule = await _schedule(uow, principal, agreement_id)
        at = uow.clock.now()
        moved = schedule.shift(start, end, reason, principal.subject, at=at, nation=nation)
        checked = await _within_capacity(uow, agreement, start, end, today)
        contract = await uow.contracts.get(agreement_id)
        if contract is not None:
            units = sum(lot.outstanding for lot, _ in moved)
            whose = nation or "every nation"
            contract.log(
                principal.party or principal.subject,
                f"order shift: {len(moved)} remaining lots of {whose} ({units} units) moved into {start} to {end}:"
                f" {reason}; {checked}",
                nation or WHOLE,
                at=at,
            )
        await _schedule_changed(uow, agreement, f"order shift into {start} to {end}: {reason}", moved)
        await uow.commit()
        return [lot for lot, _ in moved], agreement.unit_price_eur


async def _within_capacity(uow: UnitOfWork, agreement: Agreement, start: date, end: date, today: date) -> str:
    """Refuses a shift that asks more of the window than the supplier's lines turn out in
    it (every open lot of the supplier for the item falling due in it counts, this
    contract's and the others'); says what was checked."""
    if agreement.supplier_id is None:
        return "no supplier signed yet: not checked against production capacity"
    lines = (await uow.lines.page(agreement.supplier_id, agreement.item_code, MAX_LINES_POOLED, 0)).items
    if not lines:
        return "its supplier declared no production line for the item: not checked against capacity"
    turned_out = sum(line.capacity_between(max(start, today), end) for line in lines)
    claims = await uow.lots.claims(agreement.supplier_id, agreement.item_code)
    falling_due = sum(c.outstanding for c in claims if start <= c.due_date <= end)
    if falling_due > turned_out:
        raise ContractRuleViolation(
            f"{agreement.supplier_organisation}'s lines for {agreement.item_code} can turn out {turned_out} from"
            f" {max(start, today)} to {end}, but {falling_due} would fall due in that window",
            field="window",
            rule="line_capacity",
        )
    return f"within the {turned_out} its supplier's lines turn out in the window ({falling_due} fall due in it)"


async def check_delays_now(
    uow: UnitOfWork, principal: Principal, today: date, priority: Sequence[Criterion] = DEFAULT_PRIORITY
) -> int:
    """A coordinator need not wait for the regular check."""
    authorise(principal, Action.DELAY_CHECK, Relation.ANY, "delay check")
    return await check_delays(uow, today, priority)


async def check_delays(uow: UnitOfWork, today: date, priority: Sequence[Criterion] = DEFAULT_PRIORITY) -> int:
    """Report every lot newly past due, forecast late by its supplier, or expected late by
    the allocation of its supplier's declared output, once; returns how many."""
    reported = 0
    async with uow:
        expected: dict[tuple[str, str], Allocation | None] = {}
        for lot in await uow.lots.open_lots():
            agreement = await resolve(uow, lot.contract_id)
            if agreement is None:
                continue
            completes = None
            if agreement.supplier_id is not None:
                key = (agreement.supplier_id, agreement.item_code)
                if key not in expected:
                    expected[key] = await supplier_allocation(uow, *key, today, priority)
                found = expected[key]
                row = found.of(lot.id) if found is not None else None
                completes = (row.completes or date.max) if row is not None else None
            if await _report_if_delayed(uow, lot, agreement, today, completes, unless_held=True):
                reported += 1
        await uow.commit()
    return reported


async def allocate(
    uow: UnitOfWork,
    principal: Principal,
    agreement_id: str,
    *,
    monthly_capacity: int,
    start: date,
    priority: list[str],
) -> list[DeliveryLot]:
    """Recompute the whole schedule from the supplier's monthly capacity and the nations'
    priority, in place of the lots planned before."""
    async with uow:
        agreement, schedule = await _schedule(uow, principal, agreement_id)
        replaced = list(schedule.lots)
        made = schedule.allocate(monthly_capacity, start, priority, by=principal.subject, at=uow.clock.now())
        for lot in replaced:
            await uow.lots.remove(lot)
        for lot in made:
            uow.lots.add(lot)
        reason = f"capacity {monthly_capacity} a month allocated by priority {' > '.join(priority) or 'as listed'}"
        await _schedule_changed(uow, agreement, reason, [(lot, None) for lot in made])
        await uow.commit()
        return made
