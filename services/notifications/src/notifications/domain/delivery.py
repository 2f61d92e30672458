"""Deliveries: one message on its way to one endpoint, and the attempts it took.

A delivery is tried until it succeeds or the retry schedule runs out; every attempt is
logged, so an endpoint's owner can see what went wrong and when. Who gets a delivery at
all is decided here too: the endpoints that want the message and, for restricted news,
only while its audience holds a valid security declaration.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from notifications.domain.endpoint import Endpoint, Owner, signing_secrets
from notifications.domain.errors import DeliveryFinished, NotificationRuleViolation
from notifications.domain.ids import new_id
from notifications.domain.message import CLEARED_TYPES, RESTRICTED_TYPES, Message, message_body
from notifications.domain.retry import Verdict, next_attempt_at, parse_retry_after, verdict
from notifications.domain.supplier import Supplier, cleared

MAX_RESPONSE_BODY_BYTES = 1024
MAX_ERROR_CHARS = 500


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


def utf8_truncate(text: str, limit: int) -> str:
    """Cut to at most `limit` UTF-8 bytes without splitting a character."""
    return text.encode("utf-8")[:limit].decode("utf-8", errors="ignore")


def endpoints_for(message: Message, endpoints: Iterable[Endpoint]) -> list[Endpoint]:
    return [e for e in endpoints if e.wants(message)]


def recipients(
    message: Message,
    endpoints: Iterable[Endpoint],
    supplier: Supplier | None,
    now: datetime,
    cleared_companies: Collection[str] = (),
) -> list[Endpoint]:
    """Who gets `message`: the endpoints that want it; of the companies, for a restricted
    message only its audience while it holds a valid security declaration today, for a
    message to the cleared companies only those in `cleared_companies` (the companies that
    hold one today). The desks a message names are told whatever a company's declaration."""
    if message.restricted and message.audience is None:
        raise NotificationRuleViolation(f"a {message.event_type} message must name its supplier")
    audience_cleared = (
        supplier is not None and supplier.organisation == message.audience and supplier.cleared_on(now.date())
    )

    def may_hear(endpoint: Endpoint) -> bool:
        if endpoint.owner.buys:
            return True
        if message.restricted:
            return audience_cleared
        return not message.for_cleared or endpoint.organisation in cleared_companies

    return [e for e in endpoints_for(message, endpoints) if may_hear(e)]


@dataclass(frozen=True)
class AttemptResult:
    """What one HTTP attempt produced, as the sender saw it (no status code: no response)."""

    status_code: int | None
    latency_ms: int
    error: str | None = None
    response_body: str = ""
    retry_after: str | None = None


@dataclass
class Attempt:
    id: str
    delivery_id: str
    message_id: str
    endpoint_id: str
    at: datetime
    status_code: int | None
    latency_ms: int
    succeeded: bool
    error: str | None = None
    response_body: str = ""


@dataclass
class Delivery:
    id: str
    message_id: str
    endpoint_id: str
    # The service clock's moment it was made: recovery resends what failed among the
    # deliveries made in a window, so it is never the machine's time.
    created_at: datetime
    updated_at: datetime
    status: DeliveryStatus = DeliveryStatus.PENDING
    attempt_count: int = 0
    # While an attempt is in flight this is the claim's expiry: should the dispatcher die
    # mid-attempt, the delivery falls due again then and is resumed.
    next_attempt_at: datetime | None = None

    @classmethod
    def of(cls, message: Message, endpoint: Endpoint, now: datetime) -> Delivery:
        return cls(
            id=new_id("dlv"),
            message_id=message.id,
            endpoint_id=endpoint.id,
            next_attempt_at=now,
            created_at=now,
            updated_at=now,
        )

    def requeue(self, now: datetime) -> None:
        """Send again from the start of the retry schedule (a resend or a recovery); the
        webhook-id stays the message id, so the receiver still deduplicates."""
        self.status, self.attempt_count, self.next_attempt_at, self.updated_at = DeliveryStatus.PENDING, 0, now, now

    def record(self, result: AttemptResult, at: datetime) -> tuple[Attempt, Verdict]:
        """Apply one attempt's outcome; the returned verdict tells the caller about 410."""
        if self.status is not DeliveryStatus.PENDING:
            raise DeliveryFinished(f"delivery {self.id} is already {self.status.value}")
        after = progress(self.attempt_count, result, at)
        self.status, self.attempt_count, self.next_attempt_at = after.status, after.attempt_count, after.next_attempt_at
        self.updated_at = at
        return Attempt(**attempt_fields(self.id, self.message_id, self.endpoint_id, result, after, at)), after.verdict


@dataclass(frozen=True)
class Progress:
    """Where a pending delivery stands after one more attempt."""

    status: DeliveryStatus
    attempt_count: int
    next_attempt_at: datetime | None
    verdict: Verdict

    @property
    def outcome(self) -> str:
        """As operators count attempts: delivered; failed, to be tried again; or gave_up,
        the delivery's last (410, or the schedule spent)."""
        if self.status is DeliveryStatus.SUCCEEDED:
            return "delivered"
        return "gave_up" if self.status is DeliveryStatus.FAILED else "failed"


def progress(attempts_before: int, result: AttemptResult, at: datetime) -> Progress:
    """The retry rule: success and 410 end the delivery; anything else waits for the next
    slot of the schedule (or Retry-After, if longer), until the schedule is spent."""
    attempt_count = attempts_before + 1
    outcome = verdict(result.status_code) if result.error is None else Verdict.RETRY
    if outcome is Verdict.SUCCEEDED:
        return Progress(DeliveryStatus.SUCCEEDED, attempt_count, None, outcome)
    if outcome is Verdict.GONE:
        return Progress(DeliveryStatus.FAILED, attempt_count, None, outcome)
    retry_at = next_attempt_at(attempt_count, at, parse_retry_after(result.retry_after))
    status = DeliveryStatus.FAILED if retry_at is None else DeliveryStatus.PENDING
    return Progress(status, attempt_count, retry_at, outcome)


def attempt_fields(
    delivery_id: str, message_id: str, endpoint_id: str, result: AttemptResult, after: Progress, at: datetime
) -> dict[str, Any]:
    """An attempt log entry, as the fields of an `Attempt`: the dispatcher writes thousands
    a second and stores these directly rather than through objects."""
    return {
        "id": new_id("att"),
        "delivery_id": delivery_id,
        "message_id": message_id,
        "endpoint_id": endpoint_id,
        "at": at,
        "status_code": result.status_code,
        "latency_ms": max(0, result.latency_ms),
        "succeeded": after.verdict is Verdict.SUCCEEDED,
        "error": result.error[:MAX_ERROR_CHARS] if result.error else None,
        "response_body": utf8_truncate(result.response_body, MAX_RESPONSE_BODY_BYTES),
    }


@dataclass(frozen=True)
class DueDelivery:
    """A delivery whose time has come, read together with what sending it needs: its
    endpoint's address, secrets and rate limit, and its message."""

    delivery_id: str
    message_id: str
    endpoint_id: str
    attempt_count: int
    url: str
    secret: str
    previous_secret: str | None
    previous_secret_expires_at: datetime | None
    rate_limit_per_second: int | None
    event_type: str
    occurred_at: datetime
    payload: dict[str, Any]
    correlation_id: str | None
    audience: str | None = None
    # The security declaration of the endpoint's company (for restricted news, the
    # audience's), as the register holds it when claimed; none for a desk's endpoint.
    audience_cleared_until: date | None = None
    owner: str = Owner.INDUSTRY.value
    organisation: str | None = None  # the endpoint's
    trace_parent: str | None = None  # the message's

    def withheld_on(self, day: date) -> bool:
        """Restricted and cleared news is checked again before every attempt, not only when
        the message was made: a declaration can lapse while a delivery waits for its retry.
        A desk's copy is not a company's news and waits on no declaration."""
        gated = self.event_type in RESTRICTED_TYPES | CLEARED_TYPES and self.owner == Owner.INDUSTRY.value
        return gated and not cleared(self.audience_cleared_until, day)

    def withhold(self, now: datetime) -> tuple[Progress, dict[str, Any]]:
        """End unsent, as a 410 ends a delivery, with the attempt log entry that says why:
        the audience no longer holds a valid security declaration. A resend once the
        declaration is renewed sends it again."""
        after = Progress(DeliveryStatus.FAILED, self.attempt_count + 1, None, Verdict.WITHHELD)
        company = self.audience or self.organisation
        reason = f"withheld: {company} holds no valid security declaration on {now.date().isoformat()}"
        result = AttemptResult(status_code=None, latency_ms=0, error=reason)
        return after, attempt_fields(self.delivery_id, self.message_id, self.endpoint_id, result, after, now)

    def job(self, now: datetime) -> DeliveryJob:
        """What the attempt needs, signed with every secret valid `now`."""
        return DeliveryJob(
            delivery_id=self.delivery_id,
            message_id=self.message_id,
            endpoint_id=self.endpoint_id,
            url=self.url,
            secrets=tuple(signing_secrets(self.secret, self.previous_secret, self.previous_secret_expires_at, now)),
            body=message_body(self.event_type, self.occurred_at, self.payload),
            attempt_number=self.attempt_count + 1,
            correlation_id=self.correlation_id,
            trace_parent=self.trace_parent,
        )


@dataclass(frozen=True)
class DeliveryState:
    status: DeliveryStatus
    attempt_count: int


@dataclass(frozen=True)
class DeliveryJob:
    """Everything one attempt needs, read when the delivery was claimed, so sending
    touches no database."""

    delivery_id: str
    message_id: str
    endpoint_id: str
    url: str
    secrets: tuple[str, ...]
    body: str
    attempt_number: int
    correlation_id: str | None = None
    trace_parent: str | None = None
