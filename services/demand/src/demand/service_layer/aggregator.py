"""The bundling engine: each need event updates only the bundles it touches.

The aggregator consumes need events keyed by need id, reads the need as it stands, takes
it out of its bundle if it was in one, and places it again among the open bundles of its
item. Totals are kept per nation on the bundle, so the cost of an event does not grow
with the number of needs; publication of the changed bundles is debounced elsewhere.

On the broker, events arrive in batches and a whole batch is applied in one transaction
(`aggregate_batch`): the cost of a commit, an fsync and an offset commit is shared by
hundreds of events instead of paid by each. Should the batch fail, each event is applied
on its own with bounded retries, so one poison event holds back nothing but itself.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bundling_shared import topics
from bundling_shared.events.demand import (
    HarmonisationProposedPayload,
    HarmonisationProposedV1,
    NationalDeviation,
    NeedAmendedV1,
    NeedRegisteredV1,
    NeedWithdrawnV1,
)
from bundling_shared.logging import bind_correlation_id, get_logger
from bundling_shared.messaging.dead_letter import PermanentError, RetryPolicy, is_permanent
from demand.domain.bundle import BundleState, Decision, DecisionKind
from demand.domain.bundling import HARMONISED, Placement, incompatible, place
from demand.domain.model import NeedFacts, NeedStatus
from demand.service_layer.common import AGGREGATOR, PRODUCER, NotFound, utcnow
from demand.service_layer.unit_of_work import UnitOfWork

NeedChange = NeedRegisteredV1 | NeedAmendedV1 | NeedWithdrawnV1

log = get_logger(__name__)


@dataclass(frozen=True)
class Unapplied:
    """An event of a batch that kept failing on its own: it belongs on the dead-letter topic."""

    event: NeedChange
    error: Exception
    attempts: int


async def aggregate(event: NeedChange, uow: UnitOfWork) -> str | None:
    """Apply one need event; returns the id of the bundle the need is in afterwards.

    Idempotent: a redelivered event is recognised by its id and changes nothing.
    """
    async with uow:
        if await uow.already_processed(AGGREGATOR, event.event_id):
            return None
        need = _checked(await uow.needs.get(event.payload.need_id), event)
        bundle_id = await _apply(need, uow, utcnow(), _change(event))
        await uow.mark_processed(AGGREGATOR, event.event_id)
        await uow.commit()
        return bundle_id


async def aggregate_batch(events: Sequence[NeedChange], uow: UnitOfWork, policy: RetryPolicy) -> list[Unapplied]:
    """Apply a batch of need events in their order; returns those that could not be applied.

    All events share one transaction: one query for the events already applied, one for
    the needs (read as plain facts), one each for their items and the bundles they may
    join, a few statements writing back what changed, one insert for the idempotency
    records, one commit. If anything in it fails, it is rolled back and every event is
    applied on its own by `aggregate`, with the retries and backoff of `policy`; an event
    that still fails is handed back, and the others are applied as if it had never been
    in the batch.
    """
    if not events:
        return []
    try:
        await _aggregate_together(events, uow)
        return []
    except Exception as exc:  # any failure: the one-by-one path isolates its cause
        log.warning("aggregator.batch_failed", events=len(events), error=repr(exc))
    unapplied = []
    for event in events:
        failure = await _aggregate_with_retries(event, uow, policy)
        if failure is not None:
            unapplied.append(failure)
    return unapplied


async def _aggregate_together(events: Sequence[NeedChange], uow: UnitOfWork) -> None:
    async with uow:
        keys = [str(e.event_id) for e in events]  # as the idempotency records keep them
        seen = await uow.processed_among(AGGREGATOR, keys)
        fresh, fresh_keys = [], []
        for event, key in zip(events, keys, strict=True):
            if key not in seen:  # a duplicate inside the batch counts once
                seen.add(key)
                fresh.append(event)
                fresh_keys.append(key)
        if not fresh:
            return
        async with uow.writes_held():
            now = utcnow()  # one time for the whole transaction, as a database's own now()
            needs = await uow.needs.held({e.payload.need_id for e in fresh})
            items = {need.item_code for need in needs.values()}
            await uow.catalogue.keep(items)
            await uow.bundles.keep_candidates(items)
            for event in fresh:
                # Events the placement causes (bundle opened, harmonisation) carry the
                # correlation id of the need event behind them, batch or not.
                bind_correlation_id(event.correlation_id)
                await _apply(_checked(needs.get(event.payload.need_id), event), uow, now, _change(event))
        await uow.mark_all_processed(AGGREGATOR, fresh_keys)
        await uow.commit()


async def _aggregate_with_retries(event: NeedChange, uow: UnitOfWork, policy: RetryPolicy) -> Unapplied | None:
    attempt = 0
    bind_correlation_id(event.correlation_id)
    while True:
        attempt += 1
        try:
            await aggregate(event, uow)
            return None
        except Exception as exc:
            if is_permanent(exc) or attempt >= policy.max_attempts:
                return Unapplied(event, exc, attempt)
            delay = policy.delay(attempt)
            log.warning("aggregator.retry", event_id=str(event.event_id), attempt=attempt, delay=delay, error=repr(exc))
            await asyncio.sleep(delay)


def _checked(need: NeedFacts | None, event: NeedChange) -> NeedFacts:
    if need is None:
        raise NotFound(f"need {event.payload.need_id} of event {event.event_id} is unknown")
    if need.nation != event.payload.nation:
        raise PermanentError(f"event {event.event_id} names {event.payload.nation}, the need is {need.nation}'s")
    return need


def _change(event: NeedChange) -> str:
    return "amended" if isinstance(event, NeedAmendedV1) else "placed again"


async def _apply(need: NeedFacts, uow: UnitOfWork, now: datetime, change: str, why: str | None = None) -> str | None:
    """Places `need` as it stands now; `change` says, in the trail, why it moved, and
    `why`, if given, why it was placed."""
    current = await uow.bundles.placed_in(need.bundle_id) if need.bundle_id else None
    wanted = need.status in (NeedStatus.SUBMITTED, NeedStatus.BUNDLED)
    if current is not None and not current.joinable and (current.lines_fixed or wanted):
        return current.id  # committed or cancelled lines never move; a closed bundle keeps its needs
    if not wanted:
        if current is not None:
            await _leave(need, current, uow, f"need {need.id} of {need.nation} was {need.status.value}", now)
        return None
    if current is not None:
        await _leave(need, current, uow, f"need {need.id} of {need.nation} was {change}", now)
    return await _place(need, uow, now, why)


async def place_again(need: NeedFacts, uow: UnitOfWork, why: str, now: datetime) -> str | None:
    """Places a need again because something other than the need changed (the item's
    harmonised specification, the bundle it was in committed without its nation or
    cancelled); `why` opens the reason its trail gives. A need in a bundle no longer
    gathering stays there."""
    return await _apply(need, uow, now, f"placed again: {why}", why)


async def _place(need: NeedFacts, uow: UnitOfWork, now: datetime, why: str | None = None) -> str:
    item = await uow.catalogue.get(need.item_code)
    placement = place(need, item, await uow.bundles.candidates(need.item_code))
    if placement.bundle is None and await uow.bundles.before_opening(need.item_code):
        # Another aggregator (another partition) opened bundles of the item meanwhile.
        placement = place(need, item, await uow.bundles.candidates(need.item_code))
    bundle = placement.bundle
    if bundle is None:
        bundle = uow.bundles.open_for(
            need, kind=placement.kind, variant=placement.variant, specification_ref=need.specification_ref
        )
        await uow.flush()
        await _opened(bundle, need, placement, uow, now)
    reason = placement.reason if why is None else f"{why}; {placement.reason}"
    uow.bundles.add_line(bundle.join(need, reason, now))
    need.status = NeedStatus.BUNDLED
    uow.bundles.record(Decision(bundle.id, DecisionKind.JOINED, reason, now, need_id=need.id, nation=need.nation))
    return bundle.id


async def _leave(need: NeedFacts, bundle: BundleState, uow: UnitOfWork, reason: str, now: datetime) -> None:
    line = await uow.bundles.line(bundle.id, need.id)
    if line is not None:
        bundle.leave(line, now)
        await uow.bundles.remove_line(line)
        await uow.flush()
    need.bundle_id = None
    uow.bundles.record(Decision(bundle.id, DecisionKind.LEFT, reason, now, need_id=need.id, nation=need.nation))


async def _opened(bundle: BundleState, need: NeedFacts, placement: Placement, uow: UnitOfWork, now: datetime) -> None:
    kind = DecisionKind.SPLIT if placement.split else DecisionKind.OPENED
    # The opening reason names no nation's quantities: every participant may read it.
    uow.bundles.record(Decision(bundle.id, kind, placement.reason, now))
    if placement.variant == HARMONISED:
        return
    others = await uow.bundles.candidates(need.item_code)
    harmonised = [b.id for b in others if b.variant == HARMONISED and b.id != bundle.id]
    deviations = incompatible(need)
    reason = (
        f"{need.nation} needs {need.item_code} to specification {need.specification_ref or 'unspecified'}"
        + (f" with incompatible deviations ({'; '.join(d.description for d in deviations)})" if deviations else "")
        + "; harmonising the specification would let these needs bundle with the others"
    )
    await uow.emit(
        topics.BUNDLES,
        HarmonisationProposedV1.create(
            HarmonisationProposedPayload(
                bundle_ids=[bundle.id, *harmonised],
                item_code=need.item_code,
                specification_ref=need.specification_ref,
                nations=[need.nation],
                deviations=[
                    NationalDeviation(nation=need.nation, description=d.description, compatible=d.compatible)
                    for d in need.deviations
                ],
                reason=reason,
            ),
            aggregate_id=bundle.id,
            producer=PRODUCER,
            nation=need.nation,
        ),
    )
