"""Where a message went and how it fared, for those whose endpoints it went to."""

from __future__ import annotations

from fastapi import APIRouter

from notifications.entrypoints.deps import PathId, Subscriber, Uow
from notifications.entrypoints.schemas import DeliveryOut
from notifications.service_layer import deliveries

router = APIRouter(tags=["messages"])


@router.get("/messages/{message_id}/deliveries", response_model=list[DeliveryOut])
async def message_deliveries(message_id: PathId, uow: Uow, principal: Subscriber) -> list[DeliveryOut]:
    """Where a message went; an organisation sees only its own endpoints' deliveries."""
    found = await deliveries.message_deliveries(uow(), caller=principal, message_id=message_id)
    return [DeliveryOut.model_validate(d, from_attributes=True) for d in found]
