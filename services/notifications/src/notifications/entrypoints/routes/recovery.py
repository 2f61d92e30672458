"""Sending again: one message to one endpoint, or every failed message of a time window,
after an outage longer than the retry schedule."""

from __future__ import annotations

from fastapi import APIRouter

from notifications.entrypoints.deps import PathId, Subscriber, Uow
from notifications.entrypoints.schemas import DeliveryOut, RecoverIn, RecoverOut
from notifications.service_layer import deliveries

router = APIRouter(tags=["recovery"])


@router.post("/endpoints/{endpoint_id}/messages/{message_id}/resend", response_model=DeliveryOut)
async def resend_message(endpoint_id: PathId, message_id: PathId, uow: Uow, principal: Subscriber) -> DeliveryOut:
    """Send one message to this endpoint again, with the same webhook-id, from the start of
    the retry schedule. Only a message the endpoint received (or was meant to) can be resent."""
    delivery = await deliveries.resend(uow(), caller=principal, endpoint_id=endpoint_id, message_id=message_id)
    return DeliveryOut.model_validate(delivery, from_attributes=True)


@router.post("/endpoints/{endpoint_id}/recover", response_model=RecoverOut)
async def recover_failed(endpoint_id: PathId, body: RecoverIn, uow: Uow, principal: Subscriber) -> RecoverOut:
    """Send again every message created in [since, until) whose delivery to this endpoint
    failed: after an outage longer than the retry schedule."""
    requeued = await deliveries.recover(
        uow(), caller=principal, endpoint_id=endpoint_id, since=body.since, until=body.until
    )
    return RecoverOut(requeued=requeued)
