"""The bundling engine: each need event updates only the bundles it touches.

The aggregator consumes need events keyed by need id, reads the need as it stands, takes
it out of its bundle if it was in one, and places it again among the open bundles of its
item. Totals are kept per nation on the bundle, so the cost of an event does not grow
with the number of needs; publication of the changed bundles is debounced elsewhere.

On the broker, events arrive in batches and a whole batch is applied in one transaction
(`aggregate_batch`): the cost of a commit, an fsync and an offset commit is shared by
hundreds of events instead of paid by each. Should the batch fail, each event is applied
on its own with bounded retries, so one poison event holds back nothing but itself.

Nothing the service accepted is lost on the way: a need the engine cannot place, because
of what it asks for or because placing it keeps failing, is set aside as `unplaceable`
with the reason on the need, in its history and in an event to its nation. No need event
goes to the dead-letter topic; only records that cannot be read at all do.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from bundling_shared.errors import ChangedMeanwhile, NotFound, again_if_changed
from bundling_shared.events.demand import NeedAmendedV1, NeedRegisteredV1, NeedWithdrawnV1
from bundling_shared.logging import bind_correlation_id, get_logger
from bundling_shared.messaging.dead_letter import PermanentError, RetryPolicy, is_permanent
from bundling_shared.observability import tracing
from demand.domain.bundle import BundleState, Decision, DecisionKind
from demand.domain.bundling import HARMONISED, Placement, place, unplaceable
from demand.domain.need import Need, NeedFacts, NeedStatus, NeedVersion
from demand.service_layer import events
from demand.service_layer.unit_of_work import UnitOfWork

NeedChange = NeedRegisteredV1 | NeedAmendedV1 | NeedWithdrawnV1

AGGREGATOR = "demand-aggregator"  # its consumer group, and who its changes to a need's history are by
BATCH_ATTEMPTS = 5  # a batch beaten to its bundles by other aggregators, before its events go one by one

log = get_logger(__name__)


@dataclass(frozen=True)
class Ignored:
    """An event that names no need of this service, or names one under another nation:
    there is nothing of a need accepted here to apply, and it is recorded as seen."""

    event: NeedChange
    reason: str


async def aggregate(event: NeedChange, uow: UnitOfWork) -> str | None:
    """Apply one need event; returns the id of the bundle the need is in afterwards.

    Idempotent: a redelivered event is recognised by its id and changes nothing.
    """
    async with uow:
        if await uow.already_processed(AGGREGATOR, event.event_id):
            return None
        with tracing.resumed(event.event_id):
            need = _checked(await uow.needs.get(event.payload.need_id), event)
            bundle_id = await _apply(need, uow, uow.clock.now(), _change(event))
        await uow.mark_processed(AGGREGATOR, event.event_id)
        await uow.commit()
        return bundle_id


async def aggregate_batch(
    events: Sequence[NeedChange],
    uow: UnitOfWork,
    policy: RetryPolicy,
    before: Before | None = None,
    relay: Relay | None = None,
) -> list[Ignored]:
    """Apply a batch of need events in their order; returns those that named no need of
    this service (nothing else is left unapplied).

    `before`, if given, is the batch before this one, still being applied, none of whose
    needs is among this one's: meanwhile this batch records its events and reads its
    needs; it places them once that batch has placed its own, starting from the bundles
    as that batch left them, and writes what depends on that batch's rows once it has
    committed (should that batch not commit them, this one begins again from what is
    stored; should it fail, so does this one). `relay` is what this batch hands to the
    next one in the same way.

    All events share one transaction: the idempotency records of the events (those found
    recorded were applied before), one query for the needs (read as plain facts), one
    each for their items and the bundles they may join, a few statements writing back what
    changed, one commit. If anything in it fails, it is rolled back and every event is
    applied on its own by `aggregate`, with the retries and backoff of `policy`; the need
    of an event that still fails is set aside as unplaceable with the error as its reason,
    and the others are applied as if it had never been in the batch. Should even that
    fail (the database unreachable), the error propagates and the batch is delivered again.
    """
    try:
        if not events:
            return []
        try:
            await aggregate_together(events, uow, before, relay)
            return []
        except (_Rebase, ChangedMeanwhile):
            # Placed on bundles the batch before did not commit, or on bundles another
            # aggregator (another process) changed and committed first: the whole batch is
            # placed again on what is stored now, rather than each event on its own.
            if before is not None:
                await before.applied  # what it stored, the one by one path included, is read afresh
            try:
                await again_if_changed(lambda: _together_again(events, uow), attempts=BATCH_ATTEMPTS)
                return []
            except Exception as exc:
                log.warning("aggregator.batch_failed", events=len(events), error=repr(exc))
        except Exception as exc:  # any failure: the one-by-one path isolates its cause
            log.warning("aggregator.batch_failed", events=len(events), error=repr(exc))
        if before is not None:
            await before.applied  # one by one, too, only after the batch before
        ignored = []
        for event in events:
            outcome = await _aggregate_with_retries(event, uow, policy)
            if outcome is not None:
                ignored.append(outcome)
        return ignored
    finally:
        if relay is not None:
            relay.settle()


async def aggregate_together(
    events: Sequence[NeedChange], uow: UnitOfWork, before: Before | None = None, relay: Relay | None = None
) -> None:
    """Apply a batch of need events in one transaction, as `aggregate_batch` tries first.
    Should anything fail, the transaction is rolled back and the error raised: no event is
    applied on its own, which `aggregate_batch` does next. `before` and `relay`: as there."""
    try:
        await _together(events, uow, before, relay)
    except BaseException:
        if relay is not None:
            relay.settle()  # the next batch does not start from what this one placed
        raise


async def _together(events: Sequence[NeedChange], uow: UnitOfWork, before: Before | None, relay: Relay | None) -> None:
    async with uow:
        keys = [str(e.event_id) for e in events]  # as the idempotency records keep them
        new = await uow.record_processed(AGGREGATOR, keys)
        fresh = []
        for event, key in zip(events, keys, strict=True):
            if key in new:  # a duplicate inside the batch counts once
                new.discard(key)
                fresh.append(event)
        if not fresh:
            return
        async with uow.batch() as batch:
            needs = await batch.read_needs({e.payload.need_id for e in fresh})
            pipelined = batch if isinstance(batch, Pipelined) else None
            handed = await before.relay.handed if before is not None and pipelined is not None else None
            adopted = False
            if before is not None and pipelined is not None and handed is not None:
                pipelined.adopt(handed, before.relay.committed)
                adopted = True
            elif before is not None:
                await before.applied  # its bundles are read as it stored them
            now = uow.clock.now()  # one time for the whole transaction, as a database's own now()
            # Bundles taken over from the batch before are not held: that batch holds them
            # until it commits, and this one would wait for it instead of placing meanwhile.
            await batch.read_items({need.item_code for need in needs.values()}, held=not adopted)
            try:
                for event in fresh:
                    # Events the placement causes (bundle opened, harmonisation) carry the
                    # correlation id of the need event behind them, batch or not.
                    bind_correlation_id(event.correlation_id)
                    with tracing.resumed(event.event_id):
                        need = _checked(needs.get(event.payload.need_id), event)
                        await _apply(need, uow, now, _change(event))
                    if pipelined is not None:
                        await pipelined.placed(need.id)
                if relay is not None and pipelined is not None:
                    relay.handed.set_result(pipelined.handoff())
                if before is not None and handed is not None and not await before.relay.committed:
                    raise _Rebase("the batch before did not commit the bundles this one started from")
            except BaseException:
                if pipelined is not None:
                    await pipelined.abandon()
                raise
        await uow.commit()
        if relay is not None:
            relay.committed.set_result(True)


async def _together_again(events: Sequence[NeedChange], uow: UnitOfWork) -> None:
    """The batch placed again from what is stored, holding its items' locks from its first
    read. Aggregators write bundles only under those locks, so one beaten to its bundles
    now was beaten by something else (a coordinator's act on a bundle) or the aggregators'
    turns are broken: worth a warning either way."""
    try:
        await aggregate_together(events, uow)
    except ChangedMeanwhile:
        log.warning("aggregator.batch_beaten_again", events=len(events))
        raise


class _Rebase(Exception):
    """Placed on bundles the batch before did not commit: placed again from what is stored."""


@dataclass
class Relay:
    """What a batch hands to the one after it, begun while it is still being applied: its
    bundles as it left them once its needs are placed (`handed`; None when it has none to
    hand over), then whether the transaction that placed them committed (`committed`)."""

    handed: asyncio.Future[Any]
    committed: asyncio.Future[bool]

    @classmethod
    def new(cls) -> Relay:
        loop = asyncio.get_running_loop()
        return cls(loop.create_future(), loop.create_future())

    def settle(self) -> None:
        """What is not told yet will not be: nothing handed over, nothing committed."""
        if not self.handed.done():
            self.handed.set_result(None)
        if not self.committed.done():
            self.committed.set_result(False)


@dataclass(frozen=True)
class Before:
    """The batch before, still being applied: its whole application, the one by one path
    included (`applied`), and what it hands over (`relay`)."""

    applied: asyncio.Future[Any]
    relay: Relay


@runtime_checkable
class Pipelined(Protocol):
    """A batch that writes the rows of the needs placed while it places the next ones, and
    that hands its bundles over to the next batch before it has written them."""

    async def placed(self, need_id: str) -> None:
        """The event of this need is applied: its rows may be written from now on."""
        ...

    async def abandon(self) -> None:
        """The batch failed: whatever is being written is let be before the rollback."""
        ...

    def handoff(self) -> object:
        """Its bundles as it left them, for the next batch (which copies what it changes:
        this one still writes them)."""
        ...

    def adopt(self, handed: object, stored: asyncio.Future[bool]) -> None:
        """Starts from the bundles the batch before handed over; what depends on that
        batch's rows is written once `stored` says they are."""
        ...


async def _aggregate_with_retries(event: NeedChange, uow: UnitOfWork, policy: RetryPolicy) -> Ignored | None:
    attempt = 0
    bind_correlation_id(event.correlation_id)
    while True:
        attempt += 1
        try:
            await aggregate(event, uow)
            return None
        except Exception as exc:
            if is_permanent(exc) or attempt >= policy.max_attempts:
                return await _settle(event, uow, exc, attempt)
            delay = policy.delay(attempt)
            log.warning("aggregator.retry", event_id=str(event.event_id), attempt=attempt, delay=delay, error=repr(exc))
            await asyncio.sleep(delay)


async def _settle(event: NeedChange, uow: UnitOfWork, error: Exception, attempts: int) -> Ignored | None:
    """The event kept failing: its need is set aside with the error as the reason, in a
    transaction of its own; an event naming no need of ours is recorded as seen."""
    log.warning("aggregator.gave_up", event_id=str(event.event_id), attempts=attempts, error=repr(error))
    async with uow:
        if await uow.already_processed(AGGREGATOR, event.event_id):
            return None
        need = await uow.needs.get(event.payload.need_id)
        ignored = None
        if need is None or need.nation != event.payload.nation:
            ignored = Ignored(event, str(error))
        elif need.wanted:
            await _set_aside(need, uow, uow.clock.now(), f"the bundling engine could not place it: {error}")
        await uow.mark_processed(AGGREGATOR, event.event_id)
        await uow.commit()
    if ignored is not None:
        log.warning("aggregator.event_ignored", event_id=str(event.event_id), reason=ignored.reason)
    return ignored


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
    wanted = need.wanted
    if current is not None and not current.joinable and (current.lines_fixed or wanted):
        return current.id  # committed or cancelled lines never move; a closed bundle keeps its needs
    if not wanted:
        if current is not None:
            await _leave(need, current, uow, f"need {need.id} of {need.nation} was {need.status.value}", now)
        return None
    if current is not None:
        await _leave(need, current, uow, f"need {need.id} of {need.nation} was {change}", now)
    if (reason := unplaceable(need)) is not None:
        await _set_aside(need, uow, now, reason)
        return None
    return await _place(need, uow, now, why)


async def _set_aside(need: NeedFacts, uow: UnitOfWork, now: datetime, reason: str) -> None:
    """The need stays, `unplaceable`, with the reason on it, in its history and in an event
    to its nation, until its desk amends or withdraws it. Set aside again for the same
    reason (a redelivered or repeated event), nothing new is recorded or told."""
    if need.status is NeedStatus.UNPLACEABLE and need.status_reason == reason:
        return
    need.set_aside(reason, now)
    # Within a batch `need` is plain facts; the history needs the whole need.
    whole = need if isinstance(need, Need) else await uow.needs.get(need.id)
    if whole is not None:
        if whole is not need:
            whole.set_aside(reason, now)
        uow.needs.add_version(NeedVersion.of(whole, AGGREGATOR, f"unplaceable: {reason}"))
    await events.need_unplaceable(uow, need, reason)


async def place_again(need: NeedFacts, uow: UnitOfWork, why: str, now: datetime) -> str | None:
    """Places a need again because something other than the need changed (the item's
    harmonised specification, the bundle it was in committed without its nation or
    cancelled); `why` opens the reason its trail gives. A need in a bundle no longer
    gathering stays there."""
    return await _apply(need, uow, now, f"placed again: {why}", why)


async def _place(need: NeedFacts, uow: UnitOfWork, now: datetime, why: str | None = None) -> str:
    item = await uow.catalogue.get(need.item_code)
    placement = place(need, item, await uow.bundles.candidates(need.item_code))
    if placement.bundle is None:
        await uow.bundles.hold_openings(need.item_code)
        if await uow.bundles.opened_meanwhile(need.item_code):
            # Another aggregator (another partition) opened bundles of the item meanwhile.
            placement = place(need, item, await uow.bundles.candidates(need.item_code))
    bundle = placement.bundle
    if bundle is None:
        bundle = uow.bundles.open_for(
            need, kind=placement.kind, variant=placement.variant, specification_ref=need.specification_ref, now=now
        )
        await uow.flush()
        await _opened(bundle, need, placement, uow, now)
    reason = placement.reason if why is None else f"{why}; {placement.reason}"
    uow.bundles.add_line(bundle.join(need, reason, now))
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
    await events.harmonisation_proposed(uow, bundle, need, harmonised)
