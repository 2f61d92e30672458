"""A contract or framework nearing its end opens a follow-on round: a proposed bundle for the
same item and the term after it, which the agreement's nations see and join by registering
their follow-on needs; its trail says why it exists."""

from __future__ import annotations

from datetime import date, datetime
from uuid import uuid4

import pytest

from bundling_shared.errors import NotFound
from demand.domain.bundle import Bundle, BundleKind, BundleStatus, DecisionKind, Participation
from demand.domain.follow_on import FollowOn
from demand.domain.need import NeedTerms, YearQuantity
from demand.entrypoints.schemas import BundleOut
from demand.service_layer import bundles, needs
from demand.service_layer.follow_on import agreement_expiring
from demand.service_layer.unit_of_work import BundleFilter
from tests.demand.unit.examples import NOW
from tests.demand.unit.fakes import FakeUnitOfWork
from tests.demand.unit.handlers import coordinator, desk, place_all, terms

EXPIRING = FollowOn(
    agreement_kind="framework",
    agreement_id="fw-155mm",
    item_code="AMMO-155MM",
    contracting_authority="CZE",
    starts_on=date(2025, 1, 1),
    ends_on=date(2029, 12, 31),
    expected={"CZE": 30_000, "NLD": 20_000, "DNK": 5_000},
    horizon_years=5,
)
FOLLOW_ON_YEARS = [YearQuantity(2030, 4_000), YearQuantity(2031, 4_000)]


def follow_on_need(nation: str) -> NeedTerms:
    """Eight thousand rounds over 2030 and 2031, the first years after the framework."""
    return terms(nation, None, window_start=date(2030, 1, 1), window_end=date(2031, 12, 31), yearly=FOLLOW_ON_YEARS)


async def opened_round(uow: FakeUnitOfWork, follows: FollowOn = EXPIRING) -> Bundle:
    bundle_id = await agreement_expiring(uow, event_id=uuid4(), follows=follows)
    assert bundle_id is not None
    return uow.bundles.stored[bundle_id]


def test_a_round_covers_the_term_after_the_end_as_long_as_the_term_that_ends() -> None:
    assert EXPIRING.window == (date(2030, 1, 1), date(2034, 12, 31))
    assert EXPIRING.reason == "follow-on to framework fw-155mm expiring 2029-12-31"
    one_year = FollowOn("contract", "c-1", "ATGM-VSRAT", "NSPA", date(2026, 3, 1), date(2027, 2, 28), {"NLD": 3}, 1)
    assert one_year.window == (date(2027, 3, 1), date(2028, 2, 28)) and not one_year.multi_year


async def test_the_first_horizon_told_opens_a_proposed_round_its_nations_invited() -> None:
    uow = FakeUnitOfWork()
    round_ = await opened_round(uow)
    assert (round_.status, round_.kind, round_.item_code) == (
        BundleStatus.PROPOSED,
        BundleKind.FRAMEWORK_CONTRACT,
        "AMMO-155MM",
    )
    assert (round_.window_start, round_.window_end) == (date(2030, 1, 1), date(2034, 12, 31))
    assert {s.nation: s.participation for s in round_.shares} == dict.fromkeys(
        ["CZE", "DNK", "NLD"], Participation.INVITED
    )
    assert round_.nations == [] and round_.total_quantity == 0 and round_.proposed_lead is None
    (opened,) = uow.bundles.decisions
    assert opened.kind is DecisionKind.OPENED and opened.nation is None
    assert opened.reason.startswith("follow-on to framework fw-155mm expiring 2029-12-31: opened 5 year(s) ahead")


async def test_later_horizons_are_written_in_its_trail_and_a_redelivery_changes_nothing() -> None:
    uow = FakeUnitOfWork()
    event_id = uuid4()
    assert await agreement_expiring(uow, event_id=event_id, follows=EXPIRING) is not None
    assert await agreement_expiring(uow, event_id=event_id, follows=EXPIRING) is None
    later = FollowOn(**{**vars(EXPIRING), "horizon_years": 2})
    assert await agreement_expiring(uow, event_id=uuid4(), follows=later) is None
    assert len(uow.bundles.stored) == 1
    assert [d.reason for d in uow.bundles.decisions][1:] == [
        "follow-on to framework fw-155mm expiring 2029-12-31: 2 year(s) left"
    ]


async def test_its_nations_see_the_round_with_their_own_expected_quantity_and_others_do_not() -> None:
    uow = FakeUnitOfWork()
    round_ = await opened_round(uow)
    view = await bundles.read_bundle(uow, caller=desk("NLD"), bundle_id=round_.id)
    seen = BundleOut.of(view.bundle, view.nation, view.today)
    assert seen.follows_on is not None and seen.follows_on.nations == ["CZE", "DNK", "NLD"]
    assert [(e.nation, e.quantity) for e in seen.follows_on.expected] == [("NLD", 20_000)], "no partner's quantity"
    assert [(p.nation, p.status) for p in seen.participation] == [("NLD", "invited")]
    lead = BundleOut.of(view.bundle, None, view.today)
    assert lead.follows_on is not None and len(lead.follows_on.expected) == 3
    summaries = bundles.Summaries(lambda view: view.bundle.id)
    listed, total = await bundles.list_bundles(
        uow, caller=desk("DNK"), f=BundleFilter(), limit=10, offset=0, summaries=summaries
    )
    assert (listed, total) == ([round_.id], 1)
    with pytest.raises(NotFound):
        await bundles.read_bundle(uow, caller=desk("DEU"), bundle_id=round_.id)


async def test_a_nation_joins_the_round_by_registering_its_follow_on_need() -> None:
    uow = FakeUnitOfWork()
    round_ = await opened_round(uow)
    await needs.register_need(uow, caller=desk("NLD"), terms=follow_on_need("NLD"))
    await place_all(uow)
    assert round_.nations == ["NLD"] and round_.total_quantity == 8_000
    assert round_.share("NLD").participation is Participation.PROPOSED  # type: ignore[union-attr]
    assert round_.share("CZE").participation is Participation.INVITED  # type: ignore[union-attr]
    assert round_.proposed_lead == "NLD"


async def test_a_nation_whose_need_leaves_stays_invited_and_the_uninvolved_are_not_in_the_order() -> None:
    uow = FakeUnitOfWork()
    round_ = await opened_round(uow)
    nld = await needs.register_need(uow, caller=desk("NLD"), terms=follow_on_need("NLD"))
    await needs.register_need(uow, caller=desk("CZE"), terms=follow_on_need("CZE"))
    await place_all(uow)
    await needs.withdraw_need(uow, caller=desk("NLD"), need_id=nld.id, reason="")
    await place_all(uow)
    assert round_.share("NLD").participation is Participation.INVITED  # type: ignore[union-attr]
    committed = await bundles.commit_bundle(uow, caller=coordinator("CZE"), bundle_id=round_.id, lead=None)
    assert committed.bundle.status is BundleStatus.COMMITTED
    assert [s.nation for s in round_.shares] == ["CZE"]


def test_a_round_opens_for_accession_asking_only_the_nations_with_needs() -> None:
    round_, _ = Bundle.follow_on(EXPIRING, specification_ref=None, now=datetime(2025, 1, 2, tzinfo=NOW.tzinfo))
    assert round_.share("NLD") is not None
    with pytest.raises(Exception, match="no needs"):
        round_.open_for_accession(deadline=date(2025, 6, 1), minimum_nations=1, today=date(2025, 1, 2), now=NOW)


def per_buyer(nation: str, quantity: int, horizon_years: int = 2) -> FollowOn:
    """One of the contracts of the VSRAT joint order NSPA contracted one per buyer."""
    return FollowOn(
        agreement_kind="contract",
        agreement_id=f"contract-vsrat-{nation.lower()}",
        item_code="ATGM-VSRAT",
        contracting_authority="NSPA",
        starts_on=date(2026, 1, 1),
        ends_on=date(2027, 12, 31),
        expected={nation: quantity},
        horizon_years=horizon_years,
        bundle_id="bundle-vsrat",
    )


async def test_the_contracts_of_one_joint_order_contracted_per_buyer_are_followed_by_one_round() -> None:
    uow = FakeUnitOfWork()
    round_ = await opened_round(uow, per_buyer("NLD", 300))
    assert await agreement_expiring(uow, event_id=uuid4(), follows=per_buyer("DEU", 500)) is None
    assert await agreement_expiring(uow, event_id=uuid4(), follows=per_buyer("DEU", 500, horizon_years=1)) is None
    assert list(uow.bundles.stored) == [round_.id], "one round, not one per contract"
    assert round_.follows_on is not None
    assert dict(round_.follows_on.expected) == {"NLD": 300, "DEU": 500}
    assert round_.follows_on.agreements == ("contract-vsrat-nld", "contract-vsrat-deu")
    assert round_.share("DEU").participation is Participation.INVITED  # type: ignore[union-attr]
    reasons = [d.reason for d in uow.bundles.decisions]
    assert reasons[1].startswith("also follows contract contract-vsrat-deu of the same bundle")
    assert reasons[2] == "follow-on to contract contract-vsrat-nld expiring 2027-12-31: 1 year(s) left"
    seen = BundleOut.of(round_, "DEU", NOW.date())
    assert seen.follows_on is not None and seen.follows_on.also_follows == ["contract-vsrat-deu"]
    assert [(e.nation, e.quantity) for e in seen.follows_on.expected] == [("DEU", 500)]


async def test_a_round_seeds_each_nation_year_by_year_from_the_bundle_its_agreement_came_from() -> None:
    """The 155 mm framework of 2026 and 2027 ends: the round of 2028 and 2029 starts from what
    each nation took in each year, a term later; the contracts service tells totals only."""
    uow = FakeUnitOfWork()
    years = {
        "NLD": [YearQuantity(2026, 4_000), YearQuantity(2027, 6_000)],
        "CZE": [YearQuantity(2026, 9_000), YearQuantity(2027, 3_000)],
    }
    for nation, yearly in years.items():
        asked = terms(nation, None, yearly=yearly, window_start=date(2026, 1, 1), window_end=date(2027, 12, 31))
        await needs.register_need(uow, caller=desk(nation), terms=asked)
    await place_all(uow)
    (source,) = uow.bundles.stored.values()
    follows = FollowOn(
        agreement_kind="framework",
        agreement_id="fw-155mm-2026",
        item_code="AMMO-155MM",
        contracting_authority="CZE",
        starts_on=date(2026, 1, 1),
        ends_on=date(2027, 12, 31),
        expected={"NLD": 10_000, "CZE": 12_000},
        horizon_years=1,
        bundle_id=source.id,
    )
    round_ = await opened_round(uow, follows)
    assert round_.follows_on is not None
    assert round_.follows_on.expected_yearly("NLD") == [YearQuantity(2028, 4_000), YearQuantity(2029, 6_000)]
    assert round_.follows_on.expected_yearly("CZE") == [YearQuantity(2028, 9_000), YearQuantity(2029, 3_000)]
    seen = BundleOut.of(round_, "NLD", NOW.date())
    assert seen.follows_on is not None
    ((mine,),) = [seen.follows_on.expected]
    assert [(y.year, y.quantity) for y in mine.yearly] == [(2028, 4_000), (2029, 6_000)], "its own years alone"
