"""The allocation of a supplier's declared output over all its open lots for an item,
computed from what is known now, so that every change (capacity, a stock level, a
contract, a lot, a delivery) is in the next answer: a company sees its whole plan, a
nation its own lots month by month and, in words, what went before them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from bundling_shared.auth import Principal
from contracts.domain.access import Action, Relation, allowed, authorise, relation_to_supplier
from contracts.domain.allocation import DEFAULT_PRIORITY, Allocation, Criterion, Expected, StockLevel, allocate
from contracts.domain.errors import ContractRuleViolation, NotFound
from contracts.domain.production import ProductionLine
from contracts.service_layer.unit_of_work import NONE_FOUND, Found, UnitOfWork

MAX_LINES_POOLED = 100


async def supplier_allocation(
    uow: UnitOfWork,
    supplier_id: str,
    item_code: str,
    today: date,
    priority: Sequence[Criterion] = DEFAULT_PRIORITY,
    *,
    for_nation: str | None = None,
) -> Allocation | None:
    """Inside the caller's transaction: the supplier's lines for the item, pooled into one
    monthly output, shared over its open lots; None without a declared line. `for_nation`:
    only that nation's rows will be read, so without a lot of its own nothing is shared."""
    lines = (await uow.lines.page(supplier_id, item_code, MAX_LINES_POOLED, 0)).items
    if not lines:
        return None
    claims = await uow.lots.claims(supplier_id, item_code)
    if for_nation is not None and all(claim.nation != for_nation for claim in claims):
        claims = []
    return allocate(lambda month: sum(line.monthly_rate(month) for line in lines), claims, today, priority)


@dataclass(frozen=True)
class AllocationView:
    line: ProductionLine
    allocation: Allocation
    rows: list[Expected]  # those the reader may see
    whole: bool  # the reader sees every lot (the company, admin), or its own nation's


async def line_allocation(
    uow: UnitOfWork, principal: Principal, line_id: str, today: date, priority: Sequence[Criterion]
) -> AllocationView:
    async with uow:
        line = await uow.lines.get(line_id)
        if line is None:
            raise NotFound(f"production line {line_id} not found")
        relation = relation_to_supplier(principal, line.organisation)
        authorise(principal, Action.LINE_VIEW, relation, f"production line {line_id}")
        whole = allowed(principal, Action.ALLOCATION_VIEW_ALL, relation)
        if not whole and principal.nation is None:  # it would see no lot: nothing to share out
            return AllocationView(line, allocate(lambda month: 0, [], today, priority), [], whole)
        nation = None if whole else principal.nation
        found = await supplier_allocation(uow, line.supplier_id, line.item_code, today, priority, for_nation=nation)
        assert found is not None  # the line itself is declared
        rows = [r for r in found.rows if nation is None or r.claim.nation == nation]
        return AllocationView(line, found, rows, whole)


async def state_stock(uow: UnitOfWork, principal: Principal, item_code: str, coverage: float) -> StockLevel:
    """A desk states its nation's stock of an item against the NATO norm."""
    authorise(principal, Action.STOCK_STATE, Relation.ANY, "stock levels")
    if principal.nation is None:
        raise ContractRuleViolation("only a nation's desk states its stock", rule="nation_desk")
    async with uow:
        level = await uow.stock.state(StockLevel.state(principal.nation, item_code, coverage, uow.clock.now()))
        await uow.commit()
        return level


async def own_stock(uow: UnitOfWork, principal: Principal, limit: int, offset: int) -> Found[StockLevel]:
    authorise(principal, Action.STOCK_VIEW, Relation.ANY, "stock levels")
    if principal.nation is None:
        return NONE_FOUND
    async with uow:
        return await uow.stock.of_nation(principal.nation, limit, offset)
