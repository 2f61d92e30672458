"""Coordinator and desk actions on a bundle: open it for accession, confirm or decline,
commit it as a joint order or framework contract, accede later, nominate the lead, move
the deadline, close or cancel. Each one leaves a reason in the bundle's trail."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Generic, TypeVar

from bundling_shared.errors import NotFound, again_if_changed
from demand.domain.access import Action, Caller, Relation, acting_nation, authorise, seen_by, to_bundle, view_of
from demand.domain.bundle import Bundle, Decision, DecisionKind, ListedLine
from demand.domain.capacity import ItemCapacity
from demand.domain.need import NeedFacts, YearQuantity
from demand.domain.pledge import PledgeTotals
from demand.service_layer import events
from demand.service_layer.aggregator import place_again
from demand.service_layer.capacity import capacity_of_item
from demand.service_layer.unit_of_work import BundleFilter, ListedBundle, UnitOfWork

S = TypeVar("S")


@dataclass(frozen=True)
class BundleView:
    """A bundle as one reader may see it: with `nation` set, that nation's part only. Its
    lines grow with its needs and are read a page at a time (`bundle_lines`)."""

    bundle: Bundle
    nation: str | None
    today: date  # the day its funding is assessed on, unless committed (its verdicts are kept)
    money: PledgeTotals | None = None  # its pledges' totals, where read
    capacity: ItemCapacity | None = None  # its item's declared lines over its window, where read


async def _allowed(uow: UnitOfWork, caller: Caller, bundle_id: str, action: Action) -> tuple[Bundle, Relation]:
    """The bundle if the table allows `caller` this `action` on it, and how the caller
    stands to it: absent and hidden answer alike."""
    bundle = await uow.bundles.get(bundle_id)
    if bundle is None:
        raise NotFound(f"bundle {bundle_id} not found")
    relation = to_bundle(caller, bundle)
    authorise(caller, action, relation, f"bundle {bundle_id}")
    return bundle, relation


def _view(uow: UnitOfWork, bundle: Bundle, caller: Caller, relation: Relation | None = None) -> BundleView:
    """`relation` as the caller stood to the bundle when it acted (a lead handing the
    bundle on sees the result of its act), otherwise as it stands now."""
    return BundleView(bundle, view_of(caller, relation or to_bundle(caller, bundle)), uow.clock.now().date())


async def read_bundle(uow: UnitOfWork, *, caller: Caller, bundle_id: str) -> BundleView:
    """The bundle with its money side (the totals of the pledges to it) and its item's
    declared capacity over its delivery window."""
    async with uow:
        bundle, relation = await _allowed(uow, caller, bundle_id, Action.READ_BUNDLE)
        years = range(bundle.window_start.year, bundle.window_end.year + 1)
        return replace(
            _view(uow, bundle, caller, relation),
            money=await uow.pledges.totals(bundle_id=bundle.id),
            capacity=await capacity_of_item(uow, bundle.item_code, years),
        )


async def bundle_lines(
    uow: UnitOfWork, *, caller: Caller, bundle_id: str, nation: str | None, limit: int, offset: int
) -> tuple[Sequence[ListedLine], int]:
    """A page of the bundle's lines, of `nation` if given, and how many there are. One not
    reading the bundle in full reads its own nation's lines only: asking for another
    nation's finds none."""
    async with uow:
        _, relation = await _allowed(uow, caller, bundle_id, Action.READ_BUNDLE)
        own = view_of(caller, relation)
        if own is not None and nation not in (None, own):
            return [], 0
        nation = own or nation
        return await uow.bundles.lines_page(bundle_id, nation, limit, offset)


async def bundle_trail(
    uow: UnitOfWork, *, caller: Caller, bundle_id: str, limit: int, offset: int
) -> tuple[Sequence[Decision], int]:
    """A page of the decisions on the bundle, oldest first, and how many there are; one not
    reading it in full gets the bundle-wide ones and its own nation's."""
    async with uow:
        _, relation = await _allowed(uow, caller, bundle_id, Action.READ_BUNDLE)
        nation = view_of(caller, relation)
        return await uow.bundles.trail_page(bundle_id, nation, limit, offset)


class Summaries(Generic[S]):
    """The bundles of lists as each caller may see them, made once per state of a bundle:
    a board reads the same pages again and again, and between two reads few of their
    bundles change. A bundle's summary is made from the bundle alone, as the caller stands
    to it, on one day (its funding is assessed on the day): it is kept under the bundle's
    `ListedBundle` (what changes a bundle changes that), the caller's role, nation and
    organisation, and the day. The least recently read are let go beyond `size`."""

    def __init__(self, summarise: Callable[[BundleView], S], size: int = 2_048) -> None:
        self._summarise = summarise
        self._size = size
        self._kept: OrderedDict[Hashable, S] = OrderedDict()

    def known(self, key: Hashable) -> S | None:
        summary = self._kept.get(key)
        if summary is not None:
            self._kept.move_to_end(key)
        return summary

    def made(self, key: Hashable, view: BundleView) -> S:
        summary = self._kept[key] = self._summarise(view)
        if len(self._kept) > self._size:
            self._kept.popitem(last=False)
        return summary


async def list_bundles(
    uow: UnitOfWork, *, caller: Caller, f: BundleFilter, limit: int, offset: int, summaries: Summaries[S]
) -> tuple[list[S], int]:
    """The bundles `caller` may read one by one, each as it may see it, and how many there
    are. Only the bundles of the page not summarised in that state before are read."""
    f = replace(f, seen_by=seen_by(caller, Action.READ_BUNDLE))
    async with uow:
        # Counted first: what a unit of work holds is written before each read, and after
        # the page is read that is its bundles' shares, compared with how they were read.
        total = await uow.bundles.count(f)
        today = uow.clock.now().date()
        who = (caller.role, caller.nation, caller.organisation, today)
        page = await uow.bundles.listed(f, limit, offset)
        known = {b.id: summaries.known((b, *who)) for b in page}
        unknown = [bundle_id for bundle_id, summary in known.items() if summary is None]
        if unknown:
            for bundle in (await uow.bundles.get_many(unknown)).values():
                # Kept as read: the page may have been read a moment before it changed.
                key = (ListedBundle(bundle.id, bundle.revision, bundle.contracting_problem), *who)
                known[bundle.id] = summaries.made(key, _view(uow, bundle, caller))
        return [summary for summary in known.values() if summary is not None], total


async def _act(
    uow: UnitOfWork,
    caller: Caller,
    bundle_id: str,
    permission: Action,
    kind: DecisionKind,
    act: Callable[[Bundle], str],
    nation: str | None = None,
) -> BundleView:
    """One act of the bundle's own rules, recorded in its trail with the reason it gives.
    Acts of several desks on one bundle at once (nations confirming before a deadline) do
    not refuse each other: each claims the bundle before reading it and they take turns;
    one whose bundle changed meanwhile all the same is tried again on the bundle as it is
    now, and its rules are checked again."""

    async def attempt() -> BundleView:
        async with uow:
            await uow.bundles.claim(bundle_id)
            bundle, relation = await _allowed(uow, caller, bundle_id, permission)
            reason = act(bundle)
            uow.bundles.record(Decision(bundle.id, kind, reason, uow.clock.now(), nation=nation))
            await uow.commit()
            return _view(uow, bundle, caller, relation)

    return await again_if_changed(attempt)


async def nominate_lead(uow: UnitOfWork, *, caller: Caller, bundle_id: str, lead: str) -> BundleView:
    now = uow.clock.now()
    return await _act(
        uow, caller, bundle_id, Action.NOMINATE_LEAD, DecisionKind.LEAD_NOMINATED, lambda b: b.nominate(lead, now)
    )


async def set_deadline(uow: UnitOfWork, *, caller: Caller, bundle_id: str, deadline: date) -> BundleView:
    today, now = uow.clock.today(), uow.clock.now()
    return await _act(
        uow,
        caller,
        bundle_id,
        Action.SET_DEADLINE,
        DecisionKind.DEADLINE_SET,
        lambda b: b.set_deadline(deadline, today, now),
    )


async def close_bundle(uow: UnitOfWork, *, caller: Caller, bundle_id: str, reason: str) -> BundleView:
    now = uow.clock.now()
    return await _act(uow, caller, bundle_id, Action.CLOSE, DecisionKind.CLOSED, lambda b: b.close(reason, now))


async def set_sme_share(uow: UnitOfWork, *, caller: Caller, bundle_id: str, share: float) -> BundleView:
    now = uow.clock.now()
    return await _act(
        uow,
        caller,
        bundle_id,
        Action.PLAN_SME_SHARE,
        DecisionKind.SME_SHARE_PLANNED,
        lambda b: b.plan_sme_share(share, now),
    )


async def estimate_unit_price(uow: UnitOfWork, *, caller: Caller, bundle_id: str, price_eur: Decimal) -> BundleView:
    now = uow.clock.now()
    return await _act(
        uow,
        caller,
        bundle_id,
        Action.ESTIMATE_UNIT_PRICE,
        DecisionKind.UNIT_PRICE_ESTIMATED,
        lambda b: b.estimate_unit_price(price_eur, now),
    )


async def answer_participation(
    uow: UnitOfWork, *, caller: Caller, bundle_id: str, confirm: bool, quantity: int | None, funding: str | None
) -> BundleView:
    """A desk confirms or declines for its own nation; only a desk is allowed by the table."""
    today, now = uow.clock.today(), uow.clock.now()
    return await _act(
        uow,
        caller,
        bundle_id,
        Action.ANSWER_PARTICIPATION,
        DecisionKind.CONFIRMED if confirm else DecisionKind.DECLINED,
        lambda b: b.answer(
            acting_nation(caller), confirm=confirm, quantity=quantity, funding=funding, today=today, now=now
        ),
        nation=caller.nation,
    )


async def open_for_accession(
    uow: UnitOfWork, *, caller: Caller, bundle_id: str, deadline: date, minimum_nations: int
) -> BundleView:
    """Industry hears of the bundle once it opens, without per-nation detail."""
    async with uow:
        bundle, relation = await _allowed(uow, caller, bundle_id, Action.OPEN_FOR_ACCESSION)
        now = uow.clock.now()
        reason = bundle.open_for_accession(
            deadline=deadline, minimum_nations=minimum_nations, today=uow.clock.today(), now=now
        )
        uow.bundles.record(Decision(bundle.id, DecisionKind.OPENED_FOR_ACCESSION, reason, now))
        await events.bundle_opened(uow, bundle)
        await uow.commit()
        return _view(uow, bundle, caller, relation)


async def _hold_item(uow: UnitOfWork, bundle: Bundle) -> None:
    """The item's opening lock, before the first write: placing released needs again may
    open a bundle, and an aggregator's batch takes this lock before it writes bundle rows
    (taken the other way round, the two could wait for each other)."""
    await uow.bundles.hold_openings(bundle.item_code)


async def _place_again(uow: UnitOfWork, needs: list[NeedFacts], why: str, now: datetime) -> None:
    """Released needs are still demand: they bundle again at once, as a need event would."""
    for need in needs:
        await place_again(need, uow, why, now)


async def cancel_bundle(uow: UnitOfWork, *, caller: Caller, bundle_id: str, reason: str) -> BundleView:
    """The bundle keeps its lines as the record of what was cancelled; its needs are
    placed again, among the item's other bundles or in a new one."""
    async with uow:
        bundle, relation = await _allowed(uow, caller, bundle_id, Action.CANCEL)
        await _hold_item(uow, bundle)
        now = uow.clock.now()
        text = bundle.cancel(reason, now)
        why = f"bundle {bundle.id} was cancelled: {reason}"
        lines = await uow.bundles.lines(bundle.id)
        released = bundle.release(lines, await uow.needs.get_many([x.need_id for x in lines]), why, now, leave=False)
        for decision in [*released.decisions, Decision(bundle.id, DecisionKind.CANCELLED, text, now)]:
            uow.bundles.record(decision)
        await _place_again(uow, released.wanted, why, now)
        await uow.commit()
        return _view(uow, bundle, caller, relation)


async def commit_bundle(uow: UnitOfWork, *, caller: Caller, bundle_id: str, lead: str | None) -> BundleView:
    """Commit as one joint order (one-off demand) or framework contract (multi-year
    demand); the needs of nations that did not take part are placed again."""
    async with uow:
        bundle, relation = await _allowed(uow, caller, bundle_id, Action.COMMIT)
        await _hold_item(uow, bundle)
        now = uow.clock.now()
        lines = await uow.bundles.lines(bundle.id)
        needs = await uow.needs.get_many([x.need_id for x in lines])
        order = bundle.commit(lead=lead, committed_by=caller.subject, lines=lines, needs=needs, now=now)
        for line in order.release.left:
            await uow.bundles.remove_line(line)
        await events.committed(uow, bundle, order)
        for decision in order.release.decisions:
            uow.bundles.record(decision)
        await _place_again(uow, order.release.wanted, f"bundle {bundle.id} was committed without its nation", now)
        await uow.commit()
        return _view(uow, bundle, caller, relation)


async def accede(
    uow: UnitOfWork, *, caller: Caller, bundle_id: str, yearly: list[YearQuantity], budget_ceiling_eur: Decimal | None
) -> BundleView:
    """A nation asks to order under a committed framework contract it was not part of; the
    contracts service tells when the lead let it in (`accession_decided`)."""
    nation = acting_nation(caller)
    async with uow:
        bundle = await uow.bundles.get(bundle_id)
        share = bundle.share(nation) if bundle else None
        if bundle is None or (share is None and not bundle.accession_open):
            raise NotFound(f"bundle {bundle_id} not found")
        now = uow.clock.now()
        share = bundle.accede(nation, yearly, budget_ceiling_eur, uow.clock.today(), now)
        uow.bundles.record(
            Decision(
                bundle.id,
                DecisionKind.ACCESSION_REQUESTED,
                f"{nation} asked to accede to the framework contract led by {bundle.lead}, who decides",
                now,
                nation=nation,
            )
        )
        await events.accession_confirmed(uow, bundle, share, budget_ceiling_eur)
        await uow.commit()
        return BundleView(bundle, nation, uow.clock.now().date())


async def remind_deadlines(uow: UnitOfWork, *, days_ahead: int) -> int:
    """The nations asked to confirm an open bundle and silent while its deadline draws near
    are reminded, once per deadline; returns how many bundles' nations were."""
    async with uow:
        today = uow.clock.today()
        reminded = 0
        for bundle in await uow.bundles.nearing_deadline(today, today + timedelta(days=days_ahead)):
            waiting = bundle.remind(today, days_ahead)
            if waiting:
                await events.deadline_nearing(uow, bundle, waiting)
                reminded += 1
        if reminded:
            await uow.commit()
    return reminded
