"""Declared capacity beside demand: the lines the contracts service tells of are kept per
item, and once the item's aggregated demand reaches a line's minimum economic quantity,
its company is told (`demand.capacity.unlocked`).

Demand changes with every need the aggregator places, and the aggregator's batches are
the platform's hot path: the check runs beside them (`unlock_due`, every few seconds, and
when a line is declared), reading the item's running totals rather than its needs."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from uuid import UUID

from demand.domain.capacity import DeclaredLine, ItemCapacity
from demand.service_layer import events
from demand.service_layer.specifications import SPECIFICATION_WATCHER
from demand.service_layer.unit_of_work import UnitOfWork


async def item_demand(uow: UnitOfWork, item_code: str) -> tuple[int, int]:
    """The item's aggregated demand (every live need, whatever its state) and its nations."""
    alike = await uow.needs.demand_of_item(item_code)
    return sum(a.quantity for a in alike), len({a.nation for a in alike})


async def _unlock(uow: UnitOfWork, lines: Iterable[DeclaredLine], now: datetime) -> list[DeclaredLine]:
    unlocked = []
    demand: dict[str, tuple[int, int]] = {}
    for line in lines:
        if line.item_code not in demand:
            demand[line.item_code] = await item_demand(uow, line.item_code)
        quantity, nations = demand[line.item_code]
        if line.unlock(quantity, now):
            await events.capacity_unlocked(uow, line, nation_count=nations)
            unlocked.append(line)
    return unlocked


async def line_declared(uow: UnitOfWork, *, event_id: UUID, line: DeclaredLine) -> bool:
    """A line declared or revised, told once; whether it was new or newer. Demand that
    reached its minimum already unlocks it at once."""
    async with uow:
        if await uow.already_processed(SPECIFICATION_WATCHER, event_id):
            return False
        known = await uow.lines.get(line.line_id)
        changed = known is None or known.revised(line)
        if known is None:
            uow.lines.add(line)
        await _unlock(uow, [known or line], uow.clock.now())
        await uow.mark_processed(SPECIFICATION_WATCHER, event_id)
        await uow.commit()
    return changed


async def unlock_due(uow: UnitOfWork) -> Sequence[DeclaredLine]:
    """The lines whose item's demand reached their minimum since the last look."""
    async with uow:
        unlocked = await _unlock(uow, await uow.lines.locked(), uow.clock.now())
        if unlocked:
            await uow.commit()
    return unlocked


async def capacity_of_item(uow: UnitOfWork, item_code: str, years: Iterable[int]) -> ItemCapacity:
    """Inside the caller's transaction: the item's lines and their capacity over `years`,
    and the supply risks of its specification and lines."""
    item = await uow.catalogue.get(item_code)
    risks = item.specification_material_risks if item is not None else []
    return ItemCapacity.of(await uow.lines.of_item(item_code), years, risks)
