"""Deliveries on their way: claimed and recorded for the dispatcher, resent or recovered
for an endpoint's owner, and shown to those who may see where a message went."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bundling_shared import topics
from bundling_shared.auth import Principal
from bundling_shared.errors import Conflict, NotFound
from bundling_shared.logging import get_logger
from notifications.domain.access import Action, authorise, scope_of, to_message
from notifications.domain.delivery import (
    AttemptResult,
    Delivery,
    DeliveryJob,
    DeliveryState,
    DeliveryStatus,
    DueDelivery,
    Progress,
    attempt_fields,
    progress,
)
from notifications.domain.endpoint import Endpoint
from notifications.domain.errors import EmptyWindow
from notifications.domain.message import OPPORTUNITIES, Message
from notifications.domain.retry import Verdict
from notifications.service_layer import events
from notifications.service_layer.endpoints import owned
from notifications.service_layer.unit_of_work import Listed, UnitOfWork

log = get_logger(__name__)

DEFAULT_DISABLE_AFTER = timedelta(days=5)


async def resend(uow: UnitOfWork, *, caller: Principal, endpoint_id: str, message_id: str) -> Delivery:
    """Send one message to one endpoint again, from the start of the retry schedule.

    Only a message the endpoint was entitled to (it has a delivery of it) can be resent:
    a resend must not become a way round the filters or the security-declaration gate.
    """
    async with uow:
        endpoint = await owned(uow, caller, endpoint_id, Action.SEND_AGAIN)
        delivery = await uow.deliveries.of(message_id, endpoint_id)
        if delivery is None:
            raise NotFound(f"message {message_id} was not sent to endpoint {endpoint_id}")
        if delivery.status is DeliveryStatus.PENDING:
            raise Conflict(f"message {message_id} is still pending for this endpoint; it is being retried")
        now = uow.clock.now()
        if not await _still_cleared(uow, message_id, endpoint, now):
            raise Conflict(f"message {message_id} is restricted and the security declaration is no longer valid")
        delivery.requeue(now)
        uow.deliveries.requeued()
        await uow.commit()
    return delivery


async def _still_cleared(uow: UnitOfWork, message_id: str, endpoint: Endpoint, now: datetime) -> bool:
    """A restricted message goes out again only while its audience's declaration is valid,
    one to the cleared companies while the endpoint's company's is; a desk's copy always."""
    message = await uow.messages.get(message_id)
    if message is None or not message.gated(desk=endpoint.owner.buys):
        return True
    company = message.audience if message.restricted else endpoint.organisation
    supplier = await uow.suppliers.get(company) if company else None
    return supplier is not None and supplier.cleared_on(now.date())


async def recover(
    uow: UnitOfWork, *, caller: Principal, endpoint_id: str, since: datetime, until: datetime | None = None
) -> int:
    """Send again every message whose delivery to this endpoint failed, among those created
    in [since, until): after an outage longer than the retry schedule."""
    now = uow.clock.now()
    until = until or now
    if since >= until:
        raise EmptyWindow("since must be before until")
    async with uow:
        endpoint = await owned(uow, caller, endpoint_id, Action.SEND_AGAIN)
        failed = [
            d
            for d in await uow.deliveries.failed_between(endpoint_id, since, until)
            if await _still_cleared(uow, d.message_id, endpoint, now)
        ]
        for delivery in failed:
            delivery.requeue(now)
        if failed:
            uow.deliveries.requeued()
        await uow.commit()
    log.info("deliveries.recovered", endpoint_id=endpoint_id, count=len(failed))
    return len(failed)


async def message_deliveries(
    uow: UnitOfWork, *, caller: Principal, message_id: str, limit: int, offset: int
) -> tuple[Sequence[Listed], int]:
    """One page of where a message went, and how many deliveries the caller sees in all: a
    company or a nation sees a message only through its own deliveries of it."""
    what = f"message {message_id}"
    scope = scope_of(caller)
    async with uow:
        if await uow.messages.get(message_id) is None:
            raise NotFound(f"{what} not found")
        found, total = await uow.deliveries.page_for_message(message_id, scope, limit, offset)
        authorise(caller, Action.READ_DELIVERIES, to_message(caller, total), what)
        return found, total


async def opportunities(
    uow: UnitOfWork, *, caller: Principal, limit: int, offset: int
) -> tuple[Sequence[Message], int]:
    """The opportunity notices (opened bundles and funds) sent to the caller's own
    endpoints, newest first, as they were sent: nothing its endpoints did not receive."""
    scope = scope_of(caller)
    async with uow:
        return await uow.messages.received(scope, OPPORTUNITIES, limit, offset)


async def claim_due(
    uow: UnitOfWork,
    *,
    lease: timedelta,
    limit: int,
    room: Callable[[str], int],
    skip_endpoints: Collection[str] = (),
    skip_deliveries: Collection[str] = (),
    admit: Callable[[str, int | None], bool] = lambda _, __: True,
) -> list[DeliveryJob]:
    """Claim up to `limit` due deliveries, at most `room(endpoint_id)` per endpoint, and
    as many as `admit(endpoint_id, its rate limit)` lets through.

    Endpoints already at their limit (`skip_endpoints`) are left out of the query, so a
    slow endpoint's backlog cannot fill the batch and starve the others. The claim is a
    lease: the delivery's next attempt moves to `now + lease`, so another dispatcher leaves
    it alone, and a dispatcher that dies mid-attempt leaves it due again.
    """
    now = uow.clock.now()
    async with uow:
        taken: list[DueDelivery] = []
        withheld: list[DueDelivery] = []
        per_endpoint: dict[str, int] = {}
        for due in await uow.deliveries.claimable(now, limit, skip_endpoints, skip_deliveries):
            if due.withheld_on(now.date()):
                withheld.append(due)
                continue
            count = per_endpoint.get(due.endpoint_id, 0)
            if count >= room(due.endpoint_id) or not admit(due.endpoint_id, due.rate_limit_per_second):
                continue
            per_endpoint[due.endpoint_id] = count + 1
            taken.append(due)
        if not taken and not withheld:
            return []
        if taken:
            await uow.deliveries.lease([d.delivery_id for d in taken], now + lease)
        if withheld:
            await _withhold(withheld, now, uow)
        await uow.commit()
    return [d.job(now) for d in taken]


async def _withhold(deliveries: Sequence[DueDelivery], now: datetime, uow: UnitOfWork) -> None:
    changes, attempts = [], []
    for d in deliveries:
        after, attempt = d.withhold(now)
        changes.append((d.delivery_id, after, now))
        attempts.append(attempt)
        log.warning("message.withheld", message_id=d.message_id, delivery_id=d.delivery_id, organisation=d.audience)
    await uow.deliveries.progress(changes)
    await uow.attempts.add_many(attempts)


@dataclass(frozen=True)
class Outcome:
    """One finished attempt, waiting to be recorded."""

    job: DeliveryJob
    result: AttemptResult
    at: datetime


async def record_attempts(
    uow: UnitOfWork,
    *,
    outcomes: Sequence[Outcome],
    disable_after: timedelta = DEFAULT_DISABLE_AFTER,
    tally: Callable[[str], None] = lambda _: None,
) -> dict[str, Verdict | None]:
    """Log the attempts, move their deliveries on and keep their endpoints' health, all in
    one transaction (the dispatcher records the attempts that finish together in one
    batch: a transaction per attempt would make the database the bottleneck).

    HTTP 410, or only failures for `disable_after`, disables an endpoint, and its owner is
    told by an EndpointDisabled event committed in the same transaction. A delivery's
    verdict is None when there is nothing to record: the endpoint was deleted meanwhile,
    or another dispatcher finished the delivery after this one's lease ran out. `tally`
    hears the outcome (`Progress.outcome`) of each attempt recorded, once committed.
    """
    verdicts: dict[str, Verdict | None] = {}
    async with uow:
        states = await uow.deliveries.states({o.job.delivery_id for o in outcomes})
        failing_since = await uow.endpoints.failing_since_of({o.job.endpoint_id for o in outcomes})
        changes: list[tuple[str, Progress, datetime]] = []
        attempts: list[dict[str, Any]] = []
        health: list[tuple[str, Verdict, datetime]] = []
        for o in sorted(outcomes, key=lambda o: o.at):
            job, state = o.job, states.get(o.job.delivery_id)
            if state is None or state.status is not DeliveryStatus.PENDING:
                verdicts[job.delivery_id] = None
                continue
            after = progress(state.attempt_count, o.result, o.at)
            states[job.delivery_id] = DeliveryState(after.status, after.attempt_count)
            changes.append((job.delivery_id, after, o.at))
            attempts.append(attempt_fields(job.delivery_id, job.message_id, job.endpoint_id, o.result, after, o.at))
            verdicts[job.delivery_id] = after.verdict
            # A success at a healthy endpoint changes nothing: only the rest loads the endpoint.
            # The health known here follows each outcome, so that a success after a failure in
            # the same batch clears it.
            if job.endpoint_id in failing_since:
                since = failing_since[job.endpoint_id]
                failing = after.verdict is not Verdict.SUCCEEDED
                failing_since[job.endpoint_id] = (since or o.at) if failing else None
                if failing or since is not None:
                    health.append((job.endpoint_id, after.verdict, o.at))
        await uow.deliveries.progress(changes)
        await uow.attempts.add_many(attempts)
        if health:
            endpoints = await uow.endpoints.get_many({endpoint_id for endpoint_id, _, _ in health}, lock=True)
            for endpoint_id, verdict, at in health:
                endpoint = endpoints[endpoint_id]
                if endpoint.keep_health(verdict, at, disable_after):
                    log.warning("endpoint.disabled", endpoint_id=endpoint.id, reason=endpoint.disabled_reason)
                    await uow.emit(topics.ENDPOINTS, events.endpoint_disabled(endpoint))
        await uow.commit()
    for _, after, _ in changes:
        tally(after.outcome)
    return verdicts
