"""A nation's defence purchases contracted outside the platform, as its desk records them.

The indicators of a nation's defence industrial base ("the share of purchases contracted
with Dutch companies rose from 41 % to 59 %", "more than 500 Dutch suppliers contracted
for the first time") are about everything the nation buys, and most of it is bought
nationally, before or beside any bundle. A desk records those contracts (supplier, its
country, whether it is an SME, the value and the day signed) so that the reports by year
cover the nation's whole purchasing, not only what went through the platform. A record
is the nation's own: no other nation, agency or company reads it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from contracts.domain.errors import ContractRuleViolation
from contracts.domain.ids import new_id
from contracts.domain.reporting import Purchase

CENT = Decimal("0.01")


@dataclass
class NationalPurchase:
    id: str
    nation: str
    reference: str  # the nation's own contract number: one record per contract
    supplier_name: str
    supplier_country: str
    supplier_sme: bool
    value_eur: Decimal
    signed_on: date
    description: str
    recorded_at: datetime
    supplier_id: str | None = None  # the supplier's id here, when it is registered

    @classmethod
    def record(
        cls,
        *,
        nation: str,
        reference: str,
        supplier_name: str,
        supplier_country: str,
        supplier_sme: bool,
        value_eur: Decimal,
        signed_on: date,
        description: str,
        now: datetime,
        supplier_id: str | None = None,
    ) -> NationalPurchase:
        """A contract already signed: not one dated after today, and of a value in cents."""
        if signed_on > now.date():
            raise ContractRuleViolation(
                f"a purchase is recorded once signed; {signed_on} is after today ({now.date()})",
                field="signed_on",
                rule="signed_in_the_future",
            )
        if value_eur <= 0 or value_eur != value_eur.quantize(CENT):
            raise ContractRuleViolation(
                f"a purchase's value is more than 0 EUR, in cents; got {value_eur}", field="value_eur"
            )
        return cls(
            id=new_id("np"),
            nation=nation,
            reference=reference,
            supplier_name=supplier_name,
            supplier_country=supplier_country,
            supplier_sme=supplier_sme,
            value_eur=value_eur,
            signed_on=signed_on,
            description=description,
            recorded_at=now,
            supplier_id=supplier_id,
        )

    def as_purchase(self) -> Purchase:
        return counted(
            nation=self.nation,
            value_eur=self.value_eur,
            supplier_country=self.supplier_country,
            supplier_id=self.supplier_id,
            supplier_name=self.supplier_name,
            supplier_sme=self.supplier_sme,
            signed_on=self.signed_on,
        )


def supplier_key(supplier_id: str | None, supplier_country: str, supplier_name: str) -> str:
    """Who the supplier is, for counting suppliers contracted for the first time: its id
    here when registered, else its country and name as the desk wrote it."""
    return supplier_id or f"{supplier_country}:{' '.join(supplier_name.casefold().split())}"


def counted(
    *,
    nation: str,
    value_eur: Decimal,
    supplier_country: str,
    supplier_id: str | None,
    supplier_name: str,
    supplier_sme: bool,
    signed_on: date,
) -> Purchase:
    """A national purchase as the reports count it, from the purchase or from its row: a
    report reads a nation's purchases, which grow by thousands, without making each one."""
    return Purchase(
        nation=nation,
        value_eur=value_eur,
        supplier_country=supplier_country,
        supplier_id=supplier_key(supplier_id, supplier_country, supplier_name),
        supplier_sme=supplier_sme,
        year=signed_on.year,
    )
