"""Rules of needs and bundles, on plain objects."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from demand.domain.bundle import Bundle, BundleKind, BundleStatus, Participation
from demand.domain.errors import BundleNotOpen, EmptyBundle, InvalidNeed, InvalidReference, NotAllowedNow
from demand.domain.model import Deviation, EndUser, Need, NeedStatus, YearQuantity, add_yearly
from demand.domain.reference import SEED_ITEMS, CatalogueItem

ITEMS = {i.code: i for i in SEED_ITEMS}
NOW = datetime(2025, 3, 1, tzinfo=UTC)


def need(
    nation: str = "NLD",
    quantity: int | None = 100,
    item: str = "AMMO-155MM",
    start: date = date(2025, 1, 1),
    end: date = date(2028, 12, 31),
    **kwargs: object,
) -> Need:
    return Need.register(
        nation=nation,
        item_code=item,
        quantity=quantity,
        window_start=start,
        window_end=end,
        item=ITEMS.get(item),
        **kwargs,  # type: ignore[arg-type]
    )


def bundle_of(*needs: Need) -> Bundle:
    bundle = Bundle.open_for(needs[0], kind=BundleKind.JOINT_ORDER)
    for n in needs:
        bundle.join(n, "test", NOW)
    return bundle


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


def test_joining_and_leaving_keep_running_totals_per_nation() -> None:
    a, b, c = need("NLD", 10_000), need("CZE", 25_000), need("NLD", 5_000, end_user=EndUser.UKRAINE)
    bundle = bundle_of(a, b, c)
    assert bundle.total_quantity == 40_000
    assert bundle.nations == ["CZE", "NLD"]
    assert bundle.quantity_of("NLD") == 15_000
    assert bundle.facts().ukraine_quantity == 5_000
    assert a.bundle_id == bundle.id
    line_c = bundle.join(need("DNK", 1), "x", NOW)
    bundle.leave(line_c, NOW)
    assert bundle.nations == ["CZE", "NLD"]
    assert bundle.total_quantity == 40_000


def test_yearly_totals_come_from_each_line_whether_it_declared_years_or_not() -> None:
    one_off, another = need("NLD", 100, start=date(2026, 1, 1)), need("NLD", 5, start=date(2026, 1, 1))
    spread = need("NLD", None, yearly=[YearQuantity(2026, 30), YearQuantity(2027, 70)])
    bundle = Bundle.open_for(one_off, kind=BundleKind.JOINT_ORDER)
    first, second, plain = (bundle.join(n, "x", NOW) for n in (one_off, another, spread))
    assert first.yearly == [] and first.schedule == [YearQuantity(2026, 100)]  # a one-off need declares no years
    assert plain.yearly == [YearQuantity(2026, 30), YearQuantity(2027, 70)]
    share = bundle.share("NLD")
    assert share is not None and share.yearly == [YearQuantity(2026, 135), YearQuantity(2027, 70)]
    bundle.leave(first, NOW)
    assert share.yearly == [YearQuantity(2026, 35), YearQuantity(2027, 70)]
    bundle.leave(plain, NOW)
    assert share.yearly == [YearQuantity(2026, 5)]
    # Lines stored with their years filled in leave as the others do.
    bundle.leave(replace(second, yearly=[YearQuantity(2026, 5)]), NOW)
    assert bundle.share("NLD") is None and bundle.total_quantity == 0


def test_without_a_nominated_lead_the_largest_share_leads() -> None:
    bundle = bundle_of(need("DNK", 10, "CV90"), need("SWE", 40, "CV90"))
    assert bundle.proposed_lead == "SWE"
    bundle.commit(lead=None, committed_by="coordinator:SWE", now=NOW)
    assert bundle.lead == "SWE"
    assert bundle.status is BundleStatus.COMMITTED


def test_a_nominated_lead_is_kept_and_must_be_a_nation_or_an_agency() -> None:
    bundle = bundle_of(need("NLD", 10, "VSRAT"), need("NOR", 40, "VSRAT"))
    bundle.nominate("NSPA", NOW)
    assert bundle.proposed_lead == "NSPA"
    with pytest.raises(InvalidReference, match="neither a known nation nor an agency"):
        bundle.nominate("ACME", NOW)
    bundle.commit(lead=None, committed_by="x", now=NOW)
    assert bundle.lead == "NSPA"


def test_a_committed_bundle_takes_no_more_needs_and_cannot_commit_twice() -> None:
    bundle = bundle_of(need("NLD", 10, "VSRAT"))
    bundle.commit(lead="NSPA", committed_by="x", now=NOW)
    with pytest.raises(BundleNotOpen):
        bundle.join(need("DEU", 10, "VSRAT"), "x", NOW)
    with pytest.raises(BundleNotOpen):
        bundle.commit(lead="NSPA", committed_by="x", now=NOW)


def test_an_empty_bundle_cannot_open_or_commit() -> None:
    n = need("NLD", 10, "VSRAT")
    bundle = Bundle.open_for(n, kind=BundleKind.JOINT_ORDER)
    with pytest.raises(EmptyBundle):
        bundle.commit(lead="NSPA", committed_by="x", now=NOW)
    with pytest.raises(EmptyBundle):
        bundle.open_for_accession(deadline=date(2025, 4, 1), minimum_nations=1, today=NOW.date(), now=NOW)


def test_an_open_bundle_commits_with_the_confirmed_nations_once_the_minimum_is_met() -> None:
    spain = need("ESP", 50, "PATRIOT-PAC2")
    bundle = bundle_of(need("NLD", 100, "PATRIOT-PAC2"), need("DEU", 300, "PATRIOT-PAC2"))
    spanish_line = bundle.join(spain, "test", NOW)
    today = NOW.date()
    bundle.open_for_accession(deadline=today + timedelta(days=30), minimum_nations=2, today=today, now=NOW)
    assert {s.participation for s in bundle.shares} == {Participation.PENDING}
    bundle.answer("NLD", confirm=True, quantity=80, funding=None, today=today, now=NOW)
    with pytest.raises(NotAllowedNow, match=r"1 nation\(s\) confirmed, the minimum is 2"):
        bundle.commit(lead=None, committed_by="x", now=NOW)
    bundle.answer("ESP", confirm=False, quantity=None, funding=None, today=today, now=NOW)
    bundle.answer("DEU", confirm=True, quantity=None, funding=None, today=today, now=NOW)
    assert sorted(s.nation for s in bundle.participants()) == ["DEU", "NLD"]
    with pytest.raises(NotAllowedNow, match="nations that do not take part are still in"):
        bundle.commit(lead=None, committed_by="x", now=NOW)
    bundle.leave(spanish_line, NOW)
    taking_part = bundle.commit(lead=None, committed_by="x", now=NOW)
    assert sorted((s.nation, bundle.ordered_quantity(s)) for s in taking_part) == [("DEU", 300), ("NLD", 80)]
    assert (bundle.lead, bundle.nations, bundle.total_quantity) == ("DEU", ["DEU", "NLD"], 380)


def test_participation_is_answered_before_the_deadline_with_a_sensible_quantity() -> None:
    bundle = bundle_of(need("NLD", 100, "PATRIOT-PAC2"), need("DEU", 300, "PATRIOT-PAC2"))
    today = NOW.date()
    bundle.open_for_accession(deadline=today + timedelta(days=1), minimum_nations=1, today=today, now=NOW)
    with pytest.raises(InvalidReference, match="between 1 and 100"):
        bundle.answer("NLD", confirm=True, quantity=101, funding=None, today=today, now=NOW)
    with pytest.raises(InvalidReference, match="does not qualify for EDIRPA"):
        bundle.answer("NLD", confirm=True, quantity=None, funding="EDIRPA", today=today, now=NOW)
    with pytest.raises(NotAllowedNow, match="has no needs"):
        bundle.answer("ROU", confirm=True, quantity=None, funding=None, today=today, now=NOW)
    with pytest.raises(NotAllowedNow, match=r"deadline .* has passed"):
        bundle.answer("NLD", confirm=True, quantity=None, funding=None, today=today + timedelta(days=2), now=NOW)
    with pytest.raises(InvalidReference, match="in the past"):
        bundle.set_deadline(today - timedelta(days=1), today, NOW)


def test_late_accession_only_to_a_committed_framework_still_open() -> None:
    yearly = [YearQuantity(2026, 4), YearQuantity(2027, 4)]
    radar = Bundle.open_for(need("NLD", None, "MMR", yearly=yearly), kind=BundleKind.FRAMEWORK_CONTRACT)
    radar.join(need("NLD", None, "MMR", yearly=yearly), "x", NOW)
    with pytest.raises(NotAllowedNow, match="not a framework contract open for accession"):
        radar.accede("NOR", [YearQuantity(2026, 2)], None, NOW.date(), NOW)
    radar.commit(lead="NLD", committed_by="x", now=NOW)
    share = radar.accede("NOR", [YearQuantity(2026, 2)], Decimal("50000000.00"), NOW.date(), NOW)
    assert share.participation is Participation.ACCESSION_REQUESTED
    assert radar.total_quantity == 8  # the ceiling grows only once the lead lets the nation in
    with pytest.raises(NotAllowedNow, match="its lead decides"):
        radar.accede("NOR", [YearQuantity(2027, 1)], None, NOW.date(), NOW)
    assert radar.accession_decided("NOR", took_effect=True, now=NOW)
    assert radar.share("NOR") is share
    assert share.participation.value == "acceded"
    assert radar.total_quantity == 10
    assert not radar.accession_decided("NOR", took_effect=True, now=NOW)  # told twice: nothing more
    with pytest.raises(NotAllowedNow, match="already takes part"):
        radar.accede("NOR", [YearQuantity(2027, 1)], None, NOW.date(), NOW)
    with pytest.raises(InvalidReference, match="framework's end 2027"):
        radar.accede("DNK", [YearQuantity(2030, 1)], None, NOW.date(), NOW)
    radar.close("the framework is fully called off", NOW)
    with pytest.raises(NotAllowedNow):
        radar.accede("LTU", [YearQuantity(2026, 1)], None, NOW.date(), NOW)


def test_a_cancelled_bundle_stays_cancelled() -> None:
    bundle = bundle_of(need("NLD", 10, "NLAW"))
    with pytest.raises(InvalidReference, match="needs a reason"):
        bundle.cancel(" ", NOW)
    bundle.cancel("requirement dropped", NOW)
    with pytest.raises(NotAllowedNow):
        bundle.cancel("again", NOW)
    with pytest.raises(BundleNotOpen):
        bundle.commit(lead=None, committed_by="x", now=NOW)


def test_a_burst_of_changes_is_published_once_after_the_quiet_period_or_the_maximum_wait() -> None:
    quiet, max_wait = timedelta(seconds=1), timedelta(seconds=5)
    bundle = bundle_of(need("NLD", 10, "NLAW"))
    start = NOW
    assert bundle.publication_due(start + timedelta(milliseconds=500), quiet, max_wait) is False
    assert bundle.publication_due(start + timedelta(seconds=1), quiet, max_wait) is True
    # changes keep coming every half second: the maximum wait still publishes
    for i in range(1, 12):
        bundle.join(need("DEU", 1, "NLAW"), "x", start + timedelta(milliseconds=500 * i))
    assert bundle.publication_due(start + timedelta(milliseconds=5_600), quiet, max_wait) is True
    assert bundle.publication_due(start + timedelta(milliseconds=4_900), quiet, max_wait) is False
    bundle.mark_published()
    assert bundle.publication_due(start + timedelta(hours=1), quiet, max_wait) is False
    assert bundle.published_revision == bundle.revision


def test_a_share_that_changes_while_open_must_be_confirmed_again() -> None:
    first = need("NLD", 100, "PATRIOT-PAC2")
    bundle = bundle_of(first, need("DEU", 300, "PATRIOT-PAC2"))
    today = NOW.date()
    bundle.open_for_accession(deadline=today + timedelta(days=30), minimum_nations=1, today=today, now=NOW)
    bundle.answer("NLD", confirm=True, quantity=100, funding=None, today=today, now=NOW)
    bundle.join(need("NLD", 50, "PATRIOT-PAC2"), "x", NOW)
    share = bundle.share("NLD")
    assert share is not None
    assert share.participation is Participation.PENDING and share.confirmed_quantity is None


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


def test_a_bundle_whose_shares_hold_no_quantity_proposes_no_lead_instead_of_failing_a_read() -> None:
    bundle = bundle_of(need("NLD", 100, "PATRIOT-PAC2"), need("DEU", 300, "PATRIOT-PAC2"))
    assert bundle.proposed_lead == "DEU"
    for share in bundle.shares:
        share.quantity = 0  # as read while its needs are being placed elsewhere
    assert bundle.total_quantity > 0
    assert bundle.proposed_lead is None
    bundle.nominate("NSPA", NOW)
    assert bundle.proposed_lead == "NSPA"
