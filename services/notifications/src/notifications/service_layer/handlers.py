"""Handlers: manage an organisation's endpoints, turn contract events into messages and
deliveries, and claim and record delivery attempts for the dispatcher."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from bundling_shared.events.contracts import ContractCreatedV1
from bundling_shared.logging import get_logger
from notifications.domain.model import (
    CONTRACT_CREATED,
    Attempt,
    AttemptResult,
    Delivery,
    DeliveryJob,
    DeliveryStatus,
    Endpoint,
    Message,
    Verdict,
    endpoints_for,
)
from notifications.service_layer.unit_of_work import UnitOfWork, UrlGuard

log = get_logger(__name__)

CONSUMER = "notifications-contracts"

UowFactory = Callable[[], UnitOfWork]


class NotFound(Exception):
    pass


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class RegisterEndpoint:
    organisation: str
    url: str
    description: str
    event_types: tuple[str, ...]


async def register_endpoint(cmd: RegisterEndpoint, uow: UnitOfWork, guard: UrlGuard) -> Endpoint:
    """Refuses an unsafe URL now, while its owner is there to read why (it is checked again
    before every delivery, since DNS answers change)."""
    endpoint = Endpoint.register(
        organisation=cmd.organisation, url=cmd.url, description=cmd.description, event_types=cmd.event_types
    )
    await guard.check(cmd.url)
    async with uow:
        uow.endpoints.add(endpoint)
        await uow.commit()
    return endpoint


def _visible(endpoint: Endpoint | None, organisation: str | None) -> bool:
    return endpoint is not None and (organisation is None or endpoint.organisation == organisation)


async def _owned(uow: UnitOfWork, endpoint_id: str, organisation: str | None) -> Endpoint:
    """Another organisation's endpoint is reported absent: its existence is not ours to tell."""
    endpoint = await uow.endpoints.get(endpoint_id)
    if endpoint is None or not _visible(endpoint, organisation):
        raise NotFound(f"endpoint {endpoint_id} not found")
    return endpoint


async def get_endpoint(endpoint_id: str, organisation: str | None, uow: UnitOfWork) -> Endpoint:
    async with uow:
        return await _owned(uow, endpoint_id, organisation)


async def list_endpoints(organisation: str | None, limit: int, offset: int, uow: UnitOfWork) -> Sequence[Endpoint]:
    async with uow:
        return await uow.endpoints.list(organisation, limit, offset)


async def pause_endpoint(endpoint_id: str, organisation: str | None, uow: UnitOfWork) -> Endpoint:
    async with uow:
        endpoint = await _owned(uow, endpoint_id, organisation)
        endpoint.pause()
        await uow.commit()
    return endpoint


async def resume_endpoint(endpoint_id: str, organisation: str | None, uow: UnitOfWork) -> Endpoint:
    async with uow:
        endpoint = await _owned(uow, endpoint_id, organisation)
        endpoint.resume()
        await uow.commit()
    return endpoint


async def delete_endpoint(endpoint_id: str, organisation: str | None, uow: UnitOfWork) -> None:
    async with uow:
        endpoint = await _owned(uow, endpoint_id, organisation)
        await uow.endpoints.delete(endpoint)
        await uow.commit()


async def rotate_secret(
    endpoint_id: str, organisation: str | None, overlap: timedelta, uow: UnitOfWork, now: datetime | None = None
) -> Endpoint:
    async with uow:
        endpoint = await _owned(uow, endpoint_id, organisation)
        endpoint.rotate_secret(now or _now(), overlap)
        await uow.commit()
    return endpoint


async def endpoint_attempts(
    endpoint_id: str, organisation: str | None, limit: int, offset: int, uow: UnitOfWork
) -> Sequence[Attempt]:
    async with uow:
        await _owned(uow, endpoint_id, organisation)
        return await uow.attempts.for_endpoint(endpoint_id, limit, offset)


async def message_deliveries(message_id: str, organisation: str | None, uow: UnitOfWork) -> Sequence[Delivery]:
    """An organisation sees a message only through its own deliveries of it."""
    async with uow:
        message = await uow.messages.get(message_id)
        deliveries = await uow.deliveries.for_message(message_id, organisation) if message is not None else []
    if message is None or (organisation is not None and not deliveries):
        raise NotFound(f"message {message_id} not found")
    return deliveries


def contract_created_message(event: ContractCreatedV1, link_template: str) -> Message:
    """What industry may know of a new contract: ids, totals, the item, a link. Never the
    quantity per nation: which nation buys how much is not industry's to know."""
    p = event.payload
    data: dict[str, Any] = {
        "contract_id": p.contract_id,
        "bundle_id": p.bundle_id,
        "item_code": p.item_code,
        "contracting_authority": p.contracting_authority,
        "total_quantity": p.total_quantity,
        "delivery_window": {"start": p.delivery_window.start.isoformat(), "end": p.delivery_window.end.isoformat()},
        "nation_count": len({line.nation for line in p.lines}),
        "link": link_template.format(contract_id=p.contract_id),
    }
    return Message.create(
        event_type=CONTRACT_CREATED,
        payload=data,
        occurred_at=event.occurred_at,
        source_event_id=str(event.event_id),
        correlation_id=event.correlation_id,
    )


async def record_contract_created(
    event: ContractCreatedV1, uow: UnitOfWork, link_template: str, now: datetime | None = None
) -> str | None:
    """One message and a delivery per interested endpoint, in one transaction.

    Idempotent: a redelivered event is recognised by its id and changes nothing.
    """
    now = now or _now()
    async with uow:
        if await uow.already_processed(CONSUMER, event.event_id):
            log.info("message.duplicate_ignored", source_event_id=str(event.event_id))
            return None
        message = contract_created_message(event, link_template)
        uow.messages.add(message)
        targets = endpoints_for(message.event_type, await uow.endpoints.active())
        for endpoint in targets:
            uow.deliveries.add(Delivery.of(message, endpoint, now))
        await uow.mark_processed(CONSUMER, event.event_id)
        await uow.commit()
    log.info(
        "message.created",
        message_id=message.id,
        event_type=message.event_type,
        source_event_id=message.source_event_id,
        deliveries=len(targets),
    )
    return message.id


async def claim_due(
    uow: UnitOfWork,
    *,
    now: datetime,
    lease: timedelta,
    limit: int,
    room: Callable[[str], int],
    skip_endpoints: Collection[str] = (),
    skip_deliveries: Collection[str] = (),
) -> list[DeliveryJob]:
    """Claim up to `limit` due deliveries, at most `room(endpoint_id)` per endpoint.

    Endpoints already at their limit (`skip_endpoints`) are left out of the query, so a
    slow endpoint's backlog cannot fill the batch and starve the others. The claim is a
    lease: the delivery's next attempt moves to `now + lease`, so another dispatcher leaves
    it alone, and a dispatcher that dies mid-attempt leaves it due again.
    """
    async with uow:
        candidates = await uow.deliveries.due(now, limit, skip_endpoints, skip_deliveries)
        taken: list[Delivery] = []
        per_endpoint: dict[str, int] = {}
        for delivery in candidates:
            count = per_endpoint.get(delivery.endpoint_id, 0)
            if count >= room(delivery.endpoint_id):
                continue
            per_endpoint[delivery.endpoint_id] = count + 1
            delivery.claim(now + lease)
            taken.append(delivery)
        if not taken:
            return []
        endpoints = await uow.endpoints.get_many({d.endpoint_id for d in taken})
        messages = await uow.messages.get_many({d.message_id for d in taken})
        await uow.commit()
    return [
        DeliveryJob(
            delivery_id=d.id,
            message_id=d.message_id,
            endpoint_id=d.endpoint_id,
            url=endpoints[d.endpoint_id].url,
            secrets=tuple(endpoints[d.endpoint_id].signing_secrets(now)),
            body=messages[d.message_id].body(),
            attempt_number=d.attempt_count + 1,
            correlation_id=messages[d.message_id].correlation_id,
        )
        for d in taken
        if d.endpoint_id in endpoints and d.message_id in messages
    ]


async def record_attempt(job: DeliveryJob, result: AttemptResult, at: datetime, uow: UnitOfWork) -> Verdict | None:
    """Log the attempt and move the delivery on; HTTP 410 disables the endpoint.

    None when there is nothing to record: the endpoint was deleted meanwhile, or another
    dispatcher finished the delivery after this one's lease ran out.
    """
    async with uow:
        delivery = await uow.deliveries.get(job.delivery_id)
        if delivery is None or delivery.status is not DeliveryStatus.PENDING:
            return None
        attempt, outcome = delivery.record(result, at)
        uow.attempts.add(attempt)
        if outcome is Verdict.GONE:
            endpoint = await uow.endpoints.get(job.endpoint_id)
            if endpoint is not None:
                endpoint.disable()
        await uow.commit()
    return outcome
