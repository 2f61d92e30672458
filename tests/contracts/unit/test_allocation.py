"""One allocation of a supplier's output over all its open lots for an item: by rank,
month by month. Properties checked over many generated cases: no lot gets more than it
still needs, no month more than the line's capacity, and the priority order holds."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contracts.domain.allocation import (
    DEFAULT_PRIORITY,
    WHY,
    Claim,
    Criterion,
    allocate,
    month_end,
    priority_of,
)
from contracts.domain.errors import ContractRuleViolation

START = date(2026, 1, 1)


def claim(lot: str, nation: str, outstanding: int, due: date, ordered: date, **more: object) -> Claim:
    return Claim(lot, f"contract-{lot}", nation, str(more.pop("deliver_to", nation)), outstanding, due, ordered, **more)  # type: ignore[arg-type]


def test_ukraine_first_then_the_nation_furthest_below_its_stock_norm_then_the_earliest_order() -> None:
    claims = [
        claim("nld", "NLD", 300, date(2026, 3, 31), date(2024, 1, 1), stock_coverage=0.9),
        claim("cze", "CZE", 200, date(2026, 3, 31), date(2025, 1, 1), stock_coverage=0.3),
        claim("ukr", "DEU", 100, date(2026, 12, 31), date(2025, 6, 1), deliver_to="UKR"),
        claim("dnk", "DNK", 100, date(2026, 2, 28), date(2023, 1, 1)),  # unknown stock: as at the norm
    ]
    shared = allocate(lambda month: 200, claims, START)
    assert [row.claim.lot_id for row in shared.rows] == ["ukr", "cze", "nld", "dnk"]
    by_lot = {row.claim.lot_id: row for row in shared.rows}
    assert by_lot["ukr"].months == [(date(2026, 1, 1), 100)]
    assert by_lot["cze"].months == [(date(2026, 1, 1), 100), (date(2026, 2, 1), 100)]
    assert by_lot["nld"].completes == date(2026, 3, 31) and not by_lot["nld"].late  # due 31 March
    assert by_lot["dnk"].completes == date(2026, 4, 30) and by_lot["dnk"].late  # due 28 February
    assert by_lot["dnk"].pushed_by == {
        "deliveries to Ukraine come first": 1,
        "a nation further below its NATO stock norm": 2,
    }
    assert shared.per_month(["NLD"]) == {date(2026, 2, 1): 100, date(2026, 3, 1): 200}

    by_order = allocate(lambda month: 200, claims, START, priority_of("order_date"))
    assert [row.claim.lot_id for row in by_order.rows] == ["dnk", "nld", "cze", "ukr"]


def test_a_line_that_makes_nothing_for_decades_expects_nothing_and_says_so() -> None:
    (row,) = allocate(lambda month: 0, [claim("a", "NLD", 5, date(2027, 1, 1), date(2026, 1, 1))], START).rows
    assert row.months == [] and row.completes is None and row.late


def test_a_priority_lists_known_criteria_once() -> None:
    assert priority_of(" ukraine, due_date ") == (Criterion.UKRAINE, Criterion.DUE_DATE)
    for wrong in ("", "ukraine,ukraine", "price"):
        with pytest.raises(ContractRuleViolation, match="distinct criteria"):
            priority_of(wrong)


claims_strategy = st.lists(
    st.builds(
        claim,
        lot=st.uuids().map(lambda u: u.hex[:8]),
        nation=st.sampled_from(["NLD", "DEU", "CZE", "POL"]),
        outstanding=st.integers(min_value=0, max_value=500),
        due=st.integers(min_value=0, max_value=900).map(lambda d: START + timedelta(days=d)),
        ordered=st.integers(min_value=0, max_value=900).map(lambda d: date(2023, 1, 1) + timedelta(days=d)),
        deliver_to=st.sampled_from(["UKR", "own"]),
        stock_coverage=st.one_of(st.none(), st.floats(min_value=0, max_value=2)),
    ),
    max_size=25,
    unique_by=lambda c: c.lot_id,
)


@settings(max_examples=300, deadline=None)
@given(
    claims=claims_strategy,
    rates=st.lists(st.integers(min_value=0, max_value=400), min_size=1, max_size=12),
    priority=st.permutations(list(Criterion)).map(tuple),
)
def test_no_lot_gets_more_than_it_needs_no_month_more_than_capacity_and_rank_holds(
    claims: list[Claim], rates: list[int], priority: tuple[Criterion, ...]
) -> None:
    def capacity(month: date) -> int:
        return rates[(month.year * 12 + month.month) % len(rates)]

    shared = allocate(capacity, claims, START, priority)
    for row in shared.rows:
        assert sum(q for _, q in row.months) <= row.claim.outstanding
        assert all(q > 0 for _, q in row.months)
        if row.completes is not None:
            assert sum(q for _, q in row.months) == row.claim.outstanding
    for month, quantity in shared.per_month().items():
        assert quantity <= capacity(month)
    # Rank: a lot ranked lower gets output in a month only once every lot ahead of it is
    # complete by the end of that month.
    for i, row in enumerate(shared.rows):
        for month, _ in row.months:
            for ahead in shared.rows[:i]:
                assert ahead.completes is not None and ahead.completes <= month_end(month)
    keys = [row.claim.key(priority) for row in shared.rows]
    assert keys == sorted(keys)
    # What went first, told for each lot: every lot ahead of it counted once, under the first
    # criterion its key differs in, or as planned earlier when it differs in none.
    for i, row in enumerate(shared.rows):
        told: dict[str, int] = {}
        for before in keys[:i]:
            differs = next((k for k in range(len(priority)) if before[k] != keys[i][k]), None)
            why = "planned earlier" if differs is None else WHY[priority[differs]]
            told[why] = told.get(why, 0) + 1
        assert row.pushed_by == told
    assert DEFAULT_PRIORITY == (Criterion.UKRAINE, Criterion.STOCK_NORM, Criterion.ORDER_DATE)
