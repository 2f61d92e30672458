"""Coordinator and desk actions on a bundle: open it for accession, confirm or decline,
commit it as a joint order or framework contract, accede later, nominate the lead, move
the deadline, close or cancel. Each one leaves a reason in the bundle's trail."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal

from bundling_shared import topics
from bundling_shared.events.demand import (
    AccessionConfirmedPayload,
    AccessionConfirmedV1,
    BundleOpenedPayload,
    BundleOpenedV1,
    DeliveryWindow,
    FrameworkCommittedPayload,
    FrameworkCommittedV1,
    FrameworkParticipant,
    FundingAssessment,
    JointOrderCommittedPayload,
    JointOrderCommittedV1,
    JointOrderLine,
    YearlyQuantity,
)
from demand.domain.access import Action, Caller, Relation, authorise, to_bundle, view_of
from demand.domain.bundle import Bundle, BundleKind, BundleLine, Decision, DecisionKind, Share
from demand.domain.errors import NotAllowedNow
from demand.domain.model import Need, NeedStatus, YearQuantity
from demand.service_layer.aggregator import place_again
from demand.service_layer.common import PRODUCER, NotFound, seen_by
from demand.service_layer.unit_of_work import BundleFilter, UnitOfWork


async def _bundle(bundle_id: str, uow: UnitOfWork, caller: Caller, action: Action) -> Bundle:
    """The bundle if the table allows `caller` this `action` on it: absent and hidden
    answer alike."""
    return (await _allowed(bundle_id, uow, caller, action))[0]


async def _allowed(bundle_id: str, uow: UnitOfWork, caller: Caller, action: Action) -> tuple[Bundle, Relation]:
    bundle = await uow.bundles.get(bundle_id)
    if bundle is None:
        raise NotFound(f"bundle {bundle_id} not found")
    relation = to_bundle(caller, bundle)
    authorise(caller, action, relation, f"bundle {bundle_id}")
    return bundle, relation


@dataclass(frozen=True)
class BundleView:
    """A bundle as one reader may see it: with `nation` set, that nation's lines only."""

    bundle: Bundle
    lines: Sequence[BundleLine]
    nation: str | None


async def read_bundle(bundle_id: str, caller: Caller, uow: UnitOfWork) -> BundleView:
    async with uow:
        bundle = await _bundle(bundle_id, uow, caller, Action.READ_BUNDLE)
        return await _view(bundle, caller, uow)


async def _view(bundle: Bundle, caller: Caller, uow: UnitOfWork, relation: Relation | None = None) -> BundleView:
    """`relation` as the caller stood to the bundle when it acted (a lead handing the
    bundle on sees the result of its act), otherwise as it stands now."""
    nation = view_of(caller, relation or to_bundle(caller, bundle))
    return BundleView(bundle, await uow.bundles.lines(bundle.id, nation), nation)


async def bundle_trail(bundle_id: str, caller: Caller, uow: UnitOfWork) -> Sequence[Decision]:
    """Every decision on the bundle; one not reading it in full gets the bundle-wide ones
    and its own nation's."""
    async with uow:
        bundle = await _bundle(bundle_id, uow, caller, Action.READ_BUNDLE)
        return await uow.bundles.trail(bundle_id, view_of(caller, to_bundle(caller, bundle)))


async def list_bundles(f: BundleFilter, caller: Caller, limit: int, offset: int, uow: UnitOfWork) -> Page:
    f = replace(f, seen_by=seen_by(caller, Action.READ_BUNDLE))
    async with uow:
        found = await uow.bundles.list(f, limit, offset)
        total = await uow.bundles.count(f)
        return Page([await _view(b, caller, uow) for b in found], total)


@dataclass(frozen=True)
class Page:
    views: list[BundleView]
    total: int


def funding_of(bundle: Bundle) -> list[FundingAssessment]:
    return [
        FundingAssessment(
            instrument=a.instrument, qualifies=a.qualifies, reason=a.reason, co_funding_rate=a.co_funding_rate
        )
        for a in bundle.funding()
    ]


async def _act(
    bundle_id: str,
    uow: UnitOfWork,
    caller: Caller,
    permission: Action,
    kind: DecisionKind,
    action: Callable[[Bundle], str],
    nation: str | None = None,
) -> BundleView:
    async with uow:
        bundle, relation = await _allowed(bundle_id, uow, caller, permission)
        reason = action(bundle)
        uow.bundles.record(Decision(bundle.id, kind, reason, uow.clock.now(), nation=nation))
        await uow.commit()
        return await _view(bundle, caller, uow, relation)


async def nominate_lead(bundle_id: str, lead: str, caller: Caller, uow: UnitOfWork) -> BundleView:
    return await _act(
        bundle_id,
        uow,
        caller,
        Action.NOMINATE_LEAD,
        DecisionKind.LEAD_NOMINATED,
        lambda b: b.nominate(lead, uow.clock.now()),
    )


async def set_deadline(bundle_id: str, deadline: date, caller: Caller, uow: UnitOfWork) -> BundleView:
    return await _act(
        bundle_id,
        uow,
        caller,
        Action.SET_DEADLINE,
        DecisionKind.DEADLINE_SET,
        lambda b: b.set_deadline(deadline, uow.clock.today(), uow.clock.now()),
    )


async def close_bundle(bundle_id: str, reason: str, caller: Caller, uow: UnitOfWork) -> BundleView:
    return await _act(
        bundle_id, uow, caller, Action.CLOSE, DecisionKind.CLOSED, lambda b: b.close(reason, uow.clock.now())
    )


async def cancel_bundle(bundle_id: str, reason: str, caller: Caller, uow: UnitOfWork) -> BundleView:
    """The bundle keeps its lines as the record of what was cancelled; its needs are
    placed again, among the item's other bundles or in a new one."""
    async with uow:
        bundle, relation = await _allowed(bundle_id, uow, caller, Action.CANCEL)
        await _hold_item(bundle, uow)
        now = uow.clock.now()
        text = bundle.cancel(reason, now)
        why = f"bundle {bundle.id} was cancelled: {reason}"
        released = await _release(bundle, [s.nation for s in bundle.shares], uow, why, now, leave=False)
        uow.bundles.record(Decision(bundle.id, DecisionKind.CANCELLED, text, now))
        await _place_again(released, uow, why, now)
        await uow.commit()
        return await _view(bundle, caller, uow, relation)


async def set_sme_share(bundle_id: str, share: float, caller: Caller, uow: UnitOfWork) -> BundleView:
    return await _act(
        bundle_id,
        uow,
        caller,
        Action.PLAN_SME_SHARE,
        DecisionKind.SME_SHARE_PLANNED,
        lambda b: b.plan_sme_share(share, uow.clock.now()),
    )


async def open_for_accession(
    bundle_id: str, deadline: date, minimum_nations: int, caller: Caller, uow: UnitOfWork
) -> BundleView:
    async with uow:
        bundle, relation = await _allowed(bundle_id, uow, caller, Action.OPEN_FOR_ACCESSION)
        reason = bundle.open_for_accession(
            deadline=deadline, minimum_nations=minimum_nations, today=uow.clock.today(), now=uow.clock.now()
        )
        uow.bundles.record(Decision(bundle.id, DecisionKind.OPENED_FOR_ACCESSION, reason, uow.clock.now()))
        # What industry may learn: totals and the number of nations, no per-nation detail.
        await uow.emit(
            topics.BUNDLES,
            BundleOpenedV1.create(
                BundleOpenedPayload(
                    bundle_id=bundle.id,
                    item_code=bundle.item_code,
                    kind=bundle.kind.value,
                    total_quantity=bundle.total_quantity,
                    nation_count=len(bundle.nations),
                    delivery_window=DeliveryWindow(start=bundle.window_start, end=bundle.window_end),
                    accession_deadline=bundle.deadline,
                    lead=bundle.proposed_lead,
                    funding=funding_of(bundle),
                    specification_ref=bundle.specification_ref,
                ),
                aggregate_id=bundle.id,
                producer=PRODUCER,
            ),
        )
        await uow.commit()
        return await _view(bundle, caller, uow, relation)


@dataclass(frozen=True)
class Answer:
    bundle_id: str
    caller: Caller
    confirm: bool
    quantity: int | None = None
    funding_instrument: str | None = None

    @property
    def nation(self) -> str:
        assert self.caller.nation is not None  # only a desk answers, for its own nation
        return self.caller.nation


async def answer_participation(cmd: Answer, uow: UnitOfWork) -> BundleView:
    return await _act(
        cmd.bundle_id,
        uow,
        cmd.caller,
        Action.ANSWER_PARTICIPATION,
        DecisionKind.CONFIRMED if cmd.confirm else DecisionKind.DECLINED,
        lambda b: b.answer(
            cmd.nation,
            confirm=cmd.confirm,
            quantity=cmd.quantity,
            funding=cmd.funding_instrument,
            today=uow.clock.today(),
            now=uow.clock.now(),
        ),
        nation=cmd.caller.nation,
    )


async def _release(
    bundle: Bundle, nations: list[str], uow: UnitOfWork, reason: str, now: datetime, *, leave: bool
) -> list[Need]:
    """The needs of these nations are out of the bundle, each with the reason in its
    trail; with `leave` their lines leave it too, so that its totals are those of the
    others. Returns those still wanted (submitted, to be placed again); a need withdrawn
    meanwhile stays withdrawn."""
    released = []
    for nation in nations:
        lines = await uow.bundles.lines(bundle.id, nation)
        needs = await uow.needs.get_many([line.need_id for line in lines])
        for line in lines:
            if leave:
                bundle.leave(line, now)
                await uow.bundles.remove_line(line)
            need = needs.get(line.need_id)
            if need is not None and need.bundle_id == bundle.id:
                need.bundle_id = None
                if need.status in (NeedStatus.SUBMITTED, NeedStatus.BUNDLED):
                    need.status = NeedStatus.SUBMITTED
                    released.append(need)
            uow.bundles.record(
                Decision(bundle.id, DecisionKind.REJECTED, reason, now, need_id=line.need_id, nation=nation)
            )
    return released


async def _place_again(needs: list[Need], uow: UnitOfWork, why: str, now: datetime) -> None:
    """Released needs are still demand: they bundle again at once, as a need event would."""
    for need in needs:
        await place_again(need, uow, why, now)


async def _hold_item(bundle: Bundle, uow: UnitOfWork) -> None:
    """The item's opening lock, before the first write: placing released needs again may
    open a bundle, and an aggregator's batch takes this lock before it writes bundle rows
    (taken the other way round, the two could wait for each other)."""
    await uow.bundles.hold_openings(bundle.item_code)


@dataclass(frozen=True)
class CommitBundle:
    bundle_id: str
    lead: str | None
    committed_by: str
    caller: Caller


async def commit_bundle(cmd: CommitBundle, uow: UnitOfWork) -> BundleView:
    async with uow:
        bundle, relation = await _allowed(cmd.bundle_id, uow, cmd.caller, Action.COMMIT)
        await _hold_item(bundle, uow)
        now = uow.clock.now()
        part = {s.nation for s in bundle.participants()}
        ordered = {nation: await uow.bundles.lines(bundle.id, nation) for nation in sorted(part)}
        needs = await uow.needs.get_many([line.need_id for lines in ordered.values() for line in lines])
        for need in needs.values():
            if need.status is NeedStatus.WITHDRAWN:  # the aggregator has yet to take it out
                raise NotAllowedNow(f"need {need.id} of {need.nation} was withdrawn; commit once it has left")
        others = [s.nation for s in bundle.shares if s.nation not in part]
        released = await _release(bundle, others, uow, "did not confirm", now, leave=True)
        taking_part = bundle.commit(lead=cmd.lead, committed_by=cmd.committed_by, now=now)
        assert bundle.lead is not None
        need_ids: dict[str, list[str]] = {}
        starts, ends = [], []
        for nation, lines in ordered.items():
            for line in lines:
                need_ids.setdefault(nation, []).append(line.need_id)
                starts.append(line.window_start)
                ends.append(line.window_end)
                if (ordering := needs.get(line.need_id)) is not None:
                    ordering.status = NeedStatus.COMMITTED
        event: JointOrderCommittedV1 | FrameworkCommittedV1
        if bundle.kind is BundleKind.FRAMEWORK_CONTRACT:
            event = _framework_committed(bundle, taking_part, need_ids, cmd.committed_by)
        else:
            event = JointOrderCommittedV1.create(
                JointOrderCommittedPayload(
                    bundle_id=bundle.id,
                    item_code=bundle.item_code,
                    lead=bundle.lead,
                    lines=[
                        JointOrderLine(
                            nation=s.nation, quantity=bundle.ordered_quantity(s), need_ids=need_ids[s.nation]
                        )
                        for s in sorted(taking_part, key=lambda s: s.nation)
                    ],
                    total_quantity=sum(bundle.ordered_quantity(s) for s in taking_part),
                    delivery_window=DeliveryWindow(start=min(starts), end=max(ends)),
                    committed_by=cmd.committed_by,
                ),
                aggregate_id=bundle.id,
                producer=PRODUCER,
            )
        await uow.emit(topics.BUNDLES, event)
        what = "a framework contract" if bundle.kind is BundleKind.FRAMEWORK_CONTRACT else "a joint order"
        uow.bundles.record(
            Decision(
                bundle.id,
                DecisionKind.COMMITTED,
                f"committed as {what} led by {bundle.lead} for {len(part)} nation(s)",
                now,
            )
        )
        await _place_again(released, uow, f"bundle {bundle.id} was committed without its nation", now)
        await uow.commit()
        return await _view(bundle, cmd.caller, uow, relation)


def _yearly(share: Share) -> list[YearlyQuantity]:
    return [YearlyQuantity(year=y.year, quantity=y.quantity) for y in share.yearly]


def _framework_committed(
    bundle: Bundle, taking_part: list[Share], need_ids: dict[str, list[str]], committed_by: str
) -> FrameworkCommittedV1:
    assert bundle.lead is not None
    terms = bundle.framework_terms()  # its shares are those taking part, once committed
    assert terms is not None
    ceiling, start, end = terms
    value = sum((s.value_eur for s in taking_part), Decimal(0))
    event: FrameworkCommittedV1 = FrameworkCommittedV1.create(
        FrameworkCommittedPayload(
            bundle_id=bundle.id,
            item_code=bundle.item_code,
            lead=bundle.lead,
            participants=[
                FrameworkParticipant(nation=s.nation, yearly=_yearly(s), need_ids=need_ids.get(s.nation, []))
                for s in sorted(taking_part, key=lambda s: s.nation)
            ],
            ceiling_quantity=ceiling,
            ceiling_value_eur=float(value) if value else None,
            ceiling_value=value if value else None,
            start=start,
            end=end,
            specification_ref=bundle.specification_ref,
            committed_by=committed_by,
        ),
        aggregate_id=bundle.id,
        producer=PRODUCER,
    )
    return event


@dataclass(frozen=True)
class Accede:
    bundle_id: str
    nation: str
    yearly: list[YearQuantity]
    budget_ceiling_eur: Decimal | None = None


async def accede(cmd: Accede, uow: UnitOfWork) -> Bundle:
    """A nation asks to order under a committed framework contract it was not part of; the
    contracts service tells when the lead let it in (`accession_decided`)."""
    async with uow:
        bundle = await uow.bundles.get(cmd.bundle_id)
        share = bundle.share(cmd.nation) if bundle else None
        if bundle is None or (share is None and not bundle.accession_open):
            raise NotFound(f"bundle {cmd.bundle_id} not found")
        share = bundle.accede(cmd.nation, cmd.yearly, cmd.budget_ceiling_eur, uow.clock.today(), uow.clock.now())
        uow.bundles.record(
            Decision(
                bundle.id,
                DecisionKind.ACCESSION_REQUESTED,
                f"{cmd.nation} asked to accede to the framework contract led by {bundle.lead}, who decides",
                uow.clock.now(),
                nation=cmd.nation,
            )
        )
        await uow.emit(
            topics.BUNDLES,
            AccessionConfirmedV1.create(
                AccessionConfirmedPayload(
                    bundle_id=bundle.id,
                    item_code=bundle.item_code,
                    nation=cmd.nation,
                    yearly=_yearly(share),
                    budget_ceiling_eur=float(cmd.budget_ceiling_eur) if cmd.budget_ceiling_eur else None,
                    budget_ceiling=cmd.budget_ceiling_eur or None,
                ),
                aggregate_id=bundle.id,
                producer=PRODUCER,
                nation=cmd.nation,
            ),
        )
        await uow.commit()
    return bundle
