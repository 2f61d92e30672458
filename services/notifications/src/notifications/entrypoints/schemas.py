"""Request and response bodies of the notifications API."""

from __future__ import annotations

from datetime import datetime
from typing import Generic, TypeVar

from pydantic import BaseModel, Field

from bundling_shared.strict import Alpha3
from notifications.domain.model import EVENT_TYPES, Attempt, Delivery, Endpoint, Owner

T = TypeVar("T")


class EndpointIn(BaseModel):
    url: str = Field(
        min_length=1,
        max_length=2048,
        description="https URL that receives the webhooks.",
        examples=["https://hooks.example-defence.eu/bundling"],
    )
    description: str = Field(default="", max_length=500, examples=["Sales desk, 155 mm ammunition"])
    event_types: list[str] = Field(
        default_factory=list,
        description=f"Message types to receive; empty means all. Known: {', '.join(sorted(EVENT_TYPES))}.",
        examples=[["contract.created"]],
    )
    item_categories: list[str] = Field(
        default_factory=list,
        description="Item categories (the item code up to its first hyphen, e.g. AMMO) or whole item codes "
        "(AMMO-155MM); empty means all items.",
        examples=[["AMMO", "RADAR-MMR"]],
    )
    rate_limit_per_second: int | None = Field(
        default=None, ge=1, le=1000, description="At most this many webhooks a second to this endpoint."
    )
    organisation: str | None = Field(
        default=None, max_length=120, description="Admins only: the organisation the endpoint is for."
    )
    nation: Alpha3 | None = Field(
        default=None,
        description="Admins only: the nation whose desk the endpoint is for (a desk's endpoint is its own nation's).",
    )


class EndpointChange(BaseModel):
    """Only the fields given change; `rate_limit_per_second: null` removes the limit."""

    description: str | None = Field(default=None, max_length=500)
    event_types: list[str] | None = None
    item_categories: list[str] | None = None
    rate_limit_per_second: int | None = Field(default=None, ge=1, le=1000)


class EndpointOut(BaseModel):
    """An endpoint as its owner sees it later: the secret is shown only when it is made."""

    id: str
    organisation: str = Field(description="The company, or for a nation's desk the nation's code.")
    owner: Owner = Field(description="industry: a company's endpoint; nation: a nation's desk's.")
    url: str
    description: str
    event_types: list[str]
    item_categories: list[str]
    rate_limit_per_second: int | None
    status: str = Field(description="active, paused or disabled")
    created_at: datetime
    previous_secret_valid_until: datetime | None = Field(
        description="After a rotation, until when the old secret still signs alongside the new one."
    )
    failing_since: datetime | None = Field(description="Start of the current run of failed attempts, if any.")
    disabled_at: datetime | None
    disabled_reason: str | None = Field(description="Why the platform disabled it; resume once fixed.")

    @classmethod
    def of(cls, endpoint: Endpoint) -> EndpointOut:
        return cls(
            id=endpoint.id,
            organisation=endpoint.organisation,
            owner=endpoint.owner,
            url=endpoint.url,
            description=endpoint.description,
            event_types=list(endpoint.event_types),
            item_categories=list(endpoint.item_categories),
            rate_limit_per_second=endpoint.rate_limit_per_second,
            status=endpoint.status.value,
            created_at=endpoint.created_at,
            previous_secret_valid_until=endpoint.previous_secret_expires_at,
            failing_since=endpoint.failing_since,
            disabled_at=endpoint.disabled_at,
            disabled_reason=endpoint.disabled_reason,
        )


class EndpointWithSecret(EndpointOut):
    secret: str = Field(description="whsec_...: shown once; verify webhook signatures with it.")

    @classmethod
    def with_secret(cls, endpoint: Endpoint) -> EndpointWithSecret:
        return cls(**EndpointOut.of(endpoint).model_dump(), secret=endpoint.secret)


class AttemptOut(BaseModel):
    id: str
    delivery_id: str
    message_id: str
    at: datetime
    status_code: int | None
    latency_ms: int
    succeeded: bool
    error: str | None
    response_body: str = Field(description="The first KiB of the endpoint's answer.")

    @classmethod
    def of(cls, attempt: Attempt) -> AttemptOut:
        return cls(
            id=attempt.id,
            delivery_id=attempt.delivery_id,
            message_id=attempt.message_id,
            at=attempt.at,
            status_code=attempt.status_code,
            latency_ms=attempt.latency_ms,
            succeeded=attempt.succeeded,
            error=attempt.error,
            response_body=attempt.response_body,
        )


class DeliveryOut(BaseModel):
    id: str
    message_id: str
    endpoint_id: str
    status: str
    attempt_count: int
    next_attempt_at: datetime | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, delivery: Delivery) -> DeliveryOut:
        return cls(
            id=delivery.id,
            message_id=delivery.message_id,
            endpoint_id=delivery.endpoint_id,
            status=delivery.status.value,
            attempt_count=delivery.attempt_count,
            next_attempt_at=delivery.next_attempt_at,
            created_at=delivery.created_at,
            updated_at=delivery.updated_at,
        )


class RecoverIn(BaseModel):
    since: datetime = Field(description="Messages created at or after this time (with a time zone).")
    until: datetime | None = Field(default=None, description="...and before this time; default now.")


class RecoverOut(BaseModel):
    requeued: int = Field(description="Failed deliveries sent again from the start of the retry schedule.")


class Page(BaseModel, Generic[T]):
    items: list[T]
    limit: int
    offset: int
