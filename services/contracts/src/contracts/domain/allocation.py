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
        """Its rank among the claims: the priority's criteria in order, then the due date
        and the lot (so that no two claims rank alike)."""
        return ranking(priority)(self)


_RANKED_BY: dict[Criterion, Callable[[Claim], object]] = {
    Criterion.UKRAINE: lambda c: 0 if c.deliver_to == UKRAINE else 1,
    Criterion.STOCK_NORM: lambda c: 1.0 if c.stock_coverage is None else c.stock_coverage,
    Criterion.ORDER_DATE: lambda c: c.ordered_on,
    Criterion.DUE_DATE: lambda c: c.due_date,
}


def ranking(priority: Sequence[Criterion]) -> Callable[[Claim], tuple[object, ...]]:
    """The key a claim ranks by under `priority` (`Claim.key`), one function per
    allocation rather than a lookup per criterion and claim."""
    values = tuple(_RANKED_BY[c] for c in priority)
    return lambda c: (*[value(c) for value in values], c.due_date, c.lot_id)


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
    key_of = ranking(priority)
    keyed = sorted((key_of(c), c) for c in claims if c.outstanding > 0)  # keys are unique: claims never compared
    needed = [c.outstanding for _, c in keyed]
    months: list[list[tuple[date, int]]] = [[] for _ in keyed]
    ends: dict[date, date] = {}  # the last day of each month output went out in
    first_open, count = 0, len(keyed)
    month = date(start.year, start.month, 1)
    for _ in range(HORIZON_MONTHS):
        if first_open == count:
            break
        free = max(capacity(month), 0)
        if free:
            ends[month] = month_end(month)
        i = first_open
        while free and i < count:
            take = min(free, needed[i])
            months[i].append((month, take))
            needed[i] -= take
            free -= take
            if not needed[i]:
                first_open = i + 1  # every claim before it is complete: this month took in rank order
            i += 1
        month = next_month(month)
    rows = []
    # Every lot ranked ahead of a lot went first: by rank, its output came in earlier months
    # or earlier in the same month. Why, for each, is the first criterion their keys differ
    # in. The claims sharing a lot's first k criteria are adjacent in rank order, so those
    # ahead of it are counted from where that run of equal prefixes began: a few
    # comparisons with the claim ranked just before, not a look at every lot ahead.
    width = len(priority)
    began = [0] * (width + 1)  # for each k, where the current run of equal first k criteria began
    why = [WHY[c] for c in priority]
    previous: tuple[object, ...] | None = None
    for i, (key, claim) in enumerate(keyed):
        if previous is not None:
            same = 0
            while same < width and key[same] == previous[same]:
                same += 1
            for k in range(same + 1, width + 1):
                began[k] = i
        previous = key
        pushed: dict[str, int] = {}
        ahead = i  # those ahead sharing the first k criteria, from k = 0
        for k in range(width):
            sharing = i - began[k + 1]
            if ahead > sharing:
                pushed[why[k]] = ahead - sharing
            ahead = sharing
        if ahead:
            pushed["planned earlier"] = ahead
        got = months[i]
        completes = ends[got[-1][0]] if not needed[i] and got else None
        rows.append(Expected(claim, got, completes, pushed))
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
