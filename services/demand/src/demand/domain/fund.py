"""A fund run by a lead nation (or agency): contributors pay into it, its lead buys with
it, as Denmark and the Netherlands pay into a Swedish fund for CV90 vehicles for Ukraine.
Its balance is what was paid in less what it bought; it buys only what it holds."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from bundling_shared.ids import time_ordered_id
from demand.domain.errors import InvalidReference, NotAllowedNow
from demand.domain.pledge import PledgeTotals, in_cents
from demand.domain.reference import NATIONS

MAX_PURCHASES = 100
"""What one fund buys is a short list; a fund buying more is a new fund."""


class FundStatus(StrEnum):
    OPEN = "open"  # takes pledges and buys
    CLOSED = "closed"  # its record stays; no new pledges, no purchases


@dataclass(frozen=True)
class Purchase:
    """What a fund bought: its share of a bundle (a joint order), in euros."""

    bundle_id: str
    amount_eur: Decimal
    at: datetime
    note: str = ""


@dataclass
class Fund:
    id: str
    lead: str
    purpose: str
    item_codes: list[str]
    beneficiary: str
    status: FundStatus
    created_at: datetime
    updated_at: datetime
    purchases: list[Purchase] = field(default_factory=list)
    closed_reason: str | None = None
    version: int = 1

    @classmethod
    def open(cls, *, lead: str, purpose: str, item_codes: list[str], beneficiary: str, now: datetime) -> Fund:
        if beneficiary not in NATIONS:
            raise InvalidReference(f"unknown beneficiary {beneficiary}", field="beneficiary")
        if not item_codes:
            raise InvalidReference("a fund names the item(s) it buys", field="item_codes")
        return cls(
            id=time_ordered_id("fund"),
            lead=lead,
            purpose=purpose,
            item_codes=sorted(set(item_codes)),
            beneficiary=beneficiary,
            status=FundStatus.OPEN,
            created_at=now,
            updated_at=now,
        )

    @property
    def spent_eur(self) -> Decimal:
        return sum((p.amount_eur for p in self.purchases), Decimal(0))

    def balance(self, totals: PledgeTotals) -> Decimal:
        """What it holds: the money paid in, less what it bought."""
        return totals.paid_eur - self.spent_eur

    def taking_pledges(self) -> None:
        if self.status is not FundStatus.OPEN:
            raise NotAllowedNow(f"fund {self.id} is closed; it takes no pledges")

    def buy(
        self, *, bundle_id: str, item_code: str, amount_eur: Decimal, totals: PledgeTotals, note: str, now: datetime
    ) -> Purchase:
        """Pays `amount_eur` toward a bundle of one of its items, out of what it holds."""
        self.taking_pledges()
        if item_code not in self.item_codes:
            raise InvalidReference(
                f"fund {self.id} buys {', '.join(self.item_codes)}, not {item_code}", field="bundle_id"
            )
        in_cents(amount_eur, "a purchase")
        held = self.balance(totals)
        if amount_eur > held:
            raise NotAllowedNow(f"fund {self.id} holds {held:.2f} EUR; it cannot pay {amount_eur:.2f} EUR")
        if len(self.purchases) >= MAX_PURCHASES:
            raise NotAllowedNow(f"fund {self.id} has made {MAX_PURCHASES} purchases; open another fund")
        purchase = Purchase(bundle_id, amount_eur, now, note)
        self.purchases = [*self.purchases, purchase]
        self.updated_at = now
        self.version += 1
        return purchase

    def close(self, reason: str, now: datetime) -> None:
        self.taking_pledges()
        self.status = FundStatus.CLOSED
        self.closed_reason = reason
        self.updated_at = now
        self.version += 1
