"""Endpoints, messages, deliveries and attempts, and the rules for retrying a webhook.

An industry organisation registers endpoints. Every event that industry may hear about
becomes one message, and every endpoint that wants that message gets a delivery of it.
A delivery is tried until it succeeds or the retry schedule runs out. Industry learns
only what it needs to know: a message is thin (ids, totals, the item, a link), and the
details stay behind the link, where the access checks are.
"""

from __future__ import annotations

import base64
import json
import secrets
import unicodedata
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Any

CONTRACT_CREATED = "contract.created"
BUNDLE_OPENED = "bundle.opened"
AWARD_DECIDED = "award.decided"
FRAMEWORK_CONTRACT_CREATED = "framework_contract.created"
SPECIFICATION_HARMONISED = "specification.harmonised"
CALL_OFF_PLACED = "call_off.placed"
DELIVERY_SCHEDULE_CHANGED = "delivery_schedule.changed"
DELIVERY_DELAYED = "delivery.delayed"
NEED_UNPLACEABLE = "need.unplaceable"
COMMITMENT_NOT_CONTRACTED = "commitment.not_contracted"
# Told to the contracted supplier alone, and only while it holds a valid security
# declaration: they name nations, quantities and dates of one contract.
RESTRICTED_TYPES: frozenset[str] = frozenset({CALL_OFF_PLACED, DELIVERY_SCHEDULE_CHANGED, DELIVERY_DELAYED})
INDUSTRY_TYPES: frozenset[str] = frozenset(
    {
        CONTRACT_CREATED,
        BUNDLE_OPENED,
        AWARD_DECIDED,
        FRAMEWORK_CONTRACT_CREATED,
        SPECIFICATION_HARMONISED,
        *RESTRICTED_TYPES,
    }
)
# Told to one nation's desk alone (the message's audience): they are about that nation's
# own needs, or a bundle it leads.
NATION_TYPES: frozenset[str] = frozenset({NEED_UNPLACEABLE, COMMITMENT_NOT_CONTRACTED})
EVENT_TYPES: frozenset[str] = INDUSTRY_TYPES | NATION_TYPES
MAX_ITEM_CATEGORIES = 50
MAX_RATE_LIMIT_PER_SECOND = 1000

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32  # Standard Webhooks asks for 24 to 64 random bytes

# The wait before each retry; the first attempt goes out at once. Eight attempts over
# 27 h 35 min ride out an endpoint's bad night before the delivery is given up.
RETRY_SCHEDULE: tuple[timedelta, ...] = (
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=10),
)
MAX_ATTEMPTS = 1 + len(RETRY_SCHEDULE)
# A receiver may ask for a longer wait (Retry-After) but cannot park a delivery for longer
# than the schedule's own longest wait.
MAX_RETRY_AFTER = max(RETRY_SCHEDULE)
MAX_RESPONSE_BODY_BYTES = 1024
MAX_ERROR_CHARS = 500


class NotificationRuleViolation(Exception):
    """A request or event breaks a rule of the notifications domain."""


class InvalidEndpoint(NotificationRuleViolation):
    pass


class DeliveryFinished(NotificationRuleViolation):
    pass


def url_flaw(url: str) -> str | None:
    """Why a URL cannot be an endpoint's, before it is parsed: a control character or a
    space. A parser drops some of them (tab, newline) and keeps others (NUL), so the URL
    checked would not be the URL stored, and a NUL cannot even be stored in PostgreSQL."""
    for ch in url:
        if unicodedata.category(ch) == "Cc":
            return f"the URL holds the control character U+{ord(ch):04X}"
        if ch.isspace():
            return f"the URL holds a space (U+{ord(ch):04X}); encode it as %20"
    return None


def item_category(item_code: str) -> str:
    """An item's category is its code up to the first hyphen: AMMO-155MM is in AMMO."""
    return item_code.split("-", 1)[0].upper()


def normalise_categories(categories: Iterable[str]) -> list[str]:
    wanted = sorted({c.strip().upper() for c in categories if c.strip()})
    if len(wanted) > MAX_ITEM_CATEGORIES:
        raise InvalidEndpoint(f"at most {MAX_ITEM_CATEGORIES} item categories per endpoint")
    bad = [c for c in wanted if len(c) > 60]
    if bad:
        raise InvalidEndpoint(f"item categories longer than 60 characters: {bad}")
    return wanted


def matches_categories(item_code: str | None, categories: Iterable[str]) -> bool:
    """An entry is a category (AMMO) or a whole item code (AMMO-155MM); no entries: all items.

    A message about no item in particular (a schedule change of the supplier's own
    contract) passes every filter: it is addressed to the endpoint's organisation itself.
    """
    wanted = list(categories)
    if not wanted or item_code is None:
        return True
    code = item_code.upper()
    return item_category(code) in wanted or code in wanted


class Owner(StrEnum):
    """Whom an endpoint speaks to: a company, or a nation's desk. Each hears only the
    messages meant for its kind, so a company that happens to be named like a nation code
    never receives a nation's notices, and a desk is not sent industry's news."""

    INDUSTRY = "industry"
    NATION = "nation"


def types_for(owner: Owner) -> frozenset[str]:
    return NATION_TYPES if owner is Owner.NATION else INDUSTRY_TYPES


def _checked_types(event_types: Iterable[str], owner: Owner) -> list[str]:
    wanted = sorted(set(event_types))
    known = types_for(owner)
    unknown = [t for t in wanted if t not in known]
    if unknown:
        raise InvalidEndpoint(
            f"unknown event types {unknown} for an endpoint of {owner.value}; known: {sorted(known)}"
            " (an empty list means all)"
        )
    return wanted


class EndpointStatus(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    DISABLED = "disabled"


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class Verdict(StrEnum):
    """What one attempt's outcome means for its delivery."""

    SUCCEEDED = "succeeded"
    RETRY = "retry"
    GONE = "gone"
    WITHHELD = "withheld"  # restricted news whose audience lost its clearance: not sent


def new_id(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex}"


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


def utf8_truncate(text: str, limit: int) -> str:
    """Cut to at most `limit` UTF-8 bytes without splitting a character."""
    return text.encode("utf-8")[:limit].decode("utf-8", errors="ignore")


@dataclass
class Endpoint:
    id: str
    organisation: str
    url: str
    description: str
    event_types: list[str]
    secret: str
    previous_secret: str | None = None
    previous_secret_expires_at: datetime | None = None
    status: EndpointStatus = EndpointStatus.ACTIVE
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    item_categories: list[str] = field(default_factory=list)
    rate_limit_per_second: int | None = None
    # Health: when the current run of failures began (None while the last attempt
    # succeeded), and why and when the endpoint was switched off.
    failing_since: datetime | None = None
    disabled_at: datetime | None = None
    disabled_reason: str | None = None
    # A nation's endpoint has the nation's code as its organisation.
    owner: Owner = Owner.INDUSTRY

    @classmethod
    def register(
        cls,
        *,
        organisation: str,
        url: str,
        description: str,
        event_types: Iterable[str],
        item_categories: Iterable[str] = (),
        rate_limit_per_second: int | None = None,
        owner: Owner = Owner.INDUSTRY,
    ) -> Endpoint:
        wanted = _checked_types(event_types, owner)
        if not organisation.strip():
            raise InvalidEndpoint("an endpoint must belong to an organisation")
        flaw = url_flaw(url)
        if flaw is not None:
            raise InvalidEndpoint(flaw)
        if rate_limit_per_second is not None and not 1 <= rate_limit_per_second <= MAX_RATE_LIMIT_PER_SECOND:
            raise InvalidEndpoint(f"rate_limit_per_second must be between 1 and {MAX_RATE_LIMIT_PER_SECOND}")
        return cls(
            id=new_id("ep"),
            organisation=organisation,
            url=url,
            description=description,
            event_types=wanted,
            secret=new_secret(),
            item_categories=normalise_categories(item_categories),
            rate_limit_per_second=rate_limit_per_second,
            owner=owner,
        )

    def change_subscription(
        self,
        *,
        description: str | None = None,
        event_types: Iterable[str] | None = None,
        item_categories: Iterable[str] | None = None,
        rate_limit_per_second: int | None = None,
        unlimited: bool = False,
    ) -> None:
        """Change what the endpoint receives and how fast; the URL and secret stay (a new
        URL is a new endpoint, registered and checked as such)."""
        if event_types is not None:
            self.event_types = _checked_types(event_types, self.owner)
        if item_categories is not None:
            self.item_categories = normalise_categories(item_categories)
        if unlimited:
            self.rate_limit_per_second = None
        elif rate_limit_per_second is not None:
            if not 1 <= rate_limit_per_second <= MAX_RATE_LIMIT_PER_SECOND:
                raise InvalidEndpoint(f"rate_limit_per_second must be between 1 and {MAX_RATE_LIMIT_PER_SECOND}")
            self.rate_limit_per_second = rate_limit_per_second
        if description is not None:
            self.description = description

    def wants(self, message: Message) -> bool:
        """Paused and disabled endpoints get no new messages; empty filters mean everything
        meant for the endpoint's owner. A message with an audience goes only to that
        organisation's endpoints."""
        return (
            self.status is EndpointStatus.ACTIVE
            and message.event_type in types_for(self.owner)
            and (not self.event_types or message.event_type in self.event_types)
            and matches_categories(message.item_code, self.item_categories)
            and (message.audience is None or message.audience == self.organisation)
        )

    def signing_secrets(self, now: datetime) -> list[str]:
        return signing_secrets(self.secret, self.previous_secret, self.previous_secret_expires_at, now)

    def rotate_secret(self, now: datetime, overlap: timedelta) -> str:
        self.previous_secret = self.secret
        self.previous_secret_expires_at = now + overlap
        self.secret = new_secret()
        return self.secret

    def pause(self) -> None:
        self.status = EndpointStatus.PAUSED

    def resume(self) -> None:
        """Also re-enables a disabled endpoint once its owner has fixed it: a fresh start."""
        self.status = EndpointStatus.ACTIVE
        self.failing_since = self.disabled_at = self.disabled_reason = None

    def disable(self, reason: str, at: datetime) -> bool:
        """Switch off; True if it was not disabled before (so its owner is told once)."""
        if self.status is EndpointStatus.DISABLED:
            return False
        self.status, self.disabled_at, self.disabled_reason = EndpointStatus.DISABLED, at, reason
        return True

    def note_success(self) -> None:
        if self.failing_since is not None:  # no write for the common case
            self.failing_since = None

    def note_failure(self, at: datetime, disable_after: timedelta) -> bool:
        """Count a failed attempt; True when it ends a run of only failures long enough to
        disable the endpoint. Retrying a dead endpoint for days helps nobody, and its
        owner would rather hear of it than find out by missing a call-off."""
        if self.failing_since is None or at < self.failing_since:
            self.failing_since = at
        if at - self.failing_since >= disable_after:
            days = disable_after / timedelta(days=1)
            return self.disable(f"only failures since {self.failing_since.isoformat()} ({days:g} days or more)", at)
        return False


def signing_secrets(
    secret: str, previous: str | None, previous_expires_at: datetime | None, now: datetime
) -> list[str]:
    """During a rotation's overlap the receiver may still hold the old secret: sign with both."""
    keys = [secret]
    if previous is not None and previous_expires_at is not None and now < previous_expires_at:
        keys.append(previous)
    return keys


def endpoints_for(message: Message, endpoints: Iterable[Endpoint]) -> list[Endpoint]:
    return [e for e in endpoints if e.wants(message)]


@dataclass
class Supplier:
    """The local register of an organisation's security declaration, fed by the
    contracts service; restricted messages reach only organisations cleared by it."""

    organisation: str
    supplier_id: str
    country: str
    security_declaration_valid_until: date | None
    updated_at: datetime

    def cleared_on(self, day: date) -> bool:
        return cleared(self.security_declaration_valid_until, day)


def cleared(valid_until: date | None, day: date) -> bool:
    return valid_until is not None and day <= valid_until


def recipients(
    message: Message, endpoints: Iterable[Endpoint], supplier: Supplier | None, now: datetime
) -> list[Endpoint]:
    """Who gets `message`: the endpoints that want it, and for a restricted message only
    when its audience holds a valid security declaration today."""
    if message.event_type in RESTRICTED_TYPES:
        if message.audience is None:
            raise NotificationRuleViolation(f"a {message.event_type} message must name its supplier")
        if supplier is None or supplier.organisation != message.audience or not supplier.cleared_on(now.date()):
            return []
    return endpoints_for(message, endpoints)


@dataclass
class Message:
    """One event as industry sees it; its id is the ``webhook-id`` receivers deduplicate on."""

    id: str
    event_type: str
    payload: dict[str, Any]
    occurred_at: datetime
    source_event_id: str
    # Of the user action behind the event: attempt logs carry it, so one flow can be
    # followed from the nation desk's request to the webhook.
    correlation_id: str | None = None
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    # What endpoint filters look at: the item (None: no item in particular) and, for a
    # message meant for one organisation only, that organisation.
    item_code: str | None = None
    audience: str | None = None

    @classmethod
    def create(
        cls,
        *,
        event_type: str,
        payload: dict[str, Any],
        occurred_at: datetime,
        source_event_id: str,
        correlation_id: str | None = None,
        item_code: str | None = None,
        audience: str | None = None,
    ) -> Message:
        if event_type not in EVENT_TYPES:
            raise NotificationRuleViolation(f"no message type {event_type!r}")
        if event_type in RESTRICTED_TYPES | NATION_TYPES and not audience:
            raise NotificationRuleViolation(f"a {event_type} message must name the organisation it is for")
        return cls(
            id=new_id("msg"),
            event_type=event_type,
            payload=payload,
            occurred_at=occurred_at,
            source_event_id=source_event_id,
            correlation_id=correlation_id,
            item_code=item_code,
            audience=audience,
        )

    def body(self) -> str:
        return message_body(self.event_type, self.occurred_at, self.payload)


def message_body(event_type: str, occurred_at: datetime, payload: dict[str, Any]) -> str:
    """The Standard Webhooks payload structure: type, timestamp of the event, data."""
    document = {
        "type": event_type,
        "timestamp": occurred_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "data": payload,
    }
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False)


def verdict(status_code: int | None) -> Verdict:
    """2xx succeeds; 410 says the endpoint is gone for good; anything else is tried again.

    Redirects count as failures and are not followed: a followed redirect would let an
    endpoint send our signed requests to an address nobody checked.
    """
    if status_code is None:
        return Verdict.RETRY
    if 200 <= status_code < 300:
        return Verdict.SUCCEEDED
    if status_code == 410:
        return Verdict.GONE
    return Verdict.RETRY


def parse_retry_after(value: str | None) -> int | None:
    """Seconds only; an HTTP date or garbage is ignored rather than guessed at."""
    if value is None:
        return None
    value = value.strip()
    if not value.isdigit():
        return None
    return int(value)


def next_attempt_at(attempts_made: int, now: datetime, retry_after_seconds: int | None = None) -> datetime | None:
    """When to try again after `attempts_made` failed attempts; None once the schedule is spent."""
    if attempts_made < 1:
        raise ValueError("no attempt has been made yet")
    if attempts_made >= MAX_ATTEMPTS:
        return None
    wait = RETRY_SCHEDULE[attempts_made - 1]
    if retry_after_seconds is not None:
        wait = max(wait, min(timedelta(seconds=retry_after_seconds), MAX_RETRY_AFTER))
    return now + wait


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

    def is_due(self, now: datetime) -> bool:
        return (
            self.status is DeliveryStatus.PENDING and self.next_attempt_at is not None and self.next_attempt_at <= now
        )

    def claim(self, until: datetime) -> None:
        if self.status is not DeliveryStatus.PENDING:
            raise DeliveryFinished(f"delivery {self.id} is {self.status.value}")
        self.next_attempt_at = until

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


def withhold(attempts_before: int) -> Progress:
    """A restricted delivery whose audience no longer holds a valid security declaration
    when its turn comes: it ends unsent, as a 410 ends one. A resend once the declaration
    is renewed sends it again."""
    return Progress(DeliveryStatus.FAILED, attempts_before + 1, None, Verdict.WITHHELD)


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
    # The audience's security declaration, as the register holds it when claimed.
    audience_cleared_until: date | None = None

    def withheld_on(self, day: date) -> bool:
        """Restricted news is checked again before every attempt, not only when the message
        was made: a declaration can lapse while a delivery waits for its retry."""
        return self.event_type in RESTRICTED_TYPES and not cleared(self.audience_cleared_until, day)


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
