"""Financial contributions: a nation pays toward a bundle (a joint order) or a fund run
by a lead nation, for a stated beneficiary, without receiving quantities itself.

The 155 mm case is eighteen nations pledging support to a batch bought through Czechia;
the CV90 case is the Netherlands and Denmark paying into a Swedish fund for vehicles
delivered to Ukraine. A pledge moves pledged -> confirmed (the contributor commits its
budget) -> paid (the recipient's lead records the money received); the contributor may
withdraw it until it is paid. Amounts are euros with cents, never floats.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import TypedDict

from bundling_shared.ids import time_ordered_id
from demand.domain.errors import InvalidReference, NotAllowedNow
from demand.domain.reference import NATIONS


class PledgeStatus(StrEnum):
    PLEDGED = "pledged"
    CONFIRMED = "confirmed"
    PAID = "paid"
    WITHDRAWN = "withdrawn"


def in_cents(amount_eur: Decimal, what: str) -> None:
    """Money moved is more than zero and whole cents."""
    if amount_eur <= 0 or amount_eur != amount_eur.quantize(Decimal("0.01")):
        raise InvalidReference(
            f"{what} is a positive amount in EUR with cents, got {amount_eur}", field="amount.amount"
        )


class PledgeTerms(TypedDict):
    """What a desk pledges, as its request says it."""

    nation: str
    amount_eur: Decimal
    beneficiary: str | None
    bundle_id: str | None
    fund_id: str | None


LIVE = (PledgeStatus.PLEDGED, PledgeStatus.CONFIRMED, PledgeStatus.PAID)
"""Pledges that still stand; a withdrawn one counts in no total."""


@dataclass
class Pledge:
    id: str
    nation: str  # the contributor
    amount_eur: Decimal
    beneficiary: str  # for whom: the contributor itself (own forces), Ukraine, another nation
    bundle_id: str | None
    fund_id: str | None
    status: PledgeStatus
    created_at: datetime
    updated_at: datetime
    status_reason: str | None = None
    version: int = 1

    @classmethod
    def make(
        cls,
        *,
        nation: str,
        amount_eur: Decimal,
        beneficiary: str | None,
        bundle_id: str | None,
        fund_id: str | None,
        now: datetime,
    ) -> Pledge:
        """A pledge to one recipient, a bundle or a fund, checked as the rules ask."""
        if (bundle_id is None) == (fund_id is None):
            raise InvalidReference("a pledge goes to one bundle or one fund", field="bundle_id", rule="one_recipient")
        in_cents(amount_eur, "a pledge")
        if nation not in NATIONS or NATIONS[nation].partner:
            raise InvalidReference(f"{nation} does not pledge on this platform", field="nation")
        who = beneficiary or nation
        if who not in NATIONS:
            raise InvalidReference(f"unknown beneficiary {who}", field="beneficiary")
        return cls(
            id=time_ordered_id("pledge"),
            nation=nation,
            amount_eur=amount_eur,
            beneficiary=who,
            bundle_id=bundle_id,
            fund_id=fund_id,
            status=PledgeStatus.PLEDGED,
            created_at=now,
            updated_at=now,
        )

    @property
    def for_own_forces(self) -> bool:
        return self.beneficiary == self.nation

    def _move(self, to: PledgeStatus, allowed_from: Iterable[PledgeStatus], now: datetime) -> None:
        if self.status not in allowed_from:
            raise NotAllowedNow(f"pledge {self.id} is {self.status.value}; it cannot become {to.value}")
        self.status = to
        self.updated_at = now
        self.version += 1

    def confirm(self, now: datetime) -> None:
        """The contributor commits the budget it pledged."""
        self._move(PledgeStatus.CONFIRMED, (PledgeStatus.PLEDGED,), now)

    def paid(self, now: datetime) -> None:
        """The recipient's lead records the money received."""
        self._move(PledgeStatus.PAID, (PledgeStatus.CONFIRMED,), now)

    def withdraw(self, reason: str, now: datetime) -> None:
        """Taken back by the contributor, with its reason, until it is paid."""
        self._move(PledgeStatus.WITHDRAWN, (PledgeStatus.PLEDGED, PledgeStatus.CONFIRMED), now)
        self.status_reason = reason


@dataclass(frozen=True)
class PledgeTotals:
    """A recipient's money side from its pledges: what stands (pledged, confirmed or paid),
    what is confirmed (or paid), what is paid, and by how many nations."""

    pledged_eur: Decimal = Decimal(0)
    confirmed_eur: Decimal = Decimal(0)
    paid_eur: Decimal = Decimal(0)
    contributors: tuple[str, ...] = ()
    committed_by: tuple[str, ...] = ()  # the contributors with a confirmed or paid pledge: who pays

    @classmethod
    def of(cls, pledges: Iterable[tuple[str, PledgeStatus, Decimal]]) -> PledgeTotals:
        """From (nation, status, amount) of each pledge, or of pledges summed by both."""
        pledged = confirmed = paid = Decimal(0)
        nations: set[str] = set()
        paying: set[str] = set()
        for nation, status, amount in pledges:
            if status not in LIVE:
                continue
            nations.add(nation)
            pledged += amount
            if status is not PledgeStatus.PLEDGED:
                confirmed += amount
                paying.add(nation)
            if status is PledgeStatus.PAID:
                paid += amount
        return cls(pledged, confirmed, paid, tuple(sorted(nations)), tuple(sorted(paying)))
