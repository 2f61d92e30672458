"""The events the demand service stages in its outbox, built from the domain.

What a nation's desk does to its needs goes to `demand.needs`, keyed by need, where the
aggregator places them; everything the bundling engine and the coordinators decide goes to
`demand.bundles`, keyed by bundle (a need set aside: by need), for the contracts and
notifications services. What industry may learn of a bundle (`bundle_opened`) carries
totals and counts, never one nation's quantity or budget.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from pydantic import BaseModel

from bundling_shared import topics
from bundling_shared.copying import copied
from bundling_shared.events.demand import (
    AccessionConfirmedPayload,
    AccessionConfirmedV1,
    BundleOpenedPayload,
    BundleOpenedV1,
    BundleUpdatedV2,
    BundleUpdatedV2Payload,
    CapacityUnlockedPayload,
    CapacityUnlockedV1,
    DeadlineNearingPayload,
    DeadlineNearingV1,
    DeliveryWindow,
    FrameworkCommittedPayload,
    FrameworkCommittedV1,
    FrameworkParticipant,
    FundClosedV1,
    FundingAssessment,
    FundOpenedV1,
    FundPayload,
    HarmonisationProposedPayload,
    HarmonisationProposedV1,
    JointOrderCommittedPayload,
    JointOrderCommittedV1,
    JointOrderLine,
    NationalDeviation,
    NationTotal,
    NeedAmendedPayload,
    NeedAmendedV1,
    NeedRegisteredPayload,
    NeedRegisteredV1,
    NeedUnplaceablePayload,
    NeedUnplaceableV1,
    NeedWithdrawnPayload,
    NeedWithdrawnV1,
    PledgeConfirmedV1,
    PledgeMadeV1,
    PledgePaidV1,
    PledgePayload,
    PledgeWithdrawnV1,
    YearlyQuantity,
)
from bundling_shared.events.envelope import EventEnvelope
from demand.domain.bundle import BundleKind, BundleState, CommittedOrder, Share
from demand.domain.bundling import incompatible
from demand.domain.capacity import DeclaredLine
from demand.domain.fund import Fund
from demand.domain.need import Need, NeedFacts, YearQuantity
from demand.domain.pledge import Pledge, PledgeStatus
from demand.service_layer.unit_of_work import UnitOfWork

PRODUCER = "demand"

Kind = type[EventEnvelope[Any]]

NEED_EVENTS: frozenset[Kind] = frozenset({NeedRegisteredV1, NeedAmendedV1, NeedWithdrawnV1})


async def _emit(
    uow: UnitOfWork,
    event: Kind,
    payload: BaseModel,
    *,
    aggregate_id: str,
    nation: str | None = None,
    organisation: str | None = None,
) -> None:
    topic = topics.NEEDS if event in NEED_EVENTS else topics.BUNDLES
    created = event.create(
        payload, aggregate_id=aggregate_id, producer=PRODUCER, nation=nation, organisation=organisation
    )
    await uow.emit(topic, created)


def _window(bundle: BundleState) -> DeliveryWindow:
    return DeliveryWindow(start=bundle.window_start, end=bundle.window_end)


def _yearly(yearly: Sequence[YearQuantity]) -> list[YearlyQuantity]:
    return [YearlyQuantity(year=y.year, quantity=y.quantity) for y in yearly]


# ---------------------------------------------------------------------------- needs
async def need_registered(uow: UnitOfWork, need: Need) -> None:
    """A need submitted (registered, or a draft submitted): the aggregator places it."""
    window = DeliveryWindow(start=need.window_start, end=need.window_end)
    payload = copied(NeedRegisteredPayload, need, need_id=need.id, delivery_window=window, end_user=need.end_user.value)
    await _emit(uow, NeedRegisteredV1, payload, aggregate_id=need.id, nation=need.nation)


async def need_amended(uow: UnitOfWork, need: Need, changed: list[str]) -> None:
    payload = NeedAmendedPayload(
        need_id=need.id, nation=need.nation, item_code=need.item_code, version=need.version, changed=changed
    )
    await _emit(uow, NeedAmendedV1, payload, aggregate_id=need.id, nation=need.nation)


async def need_withdrawn(uow: UnitOfWork, need: Need, reason: str | None) -> None:
    payload = NeedWithdrawnPayload(need_id=need.id, nation=need.nation, item_code=need.item_code, reason=reason)
    await _emit(uow, NeedWithdrawnV1, payload, aggregate_id=need.id, nation=need.nation)


async def need_unplaceable(uow: UnitOfWork, need: NeedFacts, reason: str) -> None:
    """Told to the need's nation only: its desk amends or withdraws it."""
    payload = NeedUnplaceablePayload(need_id=need.id, nation=need.nation, item_code=need.item_code, reason=reason)
    await _emit(uow, NeedUnplaceableV1, payload, aggregate_id=need.id, nation=need.nation)


# ---------------------------------------------------------------------------- bundles
async def harmonisation_proposed(
    uow: UnitOfWork, bundle: BundleState, need: NeedFacts, harmonised: Sequence[str]
) -> None:
    """`need` opened `bundle` apart from the `harmonised` bundles of its item, for its
    specification or its incompatible deviations: agreeing on one specification would let
    them bundle together."""
    deviations = incompatible(need)
    reason = (
        f"{need.nation} needs {need.item_code} to specification {need.specification_ref or 'unspecified'}"
        + (f" with incompatible deviations ({'; '.join(d.description for d in deviations)})" if deviations else "")
        + "; harmonising the specification would let these needs bundle with the others"
    )
    payload = HarmonisationProposedPayload(
        bundle_ids=[bundle.id, *harmonised],
        item_code=need.item_code,
        specification_ref=need.specification_ref,
        nations=[need.nation],
        deviations=[
            NationalDeviation(nation=need.nation, description=d.description, compatible=d.compatible)
            for d in need.deviations
        ],
        reason=reason,
    )
    await _emit(uow, HarmonisationProposedV1, payload, aggregate_id=bundle.id, nation=need.nation)


async def bundle_opened(uow: UnitOfWork, bundle: BundleState) -> None:
    """What industry may learn: totals and the number of nations, no per-nation detail;
    and the nations asked to confirm, named for their own desks, never for industry."""
    payload = copied(
        BundleOpenedPayload,
        bundle,
        bundle_id=bundle.id,
        kind=bundle.kind.value,
        nation_count=len(bundle.nations),
        delivery_window=_window(bundle),
        accession_deadline=bundle.deadline,
        lead=bundle.proposed_lead,
        funding=[copied(FundingAssessment, a) for a in bundle.funding(uow.clock.now().date())],
        nations=list(bundle.nations),
    )
    await _emit(uow, BundleOpenedV1, payload, aggregate_id=bundle.id)


async def bundle_updated(uow: UnitOfWork, bundle: BundleState, reason: str) -> None:
    """The bundle's totals per nation, never its lines: an event as large as the bundle
    would outgrow what a topic takes."""
    payload = copied(
        BundleUpdatedV2Payload,
        bundle,
        bundle_id=bundle.id,
        status=bundle.status.value,
        nations=[NationTotal(nation=s.nation, quantity=s.quantity, need_count=s.need_count) for s in bundle.shares],
        delivery_window=_window(bundle),
        reason=reason,
    )
    await _emit(uow, BundleUpdatedV2, payload, aggregate_id=bundle.id)


async def committed(uow: UnitOfWork, bundle: BundleState, order: CommittedOrder) -> None:
    """A joint order (one-off demand) or a framework contract (multi-year demand): what
    the contracts service turns into a contract. A joint order's lines say what goes to
    Ukraine, and the order who pays toward it by pledges, to it or to a fund that paid
    toward it (nations, not amounts)."""
    if order.kind is BundleKind.FRAMEWORK_CONTRACT:
        await _framework_committed(uow, bundle, order)
        return
    funders = set((await uow.pledges.totals(bundle_id=bundle.id)).committed_by)
    funds = await uow.funds.buying_for(bundle.id)
    for totals in (await uow.pledges.totals_of_funds([f.id for f in funds])).values():
        funders.update(totals.committed_by)  # who paid into a fund that paid toward the order
    payload = JointOrderCommittedPayload(
        bundle_id=bundle.id,
        item_code=bundle.item_code,
        lead=order.lead,
        lines=[
            JointOrderLine(
                nation=x.nation, quantity=x.quantity, need_ids=x.need_ids, ukraine_quantity=x.ukraine_quantity
            )
            for x in order.lines
        ],
        total_quantity=order.total_quantity,
        delivery_window=DeliveryWindow(start=order.window_start, end=order.window_end),
        committed_by=order.committed_by,
        funded_by=sorted(funders),
        funding_instrument=bundle.chosen_instrument(),
    )
    await _emit(uow, JointOrderCommittedV1, payload, aggregate_id=bundle.id)


async def _framework_committed(uow: UnitOfWork, bundle: BundleState, order: CommittedOrder) -> None:
    terms = bundle.framework_terms()  # its shares are those taking part, once committed
    assert terms is not None
    ceiling, start, end = terms
    value = order.value_eur
    payload = FrameworkCommittedPayload(
        bundle_id=bundle.id,
        item_code=bundle.item_code,
        lead=order.lead,
        participants=[
            FrameworkParticipant(nation=x.nation, yearly=_yearly(x.yearly), need_ids=x.need_ids) for x in order.lines
        ],
        ceiling_quantity=ceiling,
        ceiling_value_eur=float(value) if value else None,
        ceiling_value=value if value else None,
        start=start,
        end=end,
        specification_ref=bundle.specification_ref,
        committed_by=order.committed_by,
    )
    await _emit(uow, FrameworkCommittedV1, payload, aggregate_id=bundle.id)


async def accession_confirmed(uow: UnitOfWork, bundle: BundleState, share: Share, budget_eur: Decimal | None) -> None:
    """A nation asks to join a committed framework with `share`: its lead decides, through
    the contracts service."""
    payload = AccessionConfirmedPayload(
        bundle_id=bundle.id,
        item_code=bundle.item_code,
        nation=share.nation,
        yearly=_yearly(share.yearly),
        budget_ceiling_eur=float(budget_eur) if budget_eur else None,
        budget_ceiling=budget_eur or None,
    )
    await _emit(uow, AccessionConfirmedV1, payload, aggregate_id=bundle.id, nation=share.nation)


# ---------------------------------------------------------------------------- money
PLEDGE_EVENTS: dict[PledgeStatus, Kind] = {
    PledgeStatus.PLEDGED: PledgeMadeV1,
    PledgeStatus.CONFIRMED: PledgeConfirmedV1,
    PledgeStatus.PAID: PledgePaidV1,
    PledgeStatus.WITHDRAWN: PledgeWithdrawnV1,
}


async def pledge_changed(uow: UnitOfWork, pledge: Pledge, *, recipient: str | None) -> None:
    """The pledge as it now stands, for the nations: its status names the event; the lead
    of what it goes to (`recipient`) hears of it beside the contributor."""
    payload = copied(
        PledgePayload,
        pledge,
        pledge_id=pledge.id,
        amount=pledge.amount_eur,
        status=pledge.status.value,
        reason=pledge.status_reason,
        recipient=recipient,
    )
    await _emit(uow, PLEDGE_EVENTS[pledge.status], payload, aggregate_id=pledge.id, nation=pledge.nation)


async def fund_changed(uow: UnitOfWork, fund: Fund) -> None:
    """A fund opened or closed: what it is for, never who paid how much."""
    payload = copied(FundPayload, fund, fund_id=fund.id, status=fund.status.value, reason=fund.closed_reason)
    kind = FundOpenedV1 if fund.closed_reason is None else FundClosedV1
    await _emit(uow, kind, payload, aggregate_id=fund.id)


# ---------------------------------------------------------------------------- capacity
async def capacity_unlocked(uow: UnitOfWork, line: DeclaredLine, *, nation_count: int) -> None:
    """For the line's company: the item's demand reached what starting the line needs.
    Keyed by the line; totals only."""
    payload = copied(
        CapacityUnlockedPayload,
        line,
        demand_quantity=line.unlocked_by_demand,
        nation_count=nation_count,
    )
    await _emit(uow, CapacityUnlockedV1, payload, aggregate_id=line.line_id, organisation=line.organisation)


async def deadline_nearing(uow: UnitOfWork, bundle: BundleState, nations: list[str]) -> None:
    """Keyed by the bundle; names the nations reminded, nothing of their quantities."""
    assert bundle.deadline is not None
    payload = DeadlineNearingPayload(
        bundle_id=bundle.id, item_code=bundle.item_code, accession_deadline=bundle.deadline, nations=nations
    )
    await _emit(uow, DeadlineNearingV1, payload, aggregate_id=bundle.id)
