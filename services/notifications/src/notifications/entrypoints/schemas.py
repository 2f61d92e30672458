"""Request and response bodies of the notifications API."""

from __future__ import annotations

from datetime import datetime
from typing import Generic, TypeVar

from pydantic import BaseModel, Field

from notifications.domain.model import EVENT_TYPES, Attempt, Delivery, Endpoint

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
    organisation: str | None = Field(
        default=None, max_length=120, description="Admins only: the organisation the endpoint is for."
    )


class EndpointOut(BaseModel):
    """An endpoint as its owner sees it later: the secret is shown only when it is made."""

    id: str
    organisation: str
    url: str
    description: str
    event_types: list[str]
    status: str
    created_at: datetime
    previous_secret_valid_until: datetime | None = Field(
        description="After a rotation, until when the old secret still signs alongside the new one."
    )

    @classmethod
    def of(cls, endpoint: Endpoint) -> EndpointOut:
        return cls(
            id=endpoint.id,
            organisation=endpoint.organisation,
            url=endpoint.url,
            description=endpoint.description,
            event_types=list(endpoint.event_types),
            status=endpoint.status.value,
            created_at=endpoint.created_at,
            previous_secret_valid_until=endpoint.previous_secret_expires_at,
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


class Page(BaseModel, Generic[T]):
    items: list[T]
    limit: int
    offset: int
