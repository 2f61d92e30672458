"""Rules of a need: what it may ask for, and its lifecycle, each change a version."""

from __future__ import annotations

import random
from datetime import date

import pytest

from demand.domain.errors import InvalidNeed, NotAllowedNow
from demand.domain.need import AlikeNeeds, Deviation, EndUser, Need, NeedStatus, YearQuantity, add_yearly
from demand.domain.reference import CatalogueItem
from tests.demand.unit.examples import ITEMS, NOW, need


@pytest.mark.parametrize("quantity", [0, -5])
def test_a_need_must_ask_for_a_positive_quantity(quantity: int) -> None:
    with pytest.raises(InvalidNeed, match="quantity must be positive"):
        need(quantity=quantity)


def test_a_delivery_window_cannot_end_before_it_starts() -> None:
    with pytest.raises(InvalidNeed, match="ends"):
        need(start=date(2027, 1, 1), end=date(2026, 1, 1))


def test_a_nation_is_a_known_alpha3_code_and_ukraine_receives_rather_than_registers() -> None:
    with pytest.raises(InvalidNeed, match="alpha-3"):
        need(nation="NL")
    with pytest.raises(InvalidNeed, match="not in the reference data"):
        need(nation="XYZ")
    with pytest.raises(InvalidNeed, match="partner receiving support"):
        need(nation="UKR")


def test_an_unknown_or_retired_item_takes_no_needs() -> None:
    with pytest.raises(InvalidNeed, match="not in the catalogue"):
        need(item="PHASER")
    retired = CatalogueItem.define(code="OLD-1", name="old", category="c", unit="u")
    retired.retire(NOW, "superseded")
    with pytest.raises(InvalidNeed, match="retired: superseded"):
        Need.register(
            now=NOW,
            nation="NLD",
            item_code="OLD-1",
            quantity=1,
            window_start=date(2025, 1, 1),
            window_end=date(2025, 2, 1),
            item=retired,
        )


def test_yearly_quantities_add_up_lie_in_the_window_and_make_a_multi_year_need() -> None:
    n = need(quantity=None, yearly=[YearQuantity(2026, 50), YearQuantity(2025, 40)])
    assert n.quantity == 90
    assert [y.year for y in n.yearly] == [2025, 2026]
    assert n.multi_year
    with pytest.raises(InvalidNeed, match="differs from the sum"):
        need(quantity=100, yearly=[YearQuantity(2025, 40)])
    with pytest.raises(InvalidNeed, match="outside the delivery window"):
        need(quantity=None, yearly=[YearQuantity(2031, 40)])
    assert not need().multi_year
    assert need(recurring=True).multi_year


def test_budget_funding_and_deviations_are_checked() -> None:
    with pytest.raises(InvalidNeed, match="budget ceiling must be positive"):
        need(budget_ceiling_eur=0)
    with pytest.raises(InvalidNeed, match="unknown funding instrument"):
        need(preferred_funding="MARSHALL")
    with pytest.raises(InvalidNeed, match="needs a description"):
        need(deviations=[Deviation(" ", True)])


def test_a_need_defaults_to_the_harmonised_specification_of_its_item() -> None:
    assert need().specification_ref == "SPEC-155MM-JBMOU"
    assert need(specification_ref="SPEC-NL-155").specification_ref == "SPEC-NL-155"


def test_amendments_make_versions_and_are_checked_whole() -> None:
    n = need()
    assert n.amend({"quantity": 150}, ITEMS["AMMO-155MM"], NOW) == ["quantity"]
    assert n.version == 2 and n.quantity == 150
    assert n.amend({"quantity": 150}, ITEMS["AMMO-155MM"], NOW) == []
    assert n.version == 2
    with pytest.raises(InvalidNeed, match="quantity must be positive"):
        n.amend({"quantity": 0}, ITEMS["AMMO-155MM"], NOW)
    assert n.quantity == 150
    with pytest.raises(InvalidNeed, match="cannot be amended"):
        n.amend({"nation": "DEU"}, ITEMS["AMMO-155MM"], NOW)


def test_lifecycle_draft_submitted_withdrawn_and_locked_once_committed() -> None:
    n = need(draft=True)
    assert n.status is NeedStatus.DRAFT
    n.submit(NOW)
    with pytest.raises(NotAllowedNow, match="only a draft"):
        n.submit(NOW)
    n.status = NeedStatus.COMMITTED
    with pytest.raises(NotAllowedNow, match="can no longer be amended"):
        n.amend({"quantity": 1}, ITEMS["AMMO-155MM"], NOW)
    with pytest.raises(NotAllowedNow, match="can no longer be withdrawn"):
        n.withdraw(NOW)
    m = need()
    m.withdraw(NOW)
    assert m.status is NeedStatus.WITHDRAWN


def test_yearly_quantities_add_and_subtract_year_by_year() -> None:
    def by_hand(a: list[YearQuantity], b: list[YearQuantity], sign: int) -> list[YearQuantity]:
        totals: dict[int, int] = {}
        for y in a:
            totals[y.year] = totals.get(y.year, 0) + y.quantity
        for y in b:
            totals[y.year] = totals.get(y.year, 0) + sign * y.quantity
        return [YearQuantity(year, q) for year, q in sorted(totals.items()) if q != 0]

    rng = random.Random(7)
    for _ in range(500):
        a = by_hand([YearQuantity(rng.randint(2025, 2030), rng.randint(1, 9)) for _ in range(rng.randint(0, 4))], [], 1)
        b = [YearQuantity(rng.randint(2025, 2030), rng.randint(1, 9)) for _ in range(rng.randint(0, 3))]
        for sign in (1, -1):
            assert add_yearly(a, b, sign) == by_hand(a, b, sign)
    two_years = [YearQuantity(2026, 10), YearQuantity(2027, 5)]
    assert add_yearly(two_years, [YearQuantity(2027, 5)], -1) == [YearQuantity(2026, 10)]  # a year at zero goes
    assert add_yearly(two_years, [YearQuantity(2025, 1)]) == [YearQuantity(2025, 1), *two_years]  # in year order


def test_submitting_and_withdrawing_each_make_a_version() -> None:
    n = need(draft=True)
    assert n.version == 1
    n.submit(NOW)
    assert (n.status, n.version, n.updated_at) == (NeedStatus.SUBMITTED, 2, NOW)
    n.withdraw(NOW)
    assert (n.status, n.version) == (NeedStatus.WITHDRAWN, 3)


def test_a_need_set_aside_keeps_its_reason_out_of_any_bundle_until_it_joins_one() -> None:
    n = need()
    n.joined("bundle-1")
    assert (n.status, n.bundle_id, n.version) == (NeedStatus.BUNDLED, "bundle-1", 1)  # placing is no version
    n.set_aside("too large", NOW)
    assert (n.status, n.status_reason, n.bundle_id, n.version) == (NeedStatus.UNPLACEABLE, "too large", None, 2)
    assert n.wanted  # still demand: its desk amends it and it is placed again
    n.joined("bundle-2")
    assert (n.status, n.status_reason) == (NeedStatus.BUNDLED, None)


def test_a_need_released_from_its_bundle_is_submitted_again_unless_withdrawn_meanwhile() -> None:
    bundled, withdrawn = need(), need()
    for n in (bundled, withdrawn):
        n.joined("bundle-1")
    withdrawn.withdraw(NOW)
    assert bundled.released() and bundled.status is NeedStatus.SUBMITTED and bundled.bundle_id is None
    assert not withdrawn.released() and withdrawn.status is NeedStatus.WITHDRAWN
    assert not withdrawn.wanted


def test_a_contracted_need_is_a_version_and_only_a_committed_one_becomes_contracted() -> None:
    n = need()
    assert not n.contracted(NOW)
    n.committed()
    assert n.contracted(NOW) and (n.status, n.version) == (NeedStatus.CONTRACTED, 2)
    assert not n.contracted(NOW)  # told twice: nothing more


def test_needs_alike_add_up_year_by_year_as_the_needs_one_by_one() -> None:
    yearly = [YearQuantity(2026, 3), YearQuantity(2027, 4)]
    groups = [
        [need(quantity=q) for q in (5, 7, 11)],  # one-off: the year the window starts
        [need(quantity=None, yearly=yearly), need(quantity=None, yearly=yearly)],
        [need(quantity=10, recurring=True) for _ in range(3)],  # spread over 2025..2028, the rest first
        [need(quantity=7, recurring=True, end_user=EndUser.UKRAINE)],
    ]

    def by_year(schedules: list[list[YearQuantity]]) -> dict[int, int]:
        total: dict[int, int] = {}
        for year in (y for schedule in schedules for y in schedule):
            total[year.year] = total.get(year.year, 0) + year.quantity
        return total

    alike = [
        AlikeNeeds(
            g[0].nation, g[0].end_user, g[0].window_start, g[0].window_end, g[0].recurring, list(g[0].yearly),
            len(g), sum(n.quantity for n in g),
        )
        for g in groups
    ]  # fmt: skip
    one_by_one = [n for g in groups for n in g]
    assert by_year([a.schedule for a in alike]) == by_year([n.schedule for n in one_by_one])
    assert by_year([a.schedule for a in alike]) == {
        2025: 5 + 7 + 11 + 3 * 3 + 2,
        2026: 2 * 3 + 3 * 3 + 2,
        2027: 2 * 4 + 3 * 2 + 2,
        2028: 3 * 2 + 1,
    }
    assert sum(a.ukraine_quantity for a in alike) == sum(n.ukraine_quantity for n in one_by_one) == 7
