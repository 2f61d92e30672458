"""Versioned HTTP API (/v1) for companies and nations' desks managing their webhook endpoints."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, Response, status

from bundling_shared.auth import Principal
from bundling_shared.auth.fastapi import require_role
from bundling_shared.problems import ProblemError
from notifications.domain import access
from notifications.domain.access import Scope
from notifications.domain.model import NotificationRuleViolation
from notifications.domain.url_safety import UnsafeUrl
from notifications.entrypoints.schemas import (
    AttemptOut,
    DeliveryOut,
    EndpointChange,
    EndpointIn,
    EndpointOut,
    EndpointWithSecret,
    Moment,
    Page,
    RecoverIn,
    RecoverOut,
)
from notifications.service_layer import handlers
from notifications.service_layer.handlers import UowFactory
from notifications.service_layer.unit_of_work import AttemptFilter, UrlGuard

router = APIRouter(prefix="/v1")

UNPROCESSABLE = 422  # the constant was renamed across Starlette versions


def _uow(request: Request) -> UowFactory:
    factory: UowFactory = request.app.state.uow
    return factory


def _guard(request: Request) -> UrlGuard:
    guard: UrlGuard = request.app.state.url_guard
    return guard


def _now(request: Request) -> datetime:
    """The service's clock, the one its consumers and dispatcher stamp and claim by."""
    now: datetime = request.app.state.service.clock()
    return now


Uow = Annotated[UowFactory, Depends(_uow)]
Now = Annotated[datetime, Depends(_now)]
Guard = Annotated[UrlGuard, Depends(_guard)]
Subscriber = Annotated[Principal, Depends(require_role(*access.SUBSCRIBERS))]
PathId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]*$")]
"""An endpoint's or a message's id: one the service never hands out is refused before any
database sees it."""
Limit = Annotated[int, Query(ge=1, le=500)]
Offset = Annotated[int, Query(ge=0, le=1_000_000)]


def _scope(principal: Principal) -> Scope | None:
    return access.scope_of(principal)


def _not_found(exc: handlers.NotFound) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, detail=str(exc))


@router.post("/endpoints", status_code=status.HTTP_201_CREATED, response_model=EndpointWithSecret, tags=["endpoints"])
async def create_endpoint(body: EndpointIn, uow: Uow, guard: Guard, principal: Subscriber) -> EndpointWithSecret:
    """Register an endpoint. The signing secret is in this answer and never again: store it."""
    try:
        owner = access.registers_for(principal, nation=body.nation, organisation=body.organisation)
    except access.NotTheirs as exc:
        field = "body.nation" if body.nation is not None else "body.organisation"
        raise ProblemError(UNPROCESSABLE, str(exc), field=field, rule="own_endpoints_only") from exc
    try:
        endpoint = await handlers.register_endpoint(
            handlers.RegisterEndpoint(
                owner=owner.owner,
                organisation=owner.organisation,
                url=body.url,
                description=body.description,
                event_types=tuple(body.event_types),
                item_categories=tuple(body.item_categories),
                rate_limit_per_second=body.rate_limit_per_second,
            ),
            uow(),
            guard,
        )
    except UnsafeUrl as exc:
        raise ProblemError(UNPROCESSABLE, str(exc), field="body.url", rule="unsafe_url") from exc
    except NotificationRuleViolation as exc:
        raise HTTPException(UNPROCESSABLE, detail=str(exc)) from exc
    return EndpointWithSecret.with_secret(endpoint)


@router.get("/endpoints", response_model=Page[EndpointOut], tags=["endpoints"])
async def list_endpoints(
    uow: Uow,
    principal: Subscriber,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Page[EndpointOut]:
    endpoints = await handlers.list_endpoints(_scope(principal), limit, offset, uow())
    return Page(items=[EndpointOut.of(e) for e in endpoints], limit=limit, offset=offset)


@router.get("/endpoints/{endpoint_id}", response_model=EndpointOut, tags=["endpoints"])
async def get_endpoint(endpoint_id: PathId, uow: Uow, principal: Subscriber) -> EndpointOut:
    try:
        return EndpointOut.of(await handlers.get_endpoint(endpoint_id, _scope(principal), uow()))
    except handlers.NotFound as exc:
        raise _not_found(exc) from exc


@router.patch("/endpoints/{endpoint_id}", response_model=EndpointOut, tags=["endpoints"])
async def change_endpoint(endpoint_id: PathId, body: EndpointChange, uow: Uow, principal: Subscriber) -> EndpointOut:
    """Change the description, event types, item categories or rate limit. The URL and the
    secret stay: register a new endpoint for a new URL, rotate for a new secret."""
    given = body.model_fields_set
    cmd = handlers.ChangeSubscription(
        description=body.description,
        event_types=tuple(body.event_types) if body.event_types is not None else None,
        item_categories=tuple(body.item_categories) if body.item_categories is not None else None,
        rate_limit_per_second=body.rate_limit_per_second,
        unlimited="rate_limit_per_second" in given and body.rate_limit_per_second is None,
    )
    try:
        return EndpointOut.of(await handlers.change_subscription(endpoint_id, _scope(principal), cmd, uow()))
    except handlers.NotFound as exc:
        raise _not_found(exc) from exc
    except NotificationRuleViolation as exc:
        raise HTTPException(UNPROCESSABLE, detail=str(exc)) from exc


@router.post("/endpoints/{endpoint_id}/pause", response_model=EndpointOut, tags=["endpoints"])
async def pause_endpoint(endpoint_id: PathId, uow: Uow, principal: Subscriber) -> EndpointOut:
    """Stop sending: new messages pass the endpoint by, pending deliveries wait for resume."""
    try:
        return EndpointOut.of(await handlers.pause_endpoint(endpoint_id, _scope(principal), uow()))
    except handlers.NotFound as exc:
        raise _not_found(exc) from exc


@router.post("/endpoints/{endpoint_id}/resume", response_model=EndpointOut, tags=["endpoints"])
async def resume_endpoint(endpoint_id: PathId, uow: Uow, principal: Subscriber) -> EndpointOut:
    """Send again, also after the endpoint was disabled by answering HTTP 410."""
    try:
        return EndpointOut.of(await handlers.resume_endpoint(endpoint_id, _scope(principal), uow()))
    except handlers.NotFound as exc:
        raise _not_found(exc) from exc


@router.delete("/endpoints/{endpoint_id}", status_code=status.HTTP_204_NO_CONTENT, tags=["endpoints"])
async def delete_endpoint(endpoint_id: PathId, uow: Uow, principal: Subscriber) -> Response:
    try:
        await handlers.delete_endpoint(endpoint_id, _scope(principal), uow())
    except handlers.NotFound as exc:
        raise _not_found(exc) from exc
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/endpoints/{endpoint_id}/rotate-secret", response_model=EndpointWithSecret, tags=["endpoints"])
async def rotate_secret(
    endpoint_id: PathId, request: Request, uow: Uow, principal: Subscriber, now: Now
) -> EndpointWithSecret:
    """A new secret, shown once. The old one keeps signing alongside it for the overlap
    (24 h by default), so receivers can switch without missing a webhook."""
    try:
        endpoint = await handlers.rotate_secret(
            endpoint_id, _scope(principal), request.app.state.service.settings.rotation_overlap, uow(), now
        )
    except handlers.NotFound as exc:
        raise _not_found(exc) from exc
    return EndpointWithSecret.with_secret(endpoint)


@router.get("/endpoints/{endpoint_id}/attempts", response_model=Page[AttemptOut], tags=["endpoints"])
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
    _aware(since, until)
    where = AttemptFilter(
        succeeded=None if outcome is None else outcome == "succeeded",
        message_id=message_id,
        event_type=event_type,
        since=since,
        until=until,
    )
    try:
        attempts = await handlers.endpoint_attempts(endpoint_id, _scope(principal), limit, offset, uow(), where)
    except handlers.NotFound as exc:
        raise _not_found(exc) from exc
    return Page(items=[AttemptOut.of(a) for a in attempts], limit=limit, offset=offset)


def _aware(*moments: datetime | None) -> None:
    if any(m is not None and m.tzinfo is None for m in moments):
        raise HTTPException(UNPROCESSABLE, detail="times need a time zone, e.g. 2026-11-22T08:00:00Z")


@router.post("/endpoints/{endpoint_id}/messages/{message_id}/resend", response_model=DeliveryOut, tags=["recovery"])
async def resend_message(
    endpoint_id: PathId, message_id: PathId, uow: Uow, principal: Subscriber, now: Now
) -> DeliveryOut:
    """Send one message to this endpoint again, with the same webhook-id, from the start of
    the retry schedule. Only a message the endpoint received (or was meant to) can be resent."""
    try:
        delivery = await handlers.resend(endpoint_id, message_id, _scope(principal), uow(), now)
    except handlers.NotFound as exc:
        raise _not_found(exc) from exc
    except handlers.Conflict as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, detail=str(exc)) from exc
    return DeliveryOut.of(delivery)


@router.post("/endpoints/{endpoint_id}/recover", response_model=RecoverOut, tags=["recovery"])
async def recover_failed(endpoint_id: PathId, body: RecoverIn, uow: Uow, principal: Subscriber, now: Now) -> RecoverOut:
    """Send again every message created in [since, until) whose delivery to this endpoint
    failed: after an outage longer than the retry schedule."""
    _aware(body.since, body.until)
    try:
        requeued = await handlers.recover(endpoint_id, _scope(principal), body.since, body.until, uow(), now)
    except handlers.NotFound as exc:
        raise _not_found(exc) from exc
    except ValueError as exc:
        raise HTTPException(UNPROCESSABLE, detail=str(exc)) from exc
    return RecoverOut(requeued=requeued)


@router.get("/messages/{message_id}/deliveries", response_model=list[DeliveryOut], tags=["messages"])
async def message_deliveries(message_id: PathId, uow: Uow, principal: Subscriber) -> list[DeliveryOut]:
    """Where a message went; an organisation sees only its own endpoints' deliveries."""
    try:
        deliveries = await handlers.message_deliveries(message_id, _scope(principal), uow())
    except handlers.NotFound as exc:
        raise _not_found(exc) from exc
    return [DeliveryOut.of(d) for d in deliveries]
