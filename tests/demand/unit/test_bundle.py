"""Rules of a bundle: running totals per nation, its lead, accession, commitment and
publication, on plain objects."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest

from demand.domain.bundle import (
    Bundle,
    BundleKind,
    BundleLine,
    BundleStatus,
    CommittedOrder,
    DecisionKind,
    Participation,
)
from demand.domain.errors import BundleNotOpen, EmptyBundle, InvalidReference, NotAllowedNow
from demand.domain.need import EndUser, Need, NeedStatus, YearQuantity
from tests.demand.unit.examples import NOW, bundle_of, joined, need


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
    bundle = Bundle.open_for(one_off, kind=BundleKind.JOINT_ORDER, now=NOW)
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


def commit(bundle: Bundle, lines: Sequence[BundleLine], *needs: Need, lead: str | None = None) -> CommittedOrder:
    """As the handler commits: with the bundle's lines and the needs behind them."""
    return bundle.commit(lead=lead, committed_by="x", lines=lines, needs={n.id: n for n in needs}, now=NOW)


def test_without_a_nominated_lead_the_largest_share_leads() -> None:
    needs = need("DNK", 10, "CV90"), need("SWE", 40, "CV90")
    bundle, lines = joined(*needs)
    assert bundle.proposed_lead == "SWE"
    assert commit(bundle, lines, *needs).lead == "SWE"
    assert bundle.lead == "SWE"
    assert bundle.status is BundleStatus.COMMITTED


def test_a_nominated_lead_is_kept_and_must_be_a_nation_or_an_agency() -> None:
    needs = need("NLD", 10, "VSRAT"), need("NOR", 40, "VSRAT")
    bundle, lines = joined(*needs)
    bundle.nominate("NSPA", NOW)
    assert bundle.proposed_lead == "NSPA"
    with pytest.raises(InvalidReference, match="neither a known nation nor an agency"):
        bundle.nominate("ACME", NOW)
    commit(bundle, lines, *needs)
    assert bundle.lead == "NSPA"


def test_a_committed_bundle_takes_no_more_needs_and_cannot_commit_twice() -> None:
    nld = need("NLD", 10, "VSRAT")
    bundle, lines = joined(nld)
    commit(bundle, lines, nld, lead="NSPA")
    with pytest.raises(BundleNotOpen):
        bundle.join(need("DEU", 10, "VSRAT"), "x", NOW)
    with pytest.raises(BundleNotOpen):
        commit(bundle, lines, nld, lead="NSPA")


def test_an_empty_bundle_cannot_open_or_commit() -> None:
    n = need("NLD", 10, "VSRAT")
    bundle = Bundle.open_for(n, kind=BundleKind.JOINT_ORDER, now=NOW)
    with pytest.raises(EmptyBundle):
        commit(bundle, [], lead="NSPA")
    with pytest.raises(EmptyBundle):
        bundle.open_for_accession(deadline=date(2025, 4, 1), minimum_nations=1, today=NOW.date(), now=NOW)


def test_an_open_bundle_commits_with_the_confirmed_nations_once_the_minimum_is_met() -> None:
    nld, deu, spain = (
        need(nation, quantity, "PATRIOT-PAC2") for nation, quantity in [("NLD", 100), ("DEU", 300), ("ESP", 50)]
    )
    bundle, lines = joined(nld, deu, spain)
    today = NOW.date()
    bundle.open_for_accession(deadline=today + timedelta(days=30), minimum_nations=2, today=today, now=NOW)
    assert {s.participation for s in bundle.shares} == {Participation.PENDING}
    bundle.answer("NLD", confirm=True, quantity=80, funding=None, today=today, now=NOW)
    with pytest.raises(NotAllowedNow, match=r"1 nation\(s\) confirmed, the minimum is 2"):
        commit(bundle, lines, nld, deu, spain)
    bundle.answer("ESP", confirm=False, quantity=None, funding=None, today=today, now=NOW)
    bundle.answer("DEU", confirm=True, quantity=None, funding=None, today=today, now=NOW)
    assert sorted(s.nation for s in bundle.participants(today)) == ["DEU", "NLD"]
    with pytest.raises(NotAllowedNow, match="nations that do not take part are still in"):
        commit(bundle, lines[:2], nld, deu)  # Spain's line not among those it was given
    order = commit(bundle, lines, nld, deu, spain)
    assert [(x.nation, x.quantity, x.need_ids) for x in order.lines] == [("DEU", 300, [deu.id]), ("NLD", 80, [nld.id])]
    assert (bundle.lead, bundle.nations, bundle.total_quantity) == ("DEU", ["DEU", "NLD"], 380)
    assert order.total_quantity == 380
    # Spain declined: its line left the bundle, its need is submitted again to be placed elsewhere.
    assert order.release.left == [lines[2]] and order.release.wanted == [spain]
    assert (spain.status, spain.bundle_id) == (NeedStatus.SUBMITTED, None)
    assert nld.status is deu.status is NeedStatus.COMMITTED
    assert [(d.kind, d.nation) for d in order.release.decisions] == [
        (DecisionKind.REJECTED, "ESP"),
        (DecisionKind.COMMITTED, None),
    ]


def test_a_commit_orders_the_window_its_needs_span_and_waits_for_a_withdrawal_to_be_applied() -> None:
    early = need("NLD", 10, "NLAW", start=date(2025, 1, 1), end=date(2026, 6, 30))
    late = need("DEU", 20, "NLAW", start=date(2026, 1, 1), end=date(2027, 12, 31))
    bundle, lines = joined(early, late)
    late.withdraw(NOW)  # the aggregator has yet to take it out
    with pytest.raises(NotAllowedNow, match=f"need {late.id} of DEU was withdrawn"):
        commit(bundle, lines, early, late)
    assert bundle.status is BundleStatus.PROPOSED and early.status is NeedStatus.BUNDLED
    bundle.leave(lines[1], NOW)
    order = commit(bundle, lines[:1], early)
    assert (order.window_start, order.window_end) == (date(2025, 1, 1), date(2026, 6, 30))
    assert order.release.wanted == [] and order.kind is BundleKind.JOINT_ORDER


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
    radar = Bundle.open_for(need("NLD", None, "MMR", yearly=yearly), kind=BundleKind.FRAMEWORK_CONTRACT, now=NOW)
    radar_lines = [radar.join(need("NLD", None, "MMR", yearly=yearly), "x", NOW)]
    with pytest.raises(NotAllowedNow, match="not a framework contract open for accession"):
        radar.accede("NOR", [YearQuantity(2026, 2)], None, NOW.date(), NOW)
    commit(radar, radar_lines, lead="NLD")
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
        commit(bundle, [])


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


def test_a_bundle_whose_shares_hold_no_quantity_proposes_no_lead_instead_of_failing_a_read() -> None:
    bundle = bundle_of(need("NLD", 100, "PATRIOT-PAC2"), need("DEU", 300, "PATRIOT-PAC2"))
    assert bundle.proposed_lead == "DEU"
    for share in bundle.shares:
        share.quantity = 0  # as read while its needs are being placed elsewhere
    assert bundle.total_quantity > 0
    assert bundle.proposed_lead is None
    bundle.nominate("NSPA", NOW)
    assert bundle.proposed_lead == "NSPA"


def test_a_unit_price_values_the_bundle_and_its_co_funding_estimated_until_awarded() -> None:
    bundle = bundle_of(need("NLD", 100, budget_ceiling_eur=Decimal("1000.00")), need("CZE", 300), need("DEU", 200))
    assert (bundle.value_basis, bundle.value_eur_total()) == ("budget ceilings", Decimal("1000.00"))

    bundle.estimate_unit_price(Decimal("3500.00"), NOW)
    assert (bundle.value_basis, bundle.value_eur_total()) == ("estimated unit price", Decimal("2100000.00"))
    assert bundle.facts().values == {
        "NLD": Decimal("350000.00"),
        "CZE": Decimal("1050000.00"),
        "DEU": Decimal("700000.00"),
    }
    edirpa = {a.instrument: a for a in bundle.funding(NOW.date())}["EDIRPA"]
    assert (edirpa.eligible_value_eur, edirpa.max_contribution_eur) == (Decimal("2100000.00"), Decimal("315000.00"))

    bundle.price_awarded(Decimal("3333.33"), NOW)
    assert (bundle.value_basis, bundle.value_eur_total()) == ("awarded unit price", Decimal("1999998.00"))
    with pytest.raises(NotAllowedNow, match="awarded unit price"):
        bundle.estimate_unit_price(Decimal("3000.00"), NOW)
    assert bundle.unit_price_eur == Decimal("3333.33")


@pytest.mark.parametrize("price", ["0", "-1.00", "0.001", "10000000000.01"])
def test_a_unit_price_is_positive_in_cents_and_of_a_size_anything_costs(price: str) -> None:
    bundle = bundle_of(need("NLD", 100))
    with pytest.raises(InvalidReference, match="unit price"):
        bundle.estimate_unit_price(Decimal(price), NOW)
    assert bundle.unit_price_eur is None and bundle.value_basis == "budget ceilings"


def test_a_confirmed_quantity_is_what_a_nation_is_valued_at() -> None:
    bundle = bundle_of(need("NLD", 100), need("CZE", 300))
    bundle.estimate_unit_price(Decimal("10.00"), NOW)
    bundle.share("CZE").confirmed_quantity = 120  # type: ignore[union-attr]
    assert bundle.facts().values == {"NLD": Decimal("1000.00"), "CZE": Decimal("1200.00")}
