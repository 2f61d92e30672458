"""The handlers of coordinators and desks on a bundle, against a unit of work in memory:
commit, cancel, accession and the acts in between, what each records in the trail and
what it announces."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bundling_shared import topics
from bundling_shared.clock import FixedClock
from bundling_shared.errors import Forbidden, NotFound
from demand.domain.access import Caller
from demand.domain.bundle import Bundle, BundleStatus, DecisionKind
from demand.domain.errors import NotAllowedNow
from demand.domain.need import NeedStatus, YearQuantity
from demand.service_layer import bundles, needs
from demand.service_layer.unit_of_work import BundleFilter
from tests.demand.unit.fakes import FakeUnitOfWork
from tests.demand.unit.handlers import ADMIN, coordinator, desk, place_all, terms


@pytest.fixture
def uow() -> FakeUnitOfWork:
    return FakeUnitOfWork()


async def bundle_of(uow: FakeUnitOfWork, *asked: tuple[str, int | None], item: str = "VSRAT", **more: object) -> Bundle:
    """One bundle the needs of these nations joined, placed by the aggregator."""
    for nation, quantity in asked:
        await needs.register_need(uow, caller=desk(nation), terms=terms(nation, quantity, item, **more))
    await place_all(uow)
    (bundle,) = [b for b in uow.bundles.stored.values() if b.item_code == item and b.joinable]
    return bundle


Seen = tuple[str, int, str | None, str | None, date, tuple[tuple[str, int], ...]]


class Snapshots:
    """Summaries as a list keeps them, each a snapshot of what it was made from, counted."""

    def __init__(self, size: int = 100) -> None:
        self.made = 0
        self.summaries = bundles.Summaries(self.snapshot, size=size)

    def snapshot(self, view: bundles.BundleView) -> Seen:
        self.made += 1
        b = view.bundle
        return (
            b.id,
            b.revision,
            b.contracting_problem,
            view.nation,
            view.today,
            tuple((s.nation, s.quantity) for s in b.shares),
        )


async def listed_as(
    uow: FakeUnitOfWork, caller: Caller, kept: Snapshots | None = None, limit: int = 10
) -> tuple[list[Seen], int]:
    kept = kept or Snapshots()
    return await bundles.list_bundles(
        uow, caller=caller, f=BundleFilter(), limit=limit, offset=0, summaries=kept.summaries
    )


async def test_a_list_read_again_makes_only_the_summaries_of_bundles_changed_since(uow: FakeUnitOfWork) -> None:
    first = await bundle_of(uow, ("NLD", 5), ("NOR", 8))
    second = await bundle_of(uow, ("NLD", 3), item="CV90")
    kept, lead = Snapshots(), coordinator("NOR")
    before, total = await listed_as(uow, ADMIN, kept)
    assert total == 2 and kept.made == 2
    assert await listed_as(uow, ADMIN, kept) == (before, 2) and kept.made == 2, "nothing changed: nothing made again"
    await bundles.nominate_lead(uow, caller=lead, bundle_id=first.id, lead="NSPA")
    after, _ = await listed_as(uow, ADMIN, kept)
    assert kept.made == 3 and after[1] == before[1], "only the changed bundle is made again"
    assert after[0][:2] == (first.id, first.revision) and after[0][1] > before[0][1]
    first.not_contracted("no supplier holds the clearance")  # no new revision: not a change of its terms
    problem, _ = await listed_as(uow, ADMIN, kept)
    assert problem[0][2] == "no supplier holds the clearance" and problem[0][1] == after[0][1]
    assert second.id == problem[1][0]


async def test_each_caller_and_each_day_has_its_own_summary_of_a_bundle(uow: FakeUnitOfWork) -> None:
    await bundle_of(uow, ("NLD", 5), ("NOR", 8))
    kept = Snapshots()
    ((*_, as_admin, _, _),), _ = await listed_as(uow, ADMIN, kept)
    ((*_, as_desk, _, _),), _ = await listed_as(uow, desk("NLD"), kept)
    assert (as_admin, as_desk, kept.made) == (None, "NLD", 2), "a desk sees its own part, not the admin's summary"
    assert isinstance(uow.clock, FixedClock)
    day = uow.clock.today()
    uow.clock.advance(timedelta(days=1))
    ((*_, next_day, _),), _ = await listed_as(uow, desk("NLD"), kept)
    assert (next_day, kept.made) == (day + timedelta(days=1), 3), "its funding is assessed on the day it is read"


async def test_a_list_keeps_no_more_summaries_than_its_size(uow: FakeUnitOfWork) -> None:
    for item in ("VSRAT", "CV90", "NLAW"):
        await bundle_of(uow, ("NLD", 5), item=item)
    roomy, tight = Snapshots(size=3), Snapshots(size=2)
    for kept in (roomy, tight):
        await listed_as(uow, ADMIN, kept)
        await listed_as(uow, ADMIN, kept)
    # Room for two: the first bundle was let go for the third and is made again, alone.
    assert (roomy.made, tight.made) == (3, 4)


async def test_a_commit_announces_the_order_its_lines_window_and_needs_and_commits_them(uow: FakeUnitOfWork) -> None:
    bundle = await bundle_of(uow, ("NLD", 5), ("NOR", 8))
    view = await bundles.commit_bundle(uow, caller=coordinator("NOR"), bundle_id=bundle.id, lead="NSPA")
    assert view.bundle.status is BundleStatus.COMMITTED and view.nation is None  # its lead sees it in full
    ((topic, order),) = [(t, e) for t, e in uow.published if e.event_type == "demand.joint_order.committed"]
    assert topic == topics.BUNDLES and order.payload.lead == "NSPA" and order.payload.committed_by == "coordinator:NOR"
    by_nation = {need.nation: need.id for need in uow.needs.stored.values()}
    assert [(x.nation, x.quantity, x.need_ids) for x in order.payload.lines] == [
        ("NLD", 5, [by_nation["NLD"]]),
        ("NOR", 8, [by_nation["NOR"]]),
    ]
    assert (order.payload.delivery_window.start, order.payload.total_quantity) == (date(2025, 1, 1), 13)
    assert {n.status for n in uow.needs.stored.values()} == {NeedStatus.COMMITTED}
    assert (await uow.bundles.trail(bundle.id))[-1].reason == "committed as a joint order led by NSPA for 2 nation(s)"


async def test_only_the_lead_commits_and_only_once(uow: FakeUnitOfWork) -> None:
    bundle = await bundle_of(uow, ("NLD", 5), ("NOR", 8))
    with pytest.raises(Forbidden):
        await bundles.commit_bundle(uow, caller=desk("NLD"), bundle_id=bundle.id, lead=None)
    with pytest.raises(NotFound, match=f"bundle {bundle.id} not found"):
        await bundles.commit_bundle(uow, caller=coordinator("DEU"), bundle_id=bundle.id, lead=None)
    await bundles.commit_bundle(uow, caller=coordinator("NOR"), bundle_id=bundle.id, lead=None)
    with pytest.raises(NotAllowedNow, match="already committed"):
        await bundles.commit_bundle(uow, caller=ADMIN, bundle_id=bundle.id, lead=None)
    with pytest.raises(NotFound):
        await bundles.commit_bundle(uow, caller=ADMIN, bundle_id="bundle-nope", lead=None)


async def test_the_needs_of_a_nation_that_declined_are_placed_again_when_the_bundle_commits(
    uow: FakeUnitOfWork,
) -> None:
    bundle = await bundle_of(uow, ("NLD", 100), ("DEU", 300), ("ESP", 50), item="PATRIOT-PAC2")
    lead = coordinator("DEU")
    await bundles.open_for_accession(
        uow, caller=lead, bundle_id=bundle.id, deadline=date(2025, 4, 1), minimum_nations=2
    )
    (opened,) = uow.events("demand.bundle.opened")
    assert opened.payload.nation_count == 3  # counts for industry; names for the desks asked to confirm alone
    assert opened.payload.nations == ["DEU", "ESP", "NLD"]
    for nation, confirm in [("NLD", True), ("DEU", True), ("ESP", False)]:
        await bundles.answer_participation(
            uow, caller=desk(nation), bundle_id=bundle.id, confirm=confirm, quantity=None, funding=None
        )
    await bundles.commit_bundle(uow, caller=lead, bundle_id=bundle.id, lead=None)
    (order,) = uow.events("demand.joint_order.committed")
    assert [x.nation for x in order.payload.lines] == ["DEU", "NLD"]
    spain = next(n for n in uow.needs.stored.values() if n.nation == "ESP")
    assert spain.status is NeedStatus.BUNDLED and spain.bundle_id not in (None, bundle.id)
    assert await uow.bundles.lines(bundle.id, "ESP") == []
    trail = await uow.bundles.trail(bundle.id, "ESP")
    assert [(d.kind, d.reason) for d in trail if d.kind is DecisionKind.REJECTED] == [
        (DecisionKind.REJECTED, "did not confirm")
    ]
    placed_again = await uow.bundles.trail(spain.bundle_id or "")
    assert any(f"bundle {bundle.id} was committed without its nation" in d.reason for d in placed_again)


async def test_a_cancelled_bundle_keeps_its_lines_and_its_needs_bundle_again_elsewhere(uow: FakeUnitOfWork) -> None:
    bundle = await bundle_of(uow, ("NLD", 10), ("NOR", 40), item="NLAW")
    view = await bundles.cancel_bundle(uow, caller=coordinator("NOR"), bundle_id=bundle.id, reason="dropped")
    assert view.bundle.status is BundleStatus.CANCELLED and view.bundle.line_count == 2
    kept, total = await bundles.bundle_lines(
        uow, caller=coordinator("NOR"), bundle_id=bundle.id, nation=None, limit=10, offset=0
    )
    assert sorted(x.nation for x in kept) == ["NLD", "NOR"] and total == 2
    moved = {n.bundle_id for n in uow.needs.stored.values()}
    assert len(moved) == 1 and bundle.id not in moved
    kinds = [d.kind for d in await uow.bundles.trail(bundle.id)]
    assert kinds[-3:] == [DecisionKind.REJECTED, DecisionKind.REJECTED, DecisionKind.CANCELLED]


async def test_a_withdrawal_not_yet_applied_holds_the_commit(uow: FakeUnitOfWork) -> None:
    bundle = await bundle_of(uow, ("NLD", 5), ("NOR", 8))
    nld = next(n for n in uow.needs.stored.values() if n.nation == "NLD")
    await needs.withdraw_need(uow, caller=desk("NLD"), need_id=nld.id, reason=None)
    with pytest.raises(NotAllowedNow, match="was withdrawn; commit once it has left"):
        await bundles.commit_bundle(uow, caller=coordinator("NOR"), bundle_id=bundle.id, lead=None)
    await place_all(uow)
    view = await bundles.commit_bundle(uow, caller=coordinator("NOR"), bundle_id=bundle.id, lead=None)
    assert view.bundle.nations == ["NOR"]


async def test_a_nation_accedes_to_a_committed_framework_and_its_lead_decides(uow: FakeUnitOfWork) -> None:
    yearly = [YearQuantity(2026, 4), YearQuantity(2027, 4)]
    bundle = await bundle_of(uow, ("NLD", None), item="MMR", yearly=yearly)
    await bundles.commit_bundle(uow, caller=coordinator("NLD"), bundle_id=bundle.id, lead=None)
    (framework,) = uow.events("demand.framework.committed")
    assert framework.payload.ceiling_quantity == 8
    with pytest.raises(Forbidden, match="only a nation desk"):
        await bundles.accede(uow, caller=ADMIN, bundle_id=bundle.id, yearly=yearly, budget_ceiling_eur=None)
    view = await bundles.accede(
        uow, caller=desk("NOR"), bundle_id=bundle.id, yearly=[YearQuantity(2027, 1), YearQuantity(2026, 2)],
        budget_ceiling_eur=None,
    )  # fmt: skip
    assert view.nation == "NOR"
    lines = await bundles.bundle_lines(uow, caller=desk("NOR"), bundle_id=bundle.id, nation=None, limit=10, offset=0)
    assert lines == ([], 0)  # an accession adds a share, not lines
    (asked,) = uow.events("demand.accession.confirmed")
    assert [(y.year, y.quantity) for y in asked.payload.yearly] == [(2026, 2), (2027, 1)]
    assert (await uow.bundles.trail(bundle.id, "NOR"))[-1].kind is DecisionKind.ACCESSION_REQUESTED


async def test_a_bundle_is_read_in_full_by_its_lead_and_in_part_by_a_nation_in_it(uow: FakeUnitOfWork) -> None:
    bundle = await bundle_of(uow, ("NLD", 5), ("NOR", 8))
    full = await bundles.read_bundle(uow, caller=coordinator("NOR"), bundle_id=bundle.id)
    part = await bundles.read_bundle(uow, caller=desk("NLD"), bundle_id=bundle.id)
    assert (full.nation, part.nation) == (None, "NLD")
    every, total = await bundles.bundle_lines(
        uow, caller=coordinator("NOR"), bundle_id=bundle.id, nation=None, limit=10, offset=0
    )
    assert (sorted(x.nation for x in every), total) == (["NLD", "NOR"], 2)
    own, total = await bundles.bundle_lines(
        uow, caller=desk("NLD"), bundle_id=bundle.id, nation=None, limit=10, offset=0
    )
    assert ([x.nation for x in own], total) == (["NLD"], 1)
    with pytest.raises(NotFound):
        await bundles.bundle_trail(uow, caller=desk("DEU"), bundle_id=bundle.id, limit=10, offset=0)
    with pytest.raises(NotFound):
        await bundles.bundle_lines(uow, caller=desk("DEU"), bundle_id=bundle.id, nation=None, limit=10, offset=0)
    listed, total = await listed_as(uow, desk("DEU"))
    assert (listed, total) == ([], 0)


async def test_the_lead_runs_the_bundle_each_act_with_its_reason_in_the_trail(uow: FakeUnitOfWork) -> None:
    bundle = await bundle_of(uow, ("NLD", 5), ("NOR", 8))
    lead = coordinator("NOR")
    await bundles.nominate_lead(uow, caller=lead, bundle_id=bundle.id, lead="NSPA")
    agency = coordinator("NSPA")  # the nominated lead runs it now, the nation no longer
    with pytest.raises(Forbidden):
        await bundles.set_sme_share(uow, caller=lead, bundle_id=bundle.id, share=0.2)
    await bundles.set_sme_share(uow, caller=agency, bundle_id=bundle.id, share=0.2)
    await bundles.open_for_accession(
        uow, caller=agency, bundle_id=bundle.id, deadline=date(2025, 4, 1), minimum_nations=1
    )
    await bundles.set_deadline(uow, caller=agency, bundle_id=bundle.id, deadline=date(2025, 3, 1) + timedelta(days=60))
    await bundles.close_bundle(uow, caller=agency, bundle_id=bundle.id, reason="enough")
    kinds = [d.kind for d in await uow.bundles.trail(bundle.id)][-5:]
    assert kinds == [
        DecisionKind.LEAD_NOMINATED,
        DecisionKind.SME_SHARE_PLANNED,
        DecisionKind.OPENED_FOR_ACCESSION,
        DecisionKind.DEADLINE_SET,
        DecisionKind.CLOSED,
    ]
    assert bundle.deadline == date(2025, 4, 30) and bundle.closed_reason == "enough"


async def test_a_bundles_lines_are_read_a_page_at_a_time_and_a_desk_reads_its_own_only(uow: FakeUnitOfWork) -> None:
    bundle = await bundle_of(uow, ("NLD", 1), ("NOR", 2), ("NLD", 3), ("NOR", 4), ("NLD", 5))
    lead = coordinator("NLD")  # the largest share

    async def pages(caller: Caller, nation: str | None = None) -> tuple[list[int], int]:
        read: list[int] = []
        totals = set()
        for offset in range(0, 6, 2):
            page, total = await bundles.bundle_lines(
                uow, caller=caller, bundle_id=bundle.id, nation=nation, limit=2, offset=offset
            )
            assert len(page) <= 2
            read += [x.quantity for x in page]
            totals.add(total)
        (total,) = totals
        return read, total

    assert await pages(lead) == ([1, 2, 3, 4, 5], 5)  # in the order the needs were registered
    assert await pages(lead, "NOR") == ([2, 4], 2)
    assert await pages(desk("NOR")) == ([2, 4], 2)
    assert await pages(desk("NOR"), "NOR") == ([2, 4], 2)
    assert await pages(desk("NOR"), "NLD") == ([], 0)  # another nation's lines are not its to read


async def test_a_bundles_trail_is_read_a_page_at_a_time_a_desk_its_own_and_the_bundle_wide_entries(
    uow: FakeUnitOfWork,
) -> None:
    bundle = await bundle_of(uow, ("NLD", 5), ("NOR", 8))
    lead = coordinator("NOR")
    await bundles.set_sme_share(uow, caller=lead, bundle_id=bundle.id, share=0.2)
    everything = list(await uow.bundles.trail(bundle.id))
    seen_by_nld = [d for d in everything if d.nation in (None, "NLD")]
    assert len(seen_by_nld) < len(everything)
    for caller, expected in ((lead, everything), (desk("NLD"), seen_by_nld)):
        first, total = await bundles.bundle_trail(uow, caller=caller, bundle_id=bundle.id, limit=1, offset=0)
        rest, again = await bundles.bundle_trail(uow, caller=caller, bundle_id=bundle.id, limit=100, offset=1)
        assert ([*first, *rest], total, again) == (expected, len(expected), len(expected))


async def test_the_nations_still_silent_are_reminded_once_as_the_deadline_draws_near(uow: FakeUnitOfWork) -> None:
    bundle = await bundle_of(uow, ("NLD", 100), ("DEU", 300), ("ESP", 50), item="PATRIOT-PAC2")
    today = uow.clock.today()
    deadline = today + timedelta(days=20)
    lead = coordinator("DEU")
    await bundles.open_for_accession(uow, caller=lead, bundle_id=bundle.id, deadline=deadline, minimum_nations=2)
    await bundles.answer_participation(
        uow, caller=desk("DEU"), bundle_id=bundle.id, confirm=True, quantity=None, funding=None
    )
    assert await bundles.remind_deadlines(uow, days_ahead=7) == 0  # twenty days left
    assert isinstance(uow.clock, FixedClock)
    uow.clock.advance(timedelta(days=14))  # six left
    assert await bundles.remind_deadlines(uow, days_ahead=7) == 1
    assert await bundles.remind_deadlines(uow, days_ahead=7) == 0  # once per deadline
    (reminder,) = uow.events("demand.bundle.deadline_nearing")
    assert (reminder.payload.nations, reminder.payload.accession_deadline) == (["ESP", "NLD"], deadline)

    await bundles.set_deadline(uow, caller=lead, bundle_id=bundle.id, deadline=deadline + timedelta(days=1))
    await bundles.answer_participation(
        uow, caller=desk("NLD"), bundle_id=bundle.id, confirm=False, quantity=None, funding=None
    )
    assert await bundles.remind_deadlines(uow, days_ahead=7) == 1  # a moved deadline: reminded again
    assert uow.events("demand.bundle.deadline_nearing")[-1].payload.nations == ["ESP"]  # NLD answered
