"""Where a message went and how it fared, for those whose endpoints it went to; the
opportunity notices an owner's endpoints received."""

from __future__ import annotations

from fastapi import APIRouter

from bundling_shared.pagination import Page
from notifications.entrypoints.deps import Limit, Offset, PathId, Subscriber, Uow
from notifications.entrypoints.schemas import DeliveryOut, NoticeOut
from notifications.service_layer import deliveries

router = APIRouter(tags=["messages"])


@router.get("/messages/{message_id}/deliveries", response_model=Page[DeliveryOut])
async def message_deliveries(
    message_id: PathId, uow: Uow, principal: Subscriber, limit: Limit = 100, offset: Offset = 0
) -> Page[DeliveryOut]:
    """Where a message went, oldest first; an organisation sees only its own endpoints' deliveries."""
    found, total = await deliveries.message_deliveries(
        uow(), caller=principal, message_id=message_id, limit=limit, offset=offset
    )
    return Page[DeliveryOut].model_validate({"items": found, "limit": limit, "offset": offset, "total": total})


@router.get("/opportunities", response_model=Page[NoticeOut])
async def opportunities(uow: Uow, principal: Subscriber, limit: Limit = 100, offset: Offset = 0) -> Page[NoticeOut]:
    """The opportunity notices (opened bundles and funds) sent to the caller's own
    endpoints, newest first, with the data the webhooks carried: a company reads again
    what it was told, beside the open tenders, without a receiver of its own."""
    found, total = await deliveries.opportunities(uow(), caller=principal, limit=limit, offset=offset)
    items = [NoticeOut.model_validate(m, from_attributes=True) for m in found]
    return Page(items=items, limit=limit, offset=offset, total=total)
