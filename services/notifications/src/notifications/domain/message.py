"""Messages: one platform event as industry, or a nation's desk, may hear of it.

Every event that industry or a nation may hear about becomes one message, and every
endpoint that wants it gets a delivery of it. A message is thin (ids, totals, the item, a
link), and the details stay behind the link, where the access checks are.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from notifications.domain.errors import NotificationRuleViolation
from notifications.domain.ids import new_id

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
PLEDGE_MADE = "pledge.made"
PLEDGE_CONFIRMED = "pledge.confirmed"
PLEDGE_PAID = "pledge.paid"
PLEDGE_WITHDRAWN = "pledge.withdrawn"
FUND_OPENED = "fund.opened"
FUND_CLOSED = "fund.closed"
CAPACITY_UNLOCKED = "capacity.unlocked"
# Told to the nations in an expiring contract or framework and its supplier(s) alone: the
# follow-on round is theirs to start; no nation's quantity is in it.
CONTRACT_EXPIRING = "contract.expiring"
PROCUREMENT_OPENED = "procurement.opened"
BUNDLE_COMMITTED = "bundle.committed"
# What a company may bid on or sell to before any tender: an opened bundle, an opened fund.
OPPORTUNITIES: tuple[str, ...] = (BUNDLE_OPENED, FUND_OPENED)
DEADLINE_NEARING = "bundle.deadline_nearing"
# Told to the company named (the contracted supplier, or the company whose production line
# demand unlocked) alone, and only while it holds a valid security declaration: they name
# nations, quantities and dates of one contract, or the nations' aggregated demand.
RESTRICTED_TYPES: frozenset[str] = frozenset(
    {CALL_OFF_PLACED, DELIVERY_SCHEDULE_CHANGED, DELIVERY_DELAYED, CAPACITY_UNLOCKED}
)
# Told to every company holding a valid security declaration, none named: a tender notice
# invites those that may lawfully bid (the contracts service refuses an offer from a company
# without one), and tells them what a defence buyer wants, how much and by when. Neither a
# restricted message (no one company is its audience) nor a broadcast (a company without a
# declaration is not told), it is an audience of its own kind, checked per endpoint against
# the register when the message is made and again before every attempt.
CLEARED_TYPES: frozenset[str] = frozenset({PROCUREMENT_OPENED})
# Told to every company and every nation's desk: a fund is something industry may sell to
# and any nation may pay into. They never carry an amount.
FUND_TYPES: frozenset[str] = frozenset({FUND_OPENED, FUND_CLOSED})
INDUSTRY_TYPES: frozenset[str] = frozenset(
    {
        CONTRACT_CREATED,
        BUNDLE_OPENED,
        AWARD_DECIDED,
        FRAMEWORK_CONTRACT_CREATED,
        SPECIFICATION_HARMONISED,
        *RESTRICTED_TYPES,
        *CLEARED_TYPES,
        *FUND_TYPES,
        CONTRACT_EXPIRING,
    }
)
# A nation's money: told to the contributor and the lead of what it goes to, never to
# industry.
PLEDGE_TYPES: frozenset[str] = frozenset({PLEDGE_MADE, PLEDGE_CONFIRMED, PLEDGE_PAID, PLEDGE_WITHDRAWN})
# Told to the nations' desks the message names alone (its audience): about a nation's
# own needs, a bundle it leads or is committed in, a pledge it made or that goes to what it
# leads, or a contract of its nearing its end.
ADDRESSED_NATION_TYPES: frozenset[str] = frozenset(
    {NEED_UNPLACEABLE, COMMITMENT_NOT_CONTRACTED, BUNDLE_COMMITTED, DEADLINE_NEARING, *PLEDGE_TYPES, CONTRACT_EXPIRING}
)
# Industry's messages that the desks of the nations they name (`also_for`) hear too: a
# bundle they are asked to confirm, a contract they have a line in, their lots delayed or
# re-planned. One message, as one event is one fact: its data names no nation's figures
# but those of the nations it is for (a delay is one lot's, of one nation; a schedule
# change, a contract's totals), and industry's side of it goes where it went before.
NATION_COPIED_TYPES: frozenset[str] = frozenset(
    {BUNDLE_OPENED, CONTRACT_CREATED, DELIVERY_DELAYED, DELIVERY_SCHEDULE_CHANGED}
)
NATION_TYPES: frozenset[str] = ADDRESSED_NATION_TYPES | FUND_TYPES | NATION_COPIED_TYPES
EVENT_TYPES: frozenset[str] = INDUSTRY_TYPES | NATION_TYPES


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
    # A message about several items (what a fund buys) names the others here; one told
    # to more than one nation (a pledge: its contributor, then the lead of what it goes
    # to) names the others here. Restricted news has one supplier, never more.
    other_items: list[str] = field(default_factory=list)
    also_for: list[str] = field(default_factory=list)
    # The W3C trace context of the consumer that made the message: its webhook attempts,
    # sent later and maybe by another process, join the trace of the user action.
    trace_parent: str | None = None

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
        other_items: Sequence[str] = (),
        also_for: Sequence[str] = (),
    ) -> Message:
        if event_type not in EVENT_TYPES:
            raise NotificationRuleViolation(f"no message type {event_type!r}")
        if event_type in RESTRICTED_TYPES | ADDRESSED_NATION_TYPES and not audience:
            raise NotificationRuleViolation(f"a {event_type} message must name the organisation it is for")
        if also_for and event_type not in ADDRESSED_NATION_TYPES | NATION_COPIED_TYPES:
            raise NotificationRuleViolation(f"a {event_type} message is for one organisation at most")
        if audience and event_type in CLEARED_TYPES:
            raise NotificationRuleViolation(f"a {event_type} message is for every cleared company, none named")
        if other_items and not item_code:
            raise NotificationRuleViolation("a message about several items names the first as its item")
        message = cls(new_id("msg"), event_type, payload, occurred_at, source_event_id, correlation_id)
        message.item_code, message.audience = item_code, audience
        message.other_items = list(other_items)
        copied = event_type in NATION_COPIED_TYPES  # its audience is a company, its also_for nations
        message.also_for = [party for party in dict.fromkeys(also_for) if copied or party != audience]
        return message

    @property
    def item_codes(self) -> list[str]:
        """Every item the message is about; none: no item in particular."""
        return ([self.item_code] if self.item_code else []) + list(self.other_items)

    def is_for(self, organisation: str, *, desk: bool = False) -> bool:
        """Whether `organisation` is among those the message is meant for (no audience:
        anyone its type is meant for). `desk`: the organisation is a nation's desk; of an
        industry message copied to the nations, only those it names hear it, and a company
        named like a nation code never does."""
        if self.event_type in NATION_COPIED_TYPES:
            return organisation in self.also_for if desk else self.audience in (None, organisation)
        return self.audience is None or organisation == self.audience or organisation in self.also_for

    @property
    def restricted(self) -> bool:
        return self.event_type in RESTRICTED_TYPES

    @property
    def for_cleared(self) -> bool:
        """For every company holding a valid security declaration, and no other."""
        return self.event_type in CLEARED_TYPES

    def gated(self, desk: bool) -> bool:
        """Whether an endpoint's delivery waits on a company's security declaration: a
        company's restricted or cleared message; a desk's copy never (the nation is the
        buyer, not the one cleared)."""
        return not desk and (self.restricted or self.for_cleared)

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
