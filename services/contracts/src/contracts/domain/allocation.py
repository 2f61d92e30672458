"""One allocation of a supplier's production over all its contracts and call-offs for an
item: which lot gets which month's output, by a priority everyone can read.

A supplier with several contracts for the same item (155 mm for Czechia's joint order, for
a framework's call-offs, for Ukraine) has one production line, not one per contract: its
output is shared by rank, month by month. The rank is a documented priority (by default:
deliveries to Ukraine first, then the nation furthest below its NATO stock norm for the
item, then the order placed first; configurable). The allocation is a pure function of
what is known now (declared capacity, open lots, what was delivered, stock levels), so it
is recomputed on every change by computing it again, also after deliveries began; a lot
whose expected completion falls after its due date is forecast late.
"""

from __future__ import annotations

from calendar import monthrange
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from contracts.domain.errors import ContractRuleViolation

UKRAINE = "UKR"
HORIZON_MONTHS = 360  # thirty years of output: beyond that a lot is not expected at all


class Criterion(StrEnum):
    UKRAINE = "ukraine"
    STOCK_NORM = "stock_norm"
    ORDER_DATE = "order_date"
    DUE_DATE = "due_date"


DEFAULT_PRIORITY: tuple[Criterion, ...] = (Criterion.UKRAINE, Criterion.STOCK_NORM, Criterion.ORDER_DATE)

WHY: dict[Criterion, str] = {
    Criterion.UKRAINE: "deliveries to Ukraine come first",
    Criterion.STOCK_NORM: "a nation further below its NATO stock norm",
    Criterion.ORDER_DATE: "ordered earlier",
    Criterion.DUE_DATE: "due earlier",
}


def priority_of(text: str) -> tuple[Criterion, ...]:
    """A priority written as criteria separated by commas, most important first."""
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [n for n in names if n not in set(Criterion)]
    if unknown or len(set(names)) != len(names) or not names:
        raise ContractRuleViolation(
            f"a priority lists distinct criteria among {', '.join(Criterion)}; got {text!r}", field="priority"
        )
    return tuple(Criterion(n) for n in names)


@dataclass(frozen=True)
class Claim:
    """An open lot's call on the supplier's output: what is still to come, when it is due,
    for whom, and what ranks it."""

    lot_id: str
    agreement_id: str  # the contract or call-off
    nation: str  # the buying nation
    deliver_to: str  # its own forces (the nation) or UKR
    outstanding: int
    due_date: date
    ordered_on: date
    stock_coverage: float | None = None  # the buying nation's stock against the NATO norm, 1.0 = at the norm

    def key(self, priority: Sequence[Criterion]) -> tuple[object, ...]:
        values: dict[Criterion, object] = {
            Criterion.UKRAINE: 0 if self.deliver_to == UKRAINE else 1,
            Criterion.STOCK_NORM: 1.0 if self.stock_coverage is None else self.stock_coverage,
            Criterion.ORDER_DATE: self.ordered_on,
            Criterion.DUE_DATE: self.due_date,
        }
        return (*(values[c] for c in priority), self.due_date, self.lot_id)


@dataclass(frozen=True)
class Expected:
    """A claim's expected output month by month, when it completes, and what went first."""

    claim: Claim
    months: list[tuple[date, int]]
    completes: date | None  # the last day of the month its last unit is made; None: beyond the horizon
    pushed_by: dict[str, int] = field(default_factory=dict)  # why others went first, with how many lots

    @property
    def late(self) -> bool:
        return self.completes is None or self.completes > self.claim.due_date


@dataclass(frozen=True)
class Allocation:
    start: date
    priority: tuple[Criterion, ...]
    rows: list[Expected]

    def of(self, lot_id: str) -> Expected | None:
        return next((row for row in self.rows if row.claim.lot_id == lot_id), None)

    def per_month(self, nations: Iterable[str] | None = None) -> dict[date, int]:
        """Expected output per month, over all claims or those of `nations`."""
        wanted = None if nations is None else set(nations)
        totals: dict[date, int] = {}
        for row in self.rows:
            if wanted is None or row.claim.nation in wanted:
                for month, quantity in row.months:
                    totals[month] = totals.get(month, 0) + quantity
        return dict(sorted(totals.items()))


def next_month(month: date) -> date:
    return date(month.year + (month.month == 12), month.month % 12 + 1, 1)


def month_end(month: date) -> date:
    return date(month.year, month.month, monthrange(month.year, month.month)[1])


def allocate(
    capacity: Callable[[date], int],
    claims: Iterable[Claim],
    start: date,
    priority: Sequence[Criterion] = DEFAULT_PRIORITY,
) -> Allocation:
    """Each month's output (`capacity`, by the month's first day) from `start`'s month on,
    to the claims in rank order: a claim takes what it still needs or what is left, and the
    next takes the rest. A month's output never exceeds its capacity; no claim gets more
    than it has outstanding."""
    ranked = sorted((c for c in claims if c.outstanding > 0), key=lambda c: c.key(priority))
    needed = [c.outstanding for c in ranked]
    months: list[list[tuple[date, int]]] = [[] for _ in ranked]
    first_open = 0
    month = date(start.year, start.month, 1)
    for _ in range(HORIZON_MONTHS):
        if first_open == len(ranked):
            break
        free = max(capacity(month), 0)
        i = first_open
        while free and i < len(ranked):
            take = min(free, needed[i])
            if take:
                months[i].append((month, take))
                needed[i] -= take
                free -= take
            i += 1
        while first_open < len(ranked) and needed[first_open] == 0:
            first_open += 1
        month = next_month(month)
    rows = []
    # Every lot ranked ahead of a lot went first: by rank, its output came in earlier months
    # or earlier in the same month. Why, for each, is the first criterion their keys differ
    # in; the lots ahead sharing a key's first k criteria are counted as the ranking goes,
    # so the reasons cost a few lookups a lot, not a look at every lot ahead.
    sharing: list[Counter[tuple[object, ...]]] = [Counter() for _ in range(len(priority) + 1)]
    for i, claim in enumerate(ranked):
        key = claim.key(priority)
        shares = [i] + [sharing[k][key[:k]] for k in range(1, len(priority) + 1)]
        reasons = {WHY[criterion]: shares[k] - shares[k + 1] for k, criterion in enumerate(priority)}
        reasons["planned earlier"] = shares[len(priority)]
        for k in range(1, len(priority) + 1):
            sharing[k][key[:k]] += 1
        completes = month_end(months[i][-1][0]) if needed[i] == 0 and months[i] else None
        rows.append(Expected(claim, months[i], completes, {why: n for why, n in reasons.items() if n}))
    return Allocation(date(start.year, start.month, 1), tuple(priority), rows)


MAX_COVERAGE = 10.0  # ten times the norm: any stock beyond is simply well stocked


@dataclass
class StockLevel:
    """A nation's stock of an item against the NATO stock norm (1.0: at the norm), as its
    desk states it: the lower, the more urgent its deliveries. Known to that nation alone;
    the allocation uses it to rank, and tells others only that a nation further below its
    norm went first."""

    nation: str
    item_code: str
    coverage: float
    stated_at: datetime

    @classmethod
    def state(cls, nation: str, item_code: str, coverage: float, at: datetime) -> StockLevel:
        if not 0 <= coverage <= MAX_COVERAGE:
            raise ContractRuleViolation(
                f"stock against the norm is between 0 and {MAX_COVERAGE:g} (1 = at the norm), got {coverage}",
                field="coverage",
            )
        return cls(nation, item_code, coverage, at)
