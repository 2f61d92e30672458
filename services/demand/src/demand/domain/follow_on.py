"""The follow-on round of a contract or framework nearing its end.

Current ammunition contracts expire in 2029, and what follows them must be bundled years
ahead. When the contracts service tells that an agreement reached a horizon ahead of its end,
a proposed bundle opens for the same item, seeded with the agreement's nations and what each
bought under it (`expected`): the nations see the round among their bundles and join it by
registering their follow-on needs, which the bundling engine places in it as in any other
bundle (same item and kind, a delivery window overlapping the round's). The round is opened
at the first horizon told, whichever it is (a contract concluded two years before its end is
first told at two years), and once: later horizons are written in its trail.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from demand.domain.need import YearQuantity


def years_after(day: date, years: int) -> date:
    """The same calendar day `years` later; 29 February becomes the 28th in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


@dataclass(frozen=True)
class FollowOn:
    """What a round follows on: the agreement, its end, and each nation's quantity under it."""

    agreement_kind: str  # "contract" (a joint order's) or "framework"
    agreement_id: str
    item_code: str
    contracting_authority: str
    starts_on: date
    ends_on: date
    expected: Mapping[str, int]  # per nation, its quantity under the expiring agreement(s)
    horizon_years: int  # the horizon at which the round was opened
    # The bundle the agreement was made from: a joint order contracted one contract per
    # buyer ends in as many contracts, and all of them are followed by one round.
    bundle_id: str | None = None
    also_follows: tuple[str, ...] = ()  # the other agreements of that bundle, as they were told
    # Per nation, its quantities per year under the expiring agreement, as the bundle it was
    # made from holds them (the contracts service keeps totals only): empty when unknown.
    yearly: Mapping[str, Sequence[YearQuantity]] = field(default_factory=dict)

    @property
    def key(self) -> str:
        """What a round follows on, to find it again: the bundle, else the agreement."""
        return self.bundle_id or self.agreement_id

    @property
    def agreements(self) -> tuple[str, ...]:
        return (self.agreement_id, *self.also_follows)

    def joined(self, other: FollowOn) -> FollowOn:
        """This round following `other` too, another agreement made from the same bundle:
        its nations and quantities added."""
        expected = dict(self.expected)
        for nation, quantity in other.expected.items():
            expected[nation] = expected.get(nation, 0) + quantity
        yearly = {**self.yearly, **{n: list(y) for n, y in other.yearly.items() if n not in self.yearly}}
        return replace(self, expected=expected, also_follows=(*self.also_follows, other.agreement_id), yearly=yearly)

    def with_yearly(self, yearly: Mapping[str, Sequence[YearQuantity]]) -> FollowOn:
        """Its nations' quantities per year, as the bundle it was made from holds them."""
        return replace(self, yearly={n: list(y) for n, y in sorted(yearly.items()) if n in self.expected and y})

    def expected_yearly(self, nation: str) -> list[YearQuantity]:
        """What the nation took each year of the expiring term, a term later: the round's
        starting point year by year (a framework of 2025 to 2029 seeds 2030 to 2034)."""
        return [YearQuantity(y.year + self.term_years, y.quantity) for y in self.yearly.get(nation, ())]

    @property
    def nations(self) -> list[str]:
        return sorted(self.expected)

    @property
    def multi_year(self) -> bool:
        """A framework is followed by a framework, a joint order's contract by a joint order."""
        return self.agreement_kind == "framework"

    @property
    def term_years(self) -> int:
        """The expiring agreement's term in whole years, at least one."""
        return max(1, round(((self.ends_on - self.starts_on).days + 1) / 365.25))

    @property
    def window(self) -> tuple[date, date]:
        """The round's delivery window: from the day after the end, as long as the term that ends."""
        return self.ends_on + timedelta(days=1), years_after(self.ends_on, self.term_years)

    def expected_of(self, nation: str | None) -> dict[str, int]:
        """What a reader may see of the expected quantities: its own nation's (None: all)."""
        return {n: q for n, q in sorted(self.expected.items()) if nation is None or n == nation}

    @property
    def reason(self) -> str:
        what = "framework" if self.agreement_kind == "framework" else "contract"
        return f"follow-on to {what} {self.agreement_id} expiring {self.ends_on.isoformat()}"

    def opened(self) -> str:
        return (
            f"{self.reason}: opened {self.horizon_years} year(s) ahead of its end for {', '.join(self.nations)}; "
            "each nation joins by registering its follow-on need"
        )

    def also(self, other: FollowOn) -> str:
        what = "framework" if other.agreement_kind == "framework" else "contract"
        return (
            f"also follows {what} {other.agreement_id} of the same bundle, expiring {other.ends_on.isoformat()},"
            f" for {', '.join(other.nations)}"
        )

    def reminded(self, horizon_years: int) -> str:
        return f"{self.reason}: {horizon_years} year(s) left"
