"""When a contract or framework that ends is told to its parties, and with what warning.

Current ammunition contracts expire in 2029, and talks with partner nations and industry on
what follows must start years ahead: a contract or framework is told at horizons before its
end (by default five years, two years and one year ahead), which may differ per item
category (an item's category is its code up to the first hyphen: `AMMO` for `AMMO-155MM`).
Each horizon is told once. When the first look at an agreement finds several horizons
already reached (a contract concluded two years before its end), only the nearest is told:
the parties hear where they stand, not three notices at once; the others count as passed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from contracts.domain.errors import ContractRuleViolation

DEFAULT_HORIZONS = (5, 2, 1)
MAX_HORIZON_YEARS = 50


def category_of(item_code: str) -> str:
    """`AMMO-155MM` is in `AMMO`; a code without a hyphen is its own category."""
    return item_code.split("-", 1)[0].strip().upper()


def years_before(day: date, years: int) -> date:
    """The same calendar day `years` earlier; 29 February becomes the 28th in a common year."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def years_after(day: date, years: int) -> date:
    return years_before(day, -years)


def checked_horizons(years: Iterable[int], where: str = "horizons") -> tuple[int, ...]:
    """Distinct whole years from 1 to 50, the widest first."""
    found = tuple(sorted(set(years), reverse=True))
    if not found or any(not 1 <= y <= MAX_HORIZON_YEARS for y in found):
        raise ContractRuleViolation(f"{where}: at least one horizon, each 1 to {MAX_HORIZON_YEARS} years")
    return found


@dataclass(frozen=True)
class Horizons:
    """The horizons told ahead of an agreement's end: per item category, else the default."""

    default: tuple[int, ...] = DEFAULT_HORIZONS
    by_category: Mapping[str, tuple[int, ...]] = field(default_factory=dict)

    @classmethod
    def of(cls, default: Iterable[int], by_category: Mapping[str, Iterable[int]]) -> Horizons:
        return cls(
            checked_horizons(default),
            {category_of(c): checked_horizons(y, f"horizons of {c}") for c, y in by_category.items()},
        )

    def for_item(self, item_code: str) -> tuple[int, ...]:
        return self.by_category.get(category_of(item_code), self.default)

    @property
    def widest(self) -> int:
        """How far ahead any agreement can be due: what a look for due ones reaches."""
        return max((y for years in (self.default, *self.by_category.values()) for y in years), default=0)


@dataclass(frozen=True)
class Due:
    """What a look finds: the horizon to tell now, and those reached with it that are not told."""

    horizon: int
    passed: tuple[int, ...]
    days_left: int


@dataclass(frozen=True)
class Expiry:
    """An agreement's end and the horizons its item is told at."""

    end: date
    horizons: tuple[int, ...]

    def reached(self, today: date) -> list[int]:
        """The horizons whose day has come, while the agreement has not yet ended."""
        if today > self.end:
            return []
        return [y for y in self.horizons if today >= years_before(self.end, y)]

    def due(self, today: date, told: Iterable[int]) -> Due | None:
        """The nearest horizon reached and not yet told or passed; None when there is none."""
        said = set(told)
        fresh = [y for y in self.reached(today) if y not in said]
        if not fresh:
            return None
        nearest = min(fresh)
        return Due(nearest, tuple(y for y in fresh if y != nearest), (self.end - today).days)

    def warning(self, today: date) -> str | None:
        """What a reader is shown from the widest horizon on, and once it ended."""
        left = (self.end - today).days
        if left < 0:
            return f"expired on {self.end.isoformat()}"
        if self.reached(today):
            return (
                f"expires on {self.end.isoformat()}, in {left} days: start the next bundling round with the "
                "partner nations and industry now"
            )
        return None


@dataclass(frozen=True)
class ExpiryNotice:
    """A horizon of an agreement, told (`announced`) or passed with a nearer one told."""

    agreement_id: str
    kind: str
    horizon_years: int
    told_on: date
    announced: bool


@dataclass(frozen=True)
class Agreement:
    """A contract or framework as its end is told: what it is for, who takes part with how
    much, who supplies it, and when it runs."""

    kind: str  # "contract" or "framework"
    id: str
    bundle_id: str | None
    item_code: str
    contracting_authority: str
    start: date
    end: date
    quantities: Mapping[str, int]
    supplier_ids: tuple[str, ...]

    def due(self, horizons: Horizons, today: date, told: Iterable[int]) -> Due | None:
        return Expiry(self.end, horizons.for_item(self.item_code)).due(today, told)

    def notices(self, due: Due, today: date) -> list[ExpiryNotice]:
        """The horizon told, and those passed with it: none is told later."""
        told = ExpiryNotice(self.id, self.kind, due.horizon, today, announced=True)
        return [told, *(ExpiryNotice(self.id, self.kind, y, today, announced=False) for y in due.passed)]
