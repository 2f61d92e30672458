"""Handlers: manage a company's or a nation's endpoints, turn platform events into messages and
deliveries for the endpoints entitled to them, keep the register of security declarations,
claim and record delivery attempts for the dispatcher, and resend or recover messages."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bundling_shared import topics
from bundling_shared.events.contracts import ContractCreatedV1, SupplierRegisteredV1
from bundling_shared.events.envelope import EventEnvelope
from bundling_shared.events.notifications import EndpointDisabledPayload, EndpointDisabledV1
from bundling_shared.logging import get_logger
from notifications.domain.access import Scope
from notifications.domain.model import (
    RESTRICTED_TYPES,
    Attempt,
    AttemptResult,
    Delivery,
    DeliveryJob,
    DeliveryState,
    DeliveryStatus,
    DueDelivery,
    Endpoint,
    Message,
    Owner,
    Progress,
    Supplier,
    Verdict,
    attempt_fields,
    message_body,
    progress,
    recipients,
    signing_secrets,
    withhold,
)
from notifications.service_layer import messages
from notifications.service_layer.messages import Links
from notifications.service_layer.unit_of_work import AttemptFilter, UnitOfWork, UrlGuard

log = get_logger(__name__)

CONSUMER = "notifications-contracts"
BUNDLES_CONSUMER = "notifications-bundles"
REFERENCE_CONSUMER = "notifications-reference"

UowFactory = Callable[[], UnitOfWork]


class NotFound(Exception):
    pass


class Conflict(Exception):
    """The request is valid but the current state does not allow it (HTTP 409)."""


@dataclass(frozen=True)
class RegisterEndpoint:
    organisation: str
    url: str
    description: str
    event_types: tuple[str, ...]
    item_categories: tuple[str, ...] = ()
    rate_limit_per_second: int | None = None
    owner: Owner = Owner.INDUSTRY


async def register_endpoint(cmd: RegisterEndpoint, uow: UnitOfWork, guard: UrlGuard) -> Endpoint:
    """Refuses an unsafe URL now, while its owner is there to read why (it is checked again
    before every delivery, since DNS answers change)."""
    endpoint = Endpoint.register(
        organisation=cmd.organisation,
        url=cmd.url,
        description=cmd.description,
        event_types=cmd.event_types,
        item_categories=cmd.item_categories,
        rate_limit_per_second=cmd.rate_limit_per_second,
        owner=cmd.owner,
    )
    await guard.check(cmd.url)
    async with uow:
        uow.endpoints.add(endpoint)
        await uow.commit()
    return endpoint


async def _owned(uow: UnitOfWork, endpoint_id: str, scope: Scope | None) -> Endpoint:
    """Another owner's endpoint is reported absent: its existence is not ours to tell.
    `scope` None is the administrator's: every endpoint."""
    endpoint = await uow.endpoints.get(endpoint_id)
    if endpoint is None or (scope is not None and not scope.holds(endpoint)):
        raise NotFound(f"endpoint {endpoint_id} not found")
    return endpoint


async def get_endpoint(endpoint_id: str, scope: Scope | None, uow: UnitOfWork) -> Endpoint:
    async with uow:
        return await _owned(uow, endpoint_id, scope)


async def list_endpoints(scope: Scope | None, limit: int, offset: int, uow: UnitOfWork) -> Sequence[Endpoint]:
    async with uow:
        return await uow.endpoints.list(scope, limit, offset)


async def pause_endpoint(endpoint_id: str, scope: Scope | None, uow: UnitOfWork) -> Endpoint:
    async with uow:
        endpoint = await _owned(uow, endpoint_id, scope)
        endpoint.pause()
        await uow.commit()
    return endpoint


async def resume_endpoint(endpoint_id: str, scope: Scope | None, uow: UnitOfWork) -> Endpoint:
    async with uow:
        endpoint = await _owned(uow, endpoint_id, scope)
        endpoint.resume()
        await uow.commit()
    return endpoint


@dataclass(frozen=True)
class ChangeSubscription:
    description: str | None = None
    event_types: tuple[str, ...] | None = None
    item_categories: tuple[str, ...] | None = None
    rate_limit_per_second: int | None = None
    unlimited: bool = False


async def change_subscription(
    endpoint_id: str, scope: Scope | None, cmd: ChangeSubscription, uow: UnitOfWork
) -> Endpoint:
    """Applies to messages made from now on; deliveries already made are not revisited."""
    async with uow:
        endpoint = await _owned(uow, endpoint_id, scope)
        endpoint.change_subscription(
            description=cmd.description,
            event_types=cmd.event_types,
            item_categories=cmd.item_categories,
            rate_limit_per_second=cmd.rate_limit_per_second,
            unlimited=cmd.unlimited,
        )
        await uow.commit()
    return endpoint


async def delete_endpoint(endpoint_id: str, scope: Scope | None, uow: UnitOfWork) -> None:
    async with uow:
        endpoint = await _owned(uow, endpoint_id, scope)
        await uow.endpoints.delete(endpoint)
        await uow.commit()


async def rotate_secret(
    endpoint_id: str, scope: Scope | None, overlap: timedelta, uow: UnitOfWork, now: datetime
) -> Endpoint:
    async with uow:
        endpoint = await _owned(uow, endpoint_id, scope)
        endpoint.rotate_secret(now, overlap)
        await uow.commit()
    return endpoint


async def endpoint_attempts(
    endpoint_id: str,
    scope: Scope | None,
    limit: int,
    offset: int,
    uow: UnitOfWork,
    where: AttemptFilter | None = None,
) -> Sequence[Attempt]:
    async with uow:
        await _owned(uow, endpoint_id, scope)
        return await uow.attempts.for_endpoint(endpoint_id, limit, offset, where or AttemptFilter())


async def resend(endpoint_id: str, message_id: str, scope: Scope | None, uow: UnitOfWork, now: datetime) -> Delivery:
    """Send one message to one endpoint again, from the start of the retry schedule.

    Only a message the endpoint was entitled to (it has a delivery of it) can be resent:
    a resend must not become a way round the filters or the security-declaration gate.
    """
    async with uow:
        await _owned(uow, endpoint_id, scope)
        delivery = await uow.deliveries.of(message_id, endpoint_id)
        if delivery is None:
            raise NotFound(f"message {message_id} was not sent to endpoint {endpoint_id}")
        if delivery.status is DeliveryStatus.PENDING:
            raise Conflict(f"message {message_id} is still pending for this endpoint; it is being retried")
        if not await _still_cleared(uow, message_id, now):
            raise Conflict(f"message {message_id} is restricted and the security declaration is no longer valid")
        delivery.requeue(now)
        uow.deliveries.requeued()
        await uow.commit()
    return delivery


async def _still_cleared(uow: UnitOfWork, message_id: str, now: datetime) -> bool:
    """A restricted message goes out again only while its audience's declaration is valid."""
    message = await uow.messages.get(message_id)
    if message is None or message.event_type not in RESTRICTED_TYPES or message.audience is None:
        return True
    supplier = await uow.suppliers.get(message.audience)
    return supplier is not None and supplier.cleared_on(now.date())


async def recover(
    endpoint_id: str,
    scope: Scope | None,
    since: datetime,
    until: datetime | None,
    uow: UnitOfWork,
    now: datetime,
) -> int:
    """Send again every message whose delivery to this endpoint failed, among those created
    in [since, until): after an outage longer than the retry schedule."""
    until = until or now
    if since >= until:
        raise ValueError("since must be before until")
    async with uow:
        await _owned(uow, endpoint_id, scope)
        failed = [
            d
            for d in await uow.deliveries.failed_between(endpoint_id, since, until)
            if await _still_cleared(uow, d.message_id, now)
        ]
        for delivery in failed:
            delivery.requeue(now)
        if failed:
            uow.deliveries.requeued()
        await uow.commit()
    log.info("deliveries.recovered", endpoint_id=endpoint_id, count=len(failed))
    return len(failed)


async def message_deliveries(message_id: str, scope: Scope | None, uow: UnitOfWork) -> Sequence[Delivery]:
    """A company or a nation sees a message only through its own deliveries of it."""
    async with uow:
        message = await uow.messages.get(message_id)
        deliveries = await uow.deliveries.for_message(message_id, scope) if message is not None else []
    if message is None or (scope is not None and not deliveries):
        raise NotFound(f"message {message_id} not found")
    return deliveries


async def record_message(
    consumer: str, event: EventEnvelope[Any], message: Message, uow: UnitOfWork, now: datetime
) -> str | None:
    """One message and a delivery per endpoint entitled to it, in one transaction.

    Idempotent: a redelivered event is recognised by its id and changes nothing. A
    restricted message is kept even when nobody may receive it: the record shows it was
    withheld, and why is in the log.
    """
    async with uow:
        if await uow.already_processed(consumer, event.event_id):
            log.info("message.duplicate_ignored", source_event_id=str(event.event_id))
            return None
        uow.messages.add(message)  # flushed by the next query, before its deliveries refer to it
        supplier = await uow.suppliers.get(message.audience) if message.audience else None
        targets = recipients(message, await uow.endpoints.active(), supplier, now)
        for endpoint in targets:
            uow.deliveries.add(Delivery.of(message, endpoint, now))
        await uow.mark_processed(consumer, event.event_id)
        await uow.commit()
    if message.event_type in RESTRICTED_TYPES and not targets:
        log.info(
            "message.withheld",
            message_id=message.id,
            event_type=message.event_type,
            audience=message.audience,
            security_declaration_valid=supplier is not None and supplier.cleared_on(now.date()),
        )
    log.info(
        "message.created",
        message_id=message.id,
        event_type=message.event_type,
        source_event_id=message.source_event_id,
        deliveries=len(targets),
    )
    return message.id


async def record_contract_created(event: ContractCreatedV1, uow: UnitOfWork, links: Links, now: datetime) -> str | None:
    return await record_message(CONSUMER, event, messages.contract_created(event, links), uow, now)


async def skip_event(consumer: str, event: EventEnvelope[Any], uow: UnitOfWork) -> None:
    """A valid event that is not for industry: marked processed, so a replay is cheap."""
    async with uow:
        if await uow.already_processed(consumer, event.event_id):
            return
        await uow.mark_processed(consumer, event.event_id)
        await uow.commit()


async def register_supplier(event: SupplierRegisteredV1, uow: UnitOfWork) -> None:
    """Keep the register of security declarations: the newest registration of an
    organisation wins, whatever order the events arrive in."""
    p = event.payload
    async with uow:
        if await uow.already_processed(REFERENCE_CONSUMER, event.event_id):
            return
        supplier = await uow.suppliers.get(p.organisation)
        if supplier is None:
            supplier = Supplier(
                organisation=p.organisation,
                supplier_id=p.supplier_id,
                country=p.country,
                security_declaration_valid_until=p.security_declaration_valid_until,
                updated_at=event.occurred_at,
            )
            uow.suppliers.add(supplier)
        elif event.occurred_at >= supplier.updated_at:
            supplier.supplier_id, supplier.country = p.supplier_id, p.country
            supplier.security_declaration_valid_until = p.security_declaration_valid_until
            supplier.updated_at = event.occurred_at
        await uow.mark_processed(REFERENCE_CONSUMER, event.event_id)
        await uow.commit()
    log.info(
        "supplier.registered",
        organisation=p.organisation,
        security_declaration_valid_until=str(p.security_declaration_valid_until),
    )


async def claim_due(
    uow: UnitOfWork,
    *,
    now: datetime,
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
    return [
        DeliveryJob(
            delivery_id=d.delivery_id,
            message_id=d.message_id,
            endpoint_id=d.endpoint_id,
            url=d.url,
            secrets=tuple(signing_secrets(d.secret, d.previous_secret, d.previous_secret_expires_at, now)),
            body=message_body(d.event_type, d.occurred_at, d.payload),
            attempt_number=d.attempt_count + 1,
            correlation_id=d.correlation_id,
        )
        for d in taken
    ]


async def _withhold(deliveries: Sequence[DueDelivery], now: datetime, uow: UnitOfWork) -> None:
    changes, attempts = [], []
    for d in deliveries:
        after = withhold(d.attempt_count)
        reason = f"withheld: {d.audience} holds no valid security declaration on {now.date().isoformat()}"
        result = AttemptResult(status_code=None, latency_ms=0, error=reason)
        changes.append((d.delivery_id, after, now))
        attempts.append(attempt_fields(d.delivery_id, d.message_id, d.endpoint_id, result, after, now))
        log.warning("message.withheld", message_id=d.message_id, delivery_id=d.delivery_id, organisation=d.audience)
    await uow.deliveries.progress(changes)
    await uow.attempts.add_many(attempts)


DEFAULT_DISABLE_AFTER = timedelta(days=5)


@dataclass(frozen=True)
class Outcome:
    """One finished attempt, waiting to be recorded."""

    job: DeliveryJob
    result: AttemptResult
    at: datetime


async def record_attempts(
    outcomes: Sequence[Outcome], uow: UnitOfWork, disable_after: timedelta = DEFAULT_DISABLE_AFTER
) -> dict[str, Verdict | None]:
    """Log the attempts, move their deliveries on and keep their endpoints' health, all in
    one transaction (the dispatcher records the attempts that finish together in one
    batch: a transaction per attempt would make the database the bottleneck).

    HTTP 410, or only failures for `disable_after`, disables an endpoint, and its owner is
    told by an EndpointDisabled event committed in the same transaction. A delivery's
    verdict is None when there is nothing to record: the endpoint was deleted meanwhile,
    or another dispatcher finished the delivery after this one's lease ran out.
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
                if _keep_health(endpoints[endpoint_id], verdict, at, disable_after):
                    await _tell_owner(endpoints[endpoint_id], uow)
        await uow.commit()
    return verdicts


def _keep_health(endpoint: Endpoint, verdict: Verdict, at: datetime, disable_after: timedelta) -> bool:
    """True when this attempt disabled the endpoint."""
    if verdict is Verdict.SUCCEEDED:
        endpoint.note_success()
        return False
    if verdict is Verdict.GONE:
        return endpoint.disable("the endpoint answered 410 Gone", at)
    return endpoint.note_failure(at, disable_after)


async def _tell_owner(endpoint: Endpoint, uow: UnitOfWork) -> None:
    log.warning("endpoint.disabled", endpoint_id=endpoint.id, reason=endpoint.disabled_reason)
    event = EndpointDisabledV1.create(
        EndpointDisabledPayload(
            endpoint_id=endpoint.id,
            organisation=endpoint.organisation,
            url=endpoint.url,
            reason=endpoint.disabled_reason or "disabled",
        ),
        aggregate_id=endpoint.id,
        producer="notifications",
        organisation=endpoint.organisation,
    )
    await uow.emit(topics.ENDPOINTS, event)
