"""Webhook endpoints, managed by the company or nation's desk they belong to (or the
administrator): registered, read, changed, paused, resumed, rotated, deleted, and their
attempt log."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response, status

from bundling_shared.pagination import Page
from notifications.domain.endpoint import Endpoint
from notifications.entrypoints.deps import Guard, Limit, Offset, PathId, Settings, Subscriber, Uow
from notifications.entrypoints.schemas import (
    AttemptOut,
    EndpointChange,
    EndpointIn,
    EndpointOut,
    EndpointWithSecret,
    Moment,
)
from notifications.service_layer import endpoints
from notifications.service_layer.unit_of_work import AttemptFilter

router = APIRouter(tags=["endpoints"])


def _out(endpoint: Endpoint) -> EndpointOut:
    return EndpointOut.model_validate(endpoint, from_attributes=True)


@router.post("/endpoints", status_code=status.HTTP_201_CREATED, response_model=EndpointWithSecret)
async def create_endpoint(body: EndpointIn, uow: Uow, guard: Guard, principal: Subscriber) -> EndpointWithSecret:
    """Register an endpoint. The signing secret is in this answer and never again: store it."""
    endpoint = await endpoints.register_endpoint(
        uow(),
        caller=principal,
        guard=guard,
        cmd=endpoints.RegisterEndpoint(
            url=body.url,
            description=body.description,
            event_types=tuple(body.event_types),
            item_categories=tuple(body.item_categories),
            rate_limit_per_second=body.rate_limit_per_second,
            organisation=body.organisation,
            nation=body.nation,
            agency=body.agency,
        ),
    )
    return EndpointWithSecret.model_validate(endpoint, from_attributes=True)


@router.get("/endpoints", response_model=Page[EndpointOut])
async def list_endpoints(
    uow: Uow,
    principal: Subscriber,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Page[EndpointOut]:
    found, total = await endpoints.list_endpoints(uow(), caller=principal, limit=limit, offset=offset)
    return Page[EndpointOut].model_validate({"items": found, "limit": limit, "offset": offset, "total": total})


@router.get("/endpoints/{endpoint_id}", response_model=EndpointOut)
async def get_endpoint(endpoint_id: PathId, uow: Uow, principal: Subscriber) -> EndpointOut:
    return _out(await endpoints.get_endpoint(uow(), caller=principal, endpoint_id=endpoint_id))


@router.patch("/endpoints/{endpoint_id}", response_model=EndpointOut)
async def change_endpoint(endpoint_id: PathId, body: EndpointChange, uow: Uow, principal: Subscriber) -> EndpointOut:
    """Change the description, event types, item categories or rate limit. The URL and the
    secret stay: register a new endpoint for a new URL, rotate for a new secret."""
    cmd = endpoints.ChangeSubscription(
        description=body.description,
        event_types=tuple(body.event_types) if body.event_types is not None else None,
        item_categories=tuple(body.item_categories) if body.item_categories is not None else None,
        rate_limit_per_second=body.rate_limit_per_second,
        unlimited="rate_limit_per_second" in body.model_fields_set and body.rate_limit_per_second is None,
    )
    return _out(await endpoints.change_subscription(uow(), caller=principal, endpoint_id=endpoint_id, cmd=cmd))


@router.post("/endpoints/{endpoint_id}/pause", response_model=EndpointOut)
async def pause_endpoint(endpoint_id: PathId, uow: Uow, principal: Subscriber) -> EndpointOut:
    """Stop sending: new messages pass the endpoint by, pending deliveries wait for resume."""
    return _out(await endpoints.pause_endpoint(uow(), caller=principal, endpoint_id=endpoint_id))


@router.post("/endpoints/{endpoint_id}/resume", response_model=EndpointOut)
async def resume_endpoint(endpoint_id: PathId, uow: Uow, principal: Subscriber) -> EndpointOut:
    """Send again, also after the endpoint was disabled by answering HTTP 410."""
    return _out(await endpoints.resume_endpoint(uow(), caller=principal, endpoint_id=endpoint_id))


@router.delete("/endpoints/{endpoint_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_endpoint(endpoint_id: PathId, uow: Uow, principal: Subscriber) -> Response:
    await endpoints.delete_endpoint(uow(), caller=principal, endpoint_id=endpoint_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/endpoints/{endpoint_id}/rotate-secret", response_model=EndpointWithSecret)
async def rotate_secret(endpoint_id: PathId, uow: Uow, principal: Subscriber, settings: Settings) -> EndpointWithSecret:
    """A new secret, shown once. The old one keeps signing alongside it for the overlap
    (24 h by default), so receivers can switch without missing a webhook."""
    endpoint = await endpoints.rotate_secret(
        uow(), caller=principal, endpoint_id=endpoint_id, overlap=settings.rotation_overlap
    )
    return EndpointWithSecret.model_validate(endpoint, from_attributes=True)


@router.get("/endpoints/{endpoint_id}/attempts", response_model=Page[AttemptOut])
async def endpoint_attempts(
    endpoint_id: PathId,
    uow: Uow,
    principal: Subscriber,
    limit: Limit = 100,
    offset: Offset = 0,
    outcome: Annotated[Literal["succeeded", "failed"] | None, Query(description="Only these attempts.")] = None,
    message_id: Annotated[str | None, Query(max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]*$")] = None,
    event_type: Annotated[str | None, Query(max_length=80, pattern=r"^[a-z_]+(\.[a-z_]+)*$")] = None,
    since: Annotated[Moment | None, Query(description="Attempts at or after this time.")] = None,
    until: Annotated[Moment | None, Query(description="Attempts before this time.")] = None,
) -> Page[AttemptOut]:
    """The attempt log, newest first: status code, latency, error and the answer's first KiB."""
    where = AttemptFilter(
        succeeded=None if outcome is None else outcome == "succeeded",
        message_id=message_id,
        event_type=event_type,
        since=since,
        until=until,
    )
    found, total = await endpoints.endpoint_attempts(
        uow(), caller=principal, endpoint_id=endpoint_id, limit=limit, offset=offset, where=where
    )
    return Page[AttemptOut].model_validate({"items": found, "limit": limit, "offset": offset, "total": total})
