"""Figures people ask for: planned against delivered, and where the money goes.

Contract value by supplier origin, seen from each buying nation, is the indicator behind
"the share of purchases contracted with a Dutch company rose from 41 % to 59 %".
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from contracts.domain.money import ZERO
from contracts.domain.weighing import origin_class

ORIGINS = ("national", "eu", "other_nato", "other")


@dataclass(frozen=True)
class Purchase:
    """A nation's share of a contract or call-off, with who supplies it and the year it was ordered."""

    nation: str
    value_eur: Decimal
    supplier_country: str
    supplier_id: str = ""
    supplier_sme: bool = False
    year: int = 0


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
class YearFigures:
    """One year's indicators of the defence industrial base, over the purchases seen."""

    year: int
    value_eur: Decimal
    sme_value_eur: Decimal
    by_nation: dict[str, dict[str, Decimal | float]]  # as `value_by_origin`, of that year's orders
    new_suppliers: dict[str, int]  # per country, the suppliers contracted for the first time that year

    @property
    def sme_share(self) -> float:
        return round(float(self.sme_value_eur / self.value_eur), 4) if self.value_eur else 0.0


def kpis_by_year(purchases: list[Purchase]) -> list[YearFigures]:
    """Per year ordered, oldest first: value, the share of it going to SMEs, each buying
    nation's value by supplier origin (the "41 % to 59 % contracted with Dutch companies"
    indicator, year by year) and the suppliers contracted for the first time, by country."""
    first_year: dict[str, tuple[int, str]] = {}
    by_year: dict[int, list[Purchase]] = defaultdict(list)
    for p in purchases:
        if p.supplier_id not in first_year or p.year < first_year[p.supplier_id][0]:
            first_year[p.supplier_id] = (p.year, p.supplier_country)
        by_year[p.year].append(p)
    figures = []
    for year, of_year in sorted(by_year.items()):
        new: dict[str, int] = defaultdict(int)
        for first, country in first_year.values():
            if first == year:
                new[country] += 1
        figures.append(
            YearFigures(
                year=year,
                value_eur=sum((p.value_eur for p in of_year), ZERO),
                sme_value_eur=sum((p.value_eur for p in of_year if p.supplier_sme), ZERO),
                by_nation=value_by_origin(of_year),
                new_suppliers=dict(sorted(new.items())),
            )
        )
    return figures


@dataclass(frozen=True, kw_only=True)
class LotFigures:
    """Of some lots: items planned, delivered and due by the day asked, and the lots by their
    status (`LotStatus`) that day. The database adds the lots up (`DeliveryLots.progress`),
    as `DeliveryLot.status` tells each one's."""

    planned: int = 0
    delivered: int = 0
    due_so_far: int = 0
    met: int = 0
    partially_met: int = 0
    not_met: int = 0
    open: int = 0


@dataclass(frozen=True, kw_only=True)
class DeliveryProgress(LotFigures):
    """Per contract (or call-off), nation and where its lots go."""

    contract_id: str
    nation: str
    deliver_to: str  # the buying nation's own forces, or the beneficiary its lots go to (UKR)


class PaidThrough(StrEnum):
    """How a nation pays for what a contract delivers."""

    OWN_BUDGET = "own_budget"  # a buying nation, for its own lots (an EU loan such as SAFE is its budget too)
    PLEDGES = "pledges"  # a nation whose confirmed pledges pay toward the whole order, buying nothing by them


BUYERS_OWN_FORCES = "own_forces"
"""Where the lots of a contract go that go to no beneficiary, seen by a nation paying by
pledges: to the buying nations' own forces, together, as a partner sees their totals only."""


@dataclass(frozen=True, kw_only=True)
class FundedDeliveries(LotFigures):
    """What a nation pays for, by contract (or call-off) and where the lots go: a buyer its
    own lots, a nation paying by pledges the contract's lots in all, since the contracts
    service never learns the amounts that would divide them (CV90: what has reached Ukraine
    of the vehicles the Netherlands helped pay for)."""

    funder: str
    paid_through: PaidThrough
    contract_id: str
    deliver_to: str  # a buyer's own forces (the buyer) or a beneficiary (UKR); by pledges, BUYERS_OWN_FORCES or UKR
    funding_instrument: str | None = None  # the EU instrument the order chose, if any
