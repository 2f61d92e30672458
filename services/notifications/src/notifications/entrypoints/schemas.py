"""Request and response bodies of the notifications API."""

from __future__ import annotations

import unicodedata
from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, AliasChoices, BaseModel, BeforeValidator, Field, Strict
from pydantic_core import PydanticCustomError

from bundling_shared.strict import EARLIEST_YEAR, LATEST_YEAR, Alpha3, StrictModel
from notifications.domain.categories import MAX_ITEM_CATEGORIES
from notifications.domain.endpoint import MAX_RATE_LIMIT_PER_SECOND, Owner
from notifications.domain.message import EVENT_TYPES
from notifications.domain.url_safety import MAX_URL_LENGTH, url_flaw


def _clean(value: str) -> str:
    for ch in value:
        if unicodedata.category(ch) == "Cc" and ch not in "\n\t":
            raise PydanticCustomError(
                "control_character", "control character U+{code} is not allowed", {"code": f"{ord(ch):04X}"}
            )
    return value


def _clean_url(value: str) -> str:
    flaw = url_flaw(value)
    if flaw is not None:
        raise PydanticCustomError("url_character", flaw)
    return value


def _moment_text(value: Any) -> Any:
    """A time comes as an ISO 8601 string: a number would be read as seconds since 1970."""
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str):
        raise PydanticCustomError("datetime_text", "a time is written as ISO 8601, e.g. 2026-11-22T08:00:00Z")
    return value


def _in_planning_range(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise PydanticCustomError("timezone_aware", "a time needs a time zone, e.g. 2026-11-22T08:00:00Z")
    if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise PydanticCustomError(
            "planning_range",
            "a time must lie within the years {earliest}..{latest}",
            {"earliest": EARLIEST_YEAR, "latest": LATEST_YEAR},
        )
    return value


Url = Annotated[str, Strict(), Field(min_length=1, max_length=MAX_URL_LENGTH), AfterValidator(_clean_url)]
Description = Annotated[str, Strict(), Field(max_length=500), AfterValidator(_clean)]
Organisation = Annotated[str, Strict(), Field(min_length=1, max_length=120), AfterValidator(_clean)]
AgencyName = Annotated[str, Strict(), Field(min_length=2, max_length=10, pattern=r"^[A-Z]+$", examples=["NSPA"])]
EventType = Annotated[str, Strict(), Field(min_length=1, max_length=80, pattern=r"^[a-z_]+(\.[a-z_]+)*$")]
Category = Annotated[str, Strict(), Field(min_length=1, max_length=60), AfterValidator(_clean)]
RateLimit = Annotated[int, Strict(), Field(ge=1, le=MAX_RATE_LIMIT_PER_SECOND)]
Moment = Annotated[datetime, BeforeValidator(_moment_text), AfterValidator(_in_planning_range)]
"""A moment with a time zone, written as ISO 8601, within the planning range."""

MAX_EVENT_TYPES = 2 * len(EVENT_TYPES)


class EndpointIn(StrictModel):
    url: Url = Field(
        description="https URL that receives the webhooks.",
        examples=["https://hooks.example-defence.eu/bundling"],
    )
    description: Description = Field(default="", examples=["Sales desk, 155 mm ammunition"])
    event_types: list[EventType] = Field(
        default_factory=list,
        max_length=MAX_EVENT_TYPES,
        description=f"Message types to receive; empty means all. Known: {', '.join(sorted(EVENT_TYPES))}.",
        examples=[["contract.created"]],
    )
    item_categories: list[Category] = Field(
        default_factory=list,
        max_length=MAX_ITEM_CATEGORIES,
        description="Item categories (the item code up to its first hyphen, e.g. AMMO) or whole item codes "
        "(AMMO-155MM); empty means all items.",
        examples=[["AMMO", "RADAR-MMR"]],
    )
    rate_limit_per_second: RateLimit | None = Field(
        default=None, description="At most this many webhooks a second to this endpoint."
    )
    organisation: Organisation | None = Field(
        default=None, description="Admins only: the organisation the endpoint is for."
    )
    nation: Alpha3 | None = Field(
        default=None,
        description="Admins only: the nation whose desk the endpoint is for (a desk's endpoint is its own nation's).",
    )
    agency: AgencyName | None = Field(
        default=None,
        description="Admins only: the agency (NSPA, EDA, OCCAR) whose coordinators the endpoint is for"
        " (an agency coordinator's endpoint is its own agency's).",
    )


class EndpointChange(StrictModel):
    """Only the fields given change; `rate_limit_per_second: null` removes the limit. The URL
    is not among them: a new URL is a new endpoint."""

    description: Description | None = None
    event_types: list[EventType] | None = Field(default=None, max_length=MAX_EVENT_TYPES)
    item_categories: list[Category] | None = Field(default=None, max_length=MAX_ITEM_CATEGORIES)
    rate_limit_per_second: RateLimit | None = None


class EndpointOut(BaseModel):
    """An endpoint as its owner sees it later: the secret is shown only when it is made."""

    id: str
    organisation: str = Field(description="The company; for a nation's desk the nation's code; for an agency its name.")
    owner: Owner = Field(
        description="industry: a company's endpoint; nation: a nation's desk's; agency: an agency's coordinators'."
    )
    url: str
    description: str
    event_types: list[str] = Field(max_length=MAX_EVENT_TYPES)
    item_categories: list[str] = Field(max_length=MAX_ITEM_CATEGORIES)
    rate_limit_per_second: int | None
    status: str = Field(description="active, paused or disabled")
    created_at: datetime
    previous_secret_valid_until: datetime | None = Field(
        validation_alias=AliasChoices("previous_secret_valid_until", "previous_secret_expires_at"),
        description="After a rotation, until when the old secret still signs alongside the new one.",
    )
    failing_since: datetime | None = Field(description="Start of the current run of failed attempts, if any.")
    disabled_at: datetime | None
    disabled_reason: str | None = Field(description="Why the platform disabled it; resume once fixed.")


class EndpointWithSecret(EndpointOut):
    secret: str = Field(description="whsec_...: shown once; verify webhook signatures with it.")


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


class DeliveryOut(BaseModel):
    id: str
    message_id: str
    endpoint_id: str
    status: str
    attempt_count: int
    next_attempt_at: datetime | None
    created_at: datetime
    updated_at: datetime


MAX_NOTICE_ENTRIES = 50
"""A notice's lists (a bundle's funding instruments, a fund's items) are short; this bounds them."""


class NoticeWindowOut(BaseModel):
    start: str
    end: str


class NoticeInstrumentOut(BaseModel):
    instrument: str
    co_funding_rate: float | None = None


class OpportunityDataOut(BaseModel):
    """What the webhook carried: an opened bundle's fields or an opened fund's, the other's
    left empty. No nation's quantity or money is in either."""

    link: str
    item_code: str | None = None
    bundle_id: str | None = None
    kind: str | None = None
    total_quantity: int | None = None
    nation_count: int | None = None
    delivery_window: NoticeWindowOut | None = None
    accession_deadline: str | None = None
    lead: str | None = None
    funding_instruments: list[NoticeInstrumentOut] = Field(default_factory=list, max_length=MAX_NOTICE_ENTRIES)
    specification_ref: str | None = None
    fund_id: str | None = None
    purpose: str | None = None
    item_codes: list[str] = Field(default_factory=list, max_length=MAX_NOTICE_ENTRIES)
    beneficiary: str | None = None


class NoticeOut(BaseModel):
    """An opportunity notice as the caller's endpoints received it: its `data` is the
    webhook's, so nothing here is more than was sent."""

    id: str = Field(description="The message's id, the webhook-id its receivers saw.")
    event_type: str
    occurred_at: datetime
    item_code: str | None
    data: OpportunityDataOut = Field(validation_alias="payload")


class RecoverIn(StrictModel):
    since: Moment = Field(description="Messages created at or after this time (with a time zone).")
    until: Moment | None = Field(default=None, description="...and before this time; default now.")


class RecoverOut(BaseModel):
    requeued: int = Field(description="Failed deliveries sent again from the start of the retry schedule.")
