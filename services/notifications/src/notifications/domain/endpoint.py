"""Webhook endpoints: where a company, or a nation's desk, wants to hear what concerns it,
what it wants to hear, how fast, and whether it is still listening.

An endpoint signs with a secret its owner sees once; it filters by message type and item
category; it may set a rate limit; its health is kept from its attempts, so a dead endpoint
is switched off and its owner told rather than retried for ever.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from bundling_shared.auth.principal import ALPHA3
from bundling_shared.parties import is_agency
from notifications.domain.categories import matches_categories, normalise_categories
from notifications.domain.errors import InvalidEndpoint
from notifications.domain.ids import new_id
from notifications.domain.message import INDUSTRY_TYPES, NATION_TYPES, Message
from notifications.domain.retry import Verdict
from notifications.domain.url_safety import url_flaw

MAX_RATE_LIMIT_PER_SECOND = 1000
SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32  # Standard Webhooks asks for 24 to 64 random bytes


class Owner(StrEnum):
    """Whom an endpoint speaks to: a company, a nation's desk, or an agency's coordinators
    (NSPA, OCCAR), who lead bundles and sign contracts for nations. Each hears only the
    messages meant for its kind, so a company that happens to be named like a nation code
    or an agency never receives a buyer's notices, and a buyer is not sent industry's news."""

    INDUSTRY = "industry"
    NATION = "nation"
    AGENCY = "agency"

    @property
    def buys(self) -> bool:
        """A nation or an agency: hears a buyer's notices, those that name it."""
        return self is not Owner.INDUSTRY


def keeps_a_desk(party: str) -> bool:
    """Whether `party` is a buyer with endpoints here: a nation's code, as a desk's token
    names it, or an agency that leads and signs for nations (NSPA, OCCAR), whose
    coordinators hear what is told to the lead."""
    return ALPHA3.fullmatch(party) is not None or is_agency(party)


def types_for(owner: Owner) -> frozenset[str]:
    return NATION_TYPES if owner.buys else INDUSTRY_TYPES


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


def _checked_rate(rate_limit_per_second: int) -> int:
    if not 1 <= rate_limit_per_second <= MAX_RATE_LIMIT_PER_SECOND:
        raise InvalidEndpoint(f"rate_limit_per_second must be between 1 and {MAX_RATE_LIMIT_PER_SECOND}")
    return rate_limit_per_second


class EndpointStatus(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    DISABLED = "disabled"


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


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
    # A nation's endpoint has the nation's code as its organisation, an agency's its name.
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
        if rate_limit_per_second is not None:
            _checked_rate(rate_limit_per_second)
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
            self.rate_limit_per_second = _checked_rate(rate_limit_per_second)
        if description is not None:
            self.description = description

    def wants(self, message: Message) -> bool:
        """Paused and disabled endpoints get no new messages; empty filters mean everything
        meant for the endpoint's owner. A message with an audience goes only to the
        endpoints of the organisations it names."""
        return (
            self.status is EndpointStatus.ACTIVE
            and message.event_type in types_for(self.owner)
            and (not self.event_types or message.event_type in self.event_types)
            and matches_categories(message.item_codes, self.item_categories)
            and message.is_for(self.organisation, desk=self.owner.buys)
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

    def keep_health(self, verdict: Verdict, at: datetime, disable_after: timedelta) -> bool:
        """Take one attempt's verdict into account; True when it disabled the endpoint
        (a 410, or the end of a long enough run of failures)."""
        if verdict is Verdict.SUCCEEDED:
            self.note_success()
            return False
        if verdict is Verdict.GONE:
            return self.disable("the endpoint answered 410 Gone", at)
        return self.note_failure(at, disable_after)

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
