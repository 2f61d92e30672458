"""Declared capacity beside demand: the production lines companies declare (told by the
contracts service), and the moment the nations' aggregated demand for an item reaches a
line's minimum economic quantity.

That moment is what bundling is for: a company sees enough demand to start the line (the
Patriot case: four nations' orders adding up to the 1,000 missiles a German line needs).
It happens once per line: a line whose demand later falls back stays unlocked, as the
company has been told; a revision raising the minimum does not take it back either.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

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
        return True

    def unlock(self, demand_quantity: int, now: datetime) -> bool:
        """Whether the item's aggregated demand reaches the minimum for the first time."""
        if self.unlocked_at is not None or demand_quantity < self.minimum_economic_quantity:
            return False
        self.unlocked_at, self.unlocked_by_demand = now, demand_quantity
        return True

    def capacity_in(self, year: int) -> int:
        return next((y.quantity for y in self.capacity_by_year if y.year == year), 0)


@dataclass(frozen=True)
class ItemCapacity:
    """An item's declared lines, and their capacity year by year over `years`."""

    lines: list[DeclaredLine]
    years: list[YearQuantity]

    @classmethod
    def of(cls, lines: Iterable[DeclaredLine], years: Iterable[int]) -> ItemCapacity:
        found = list(lines)
        return cls(found, [YearQuantity(year, sum(x.capacity_in(year) for x in found)) for year in years])

    @property
    def unlocked(self) -> int:
        return sum(1 for x in self.lines if x.unlocked_at is not None)
