"""What every route takes: the unit of work, the caller, the service's settings, the URL
guard, and the shapes of ids and pages. Who may do what is decided by the table in
`notifications.domain.access`; the routes only refuse, before anything is read, a role
that may never act here."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Path, Query, status

from bundling_shared.auth import Principal
from bundling_shared.auth.fastapi import require_role
from bundling_shared.service_app import from_service
from notifications.config import NotificationsSettings
from notifications.domain import access
from notifications.service_layer.unit_of_work import UowFactory, UrlGuard

Uow = Annotated[UowFactory, Depends(from_service("uow"))]
Guard = Annotated[UrlGuard, Depends(from_service("url_guard"))]
Settings = Annotated[NotificationsSettings, Depends(from_service("settings"))]


async def _subscriber(principal: Annotated[Principal, Depends(require_role(*access.SUBSCRIBERS))]) -> Principal:
    """A coordinator acts here for its nation; an agency's coordinator has none (403)."""
    if not access.has_endpoints(principal):
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail=f"{principal.party} has no webhook endpoints here")
    return principal


Subscriber = Annotated[Principal, Depends(_subscriber)]
PathId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]*$")]
"""An endpoint's or a message's id: one the service never hands out is refused before any
database sees it."""
Limit = Annotated[int, Query(ge=1, le=500)]
Offset = Annotated[int, Query(ge=0, le=1_000_000)]
