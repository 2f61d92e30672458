"""Figures people ask for: planned against delivered, and where the money goes.

Contract value by supplier origin, seen from each buying nation, is the indicator behind
"the share of purchases contracted with a Dutch company rose from 41 % to 59 %".
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from contracts.domain.money import ZERO
from contracts.domain.weighing import origin_class

ORIGINS = ("national", "eu", "other_nato", "other")


@dataclass(frozen=True)
class Purchase:
    """A nation's share of a contract or call-off, with who supplies it."""

    nation: str
    value_eur: Decimal
    supplier_country: str


def value_by_origin(purchases: list[Purchase]) -> dict[str, dict[str, Decimal | float]]:
    """Per buying nation: value (EUR, to the cent) and share per origin class."""
    totals: dict[str, dict[str, Decimal]] = defaultdict(lambda: dict.fromkeys(ORIGINS, ZERO))
    for p in purchases:
        totals[p.nation][origin_class(p.supplier_country, p.nation)] += p.value_eur
    report: dict[str, dict[str, Decimal | float]] = {}
    for nation, values in sorted(totals.items()):
        total = sum(values.values(), ZERO)
        report[nation] = {**values, "total": total}
        for origin in ORIGINS:
            report[nation][f"{origin}_share"] = round(float(values[origin] / total), 4) if total else 0.0
    return report


@dataclass(frozen=True)
class DeliveryProgress:
    """Per contract (or call-off), nation and where its lots go: items planned, delivered and due by the day
    asked, and the lots by their status (`LotStatus`) that day. The database adds the lots
    up (`DeliveryLots.progress`), as `DeliveryLot.status` tells each one's."""

    contract_id: str
    nation: str
    deliver_to: str  # the buying nation's own forces, or the beneficiary its lots go to (UKR)
    planned: int = 0
    delivered: int = 0
    due_so_far: int = 0
    met: int = 0
    partially_met: int = 0
    not_met: int = 0
    open: int = 0
