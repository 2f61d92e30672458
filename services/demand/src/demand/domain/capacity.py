"""Declared capacity beside demand: the production lines companies declare (told by the
contracts service), and the moment the nations' aggregated demand for an item reaches a
line's minimum economic quantity.

That moment is what bundling is for: a company sees enough demand to start the line (the
Patriot case: four nations' orders adding up to the 1,000 missiles a German line needs).
It happens once per line: a line whose demand later falls back stays unlocked, as the
company has been told; a revision raising the minimum does not take it back either.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from demand.domain.need import YearQuantity


@dataclass
class DeclaredLine:
    line_id: str
    organisation: str
    item_code: str
    site: str
    country: str
    earliest_start: date
    minimum_economic_quantity: int
    capacity_by_year: list[YearQuantity]
    inputs: list[str] = field(default_factory=list)
    # Its inputs with their supply risk, as the contracts service's reference list stated
    # them when it told of the line: `{"name", "category", "risk", "flagged"}`.
    material_risks: list[dict[str, Any]] = field(default_factory=list)
    revision: int = 1
    unlocked_at: datetime | None = None
    unlocked_by_demand: int | None = None  # the aggregated demand that reached the minimum

    def revised(self, newer: DeclaredLine) -> bool:
        """Takes a later revision's terms; an earlier or the same one, told again, changes nothing."""
        if newer.revision <= self.revision:
            return False
        self.site, self.country, self.earliest_start = newer.site, newer.country, newer.earliest_start
        self.minimum_economic_quantity = newer.minimum_economic_quantity
        self.capacity_by_year, self.inputs, self.revision = newer.capacity_by_year, newer.inputs, newer.revision
        self.material_risks = newer.material_risks
        return True

    def unlock(self, demand_quantity: int, now: datetime) -> bool:
        """Whether the item's aggregated demand reaches the minimum for the first time."""
        if self.unlocked_at is not None or demand_quantity < self.minimum_economic_quantity:
            return False
        self.unlocked_at, self.unlocked_by_demand = now, demand_quantity
        return True

    def capacity_in(self, year: int) -> int:
        return next((y.quantity for y in self.capacity_by_year if y.year == year), 0)


RISKS = ("low", "medium", "high", "critical")
TOLD = frozenset({"high", "critical"})
"""The risks a bundle and the demand sheet tell, as the contracts service flags them."""
SPECIFICATION = "specification"


@dataclass(frozen=True)
class SupplyRisk:
    """A high- or critical-risk material the item depends on, and through what: its
    harmonised specification (`SPECIFICATION`) or the lines (their companies) taking it."""

    material: str
    risk: str
    through: list[str]


def supply_risks(lines: Iterable[DeclaredLine], specification_risks: Sequence[dict[str, Any]]) -> list[SupplyRisk]:
    """The flagged materials of the item's specification and lines, gravest first: what
    a bundle of the item depends on that may not be there when it is to be made."""
    risk: dict[str, str] = {}
    through: dict[str, set[str]] = {}
    sources = [(SPECIFICATION, specification_risks), *((x.organisation, x.material_risks) for x in lines)]
    for source, risks in sources:
        for r in risks:
            if r.get("risk") in TOLD:
                risk[r["name"]] = r["risk"]
                through.setdefault(r["name"], set()).add(source)
    ranked = sorted(risk, key=lambda name: (-RISKS.index(risk[name]), name))
    return [SupplyRisk(name, risk[name], sorted(through[name])) for name in ranked]


@dataclass(frozen=True)
class ItemCapacity:
    """An item's declared lines, their capacity year by year over `years`, and the supply
    risks its specification and lines depend on."""

    lines: list[DeclaredLine]
    years: list[YearQuantity]
    supply_risks: list[SupplyRisk] = field(default_factory=list)

    @classmethod
    def of(
        cls, lines: Iterable[DeclaredLine], years: Iterable[int], specification_risks: Sequence[dict[str, Any]] = ()
    ) -> ItemCapacity:
        found = list(lines)
        per_year = [YearQuantity(year, sum(x.capacity_in(year) for x in found)) for year in years]
        return cls(found, per_year, supply_risks(found, specification_risks))

    @property
    def unlocked(self) -> int:
        return sum(1 for x in self.lines if x.unlocked_at is not None)
