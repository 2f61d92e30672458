"""Production lines: what industry can make, where, how fast, and from how much demand on.

Bundling exists so that industry sees demand large and steady enough to invest in
capacity. A company declares each of its lines (for the Patriot case: a line in Germany
for PAC-2 GEM-T missiles), its rate per month as it ramps up, the minimum economic
quantity below which starting it does not pay, the earliest month it can start, and the
critical materials and components it depends on. The nations see declared capacity next
to their aggregated demand; the demand service says when that demand reaches a line's
minimum economic quantity ("demand unlocks capacity").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TypedDict

from contracts.domain.errors import ContractRuleViolation
from contracts.domain.ids import new_id
from contracts.domain.suppliers import Supplier

MAX_RATE_PER_MONTH = 10_000_000
MAX_MINIMUM_ECONOMIC_QUANTITY = 1_000_000_000
MAX_RATE_STEPS = 120  # ten years of monthly changes
MAX_INPUTS = 50
MAX_HISTORY = 100  # revisions told in words: the oldest go first
FIRST_YEAR, LAST_YEAR = 2000, 2100
ITEM_CODE = re.compile(r"[A-Z0-9][A-Z0-9-]{1,79}")


def first_of_month(day: date) -> date:
    return day.replace(day=1)


def _months_between(start: date, end: date) -> int:
    """Whole months from `start`'s month to `end`'s, both counted."""
    return (end.year - start.year) * 12 + end.month - start.month + 1


@dataclass(frozen=True)
class RateStep:
    """From `month` on (its first day), the line turns out `units_per_month`, until the
    next step: a ramp-up is a few steps, a pause a step of zero."""

    month: date
    units_per_month: int


@dataclass(frozen=True)
class YearCapacity:
    year: int
    quantity: int


class LineTerms(TypedDict):
    """What a company declares of a line, in the line's own names."""

    item_code: str
    site: str
    country: str
    earliest_start: date
    minimum_economic_quantity: int
    rates: list[RateStep]
    inputs: list[str]


def _bad(field: str, message: str) -> ContractRuleViolation:
    return ContractRuleViolation(message, field=field)


def checked_terms(terms: LineTerms) -> LineTerms:
    """The rules a declaration obeys, whatever the request checked already: the domain
    owns them, and a test of the handler alone meets them too."""
    terms = LineTerms(**{**terms, "item_code": terms["item_code"].strip().upper()})
    if not ITEM_CODE.fullmatch(terms["item_code"]):
        raise _bad("item_code", f"item code {terms['item_code']!r} must be 2-80 capital letters, digits and dashes")
    if not terms["site"].strip():
        raise _bad("site", "a line names its site")
    if not FIRST_YEAR <= terms["earliest_start"].year <= LAST_YEAR:
        raise _bad("earliest_start", f"the earliest start lies between {FIRST_YEAR} and {LAST_YEAR}")
    if not 1 <= terms["minimum_economic_quantity"] <= MAX_MINIMUM_ECONOMIC_QUANTITY:
        raise _bad(
            "minimum_economic_quantity",
            f"the minimum economic quantity is between 1 and {MAX_MINIMUM_ECONOMIC_QUANTITY:,}, "
            f"got {terms['minimum_economic_quantity']}",
        )
    rates = terms["rates"]
    if not 1 <= len(rates) <= MAX_RATE_STEPS:
        raise _bad("rates", f"a line has 1 to {MAX_RATE_STEPS} rate steps, got {len(rates)}")
    months = [step.month for step in rates]
    if any(m.day != 1 for m in months) or months != sorted(set(months)):
        raise _bad("rates", "rate steps are months (their first day), each later than the one before")
    if months[0] < first_of_month(terms["earliest_start"]):
        raise _bad("rates", f"the first rate step ({months[0]:%Y-%m}) lies before the earliest start")
    if months[-1].year > LAST_YEAR:
        raise _bad("rates", f"rate steps end by {LAST_YEAR}")
    if any(not 0 <= step.units_per_month <= MAX_RATE_PER_MONTH for step in rates):
        raise _bad("rates", f"a monthly rate is between 0 and {MAX_RATE_PER_MONTH:,} units")
    if all(step.units_per_month == 0 for step in rates):
        raise _bad("rates", "a line makes something: at least one rate step above zero")
    inputs = [i.strip() for i in terms["inputs"]]
    if len(inputs) > MAX_INPUTS or any(not i or len(i) > 120 for i in inputs) or len(set(inputs)) != len(inputs):
        raise _bad("inputs", f"up to {MAX_INPUTS} distinct inputs, each named in 1 to 120 characters")
    return LineTerms(**{**terms, "site": terms["site"].strip(), "inputs": inputs})


@dataclass
class ProductionLine:
    id: str
    supplier_id: str
    organisation: str
    item_code: str
    site: str
    country: str
    earliest_start: date
    minimum_economic_quantity: int
    rates: list[RateStep]
    inputs: list[str]
    declared_at: datetime
    revised_at: datetime
    revision: int = 1
    history: list[str] = field(default_factory=list)  # what each revision changed, in words

    @classmethod
    def declare(cls, *, supplier: Supplier, terms: LineTerms, now: datetime) -> ProductionLine:
        terms = checked_terms(terms)
        return cls(
            id=new_id("line"),
            supplier_id=supplier.id,
            organisation=supplier.organisation,
            declared_at=now,
            revised_at=now,
            history=[f"declared: {_summary(terms)}"],
            **terms,
        )

    def revise(self, terms: LineTerms, now: datetime) -> str:
        """A new ramp-up, minimum quantity, start or inputs; the item stays the line's."""
        terms = checked_terms(terms)
        if terms["item_code"] != self.item_code:
            raise _bad(
                "item_code", f"line {self.id} makes {self.item_code}; declare another line for {terms['item_code']}"
            )
        self.site, self.country = terms["site"], terms["country"]
        self.earliest_start, self.minimum_economic_quantity = (
            terms["earliest_start"],
            terms["minimum_economic_quantity"],
        )
        self.rates, self.inputs = terms["rates"], terms["inputs"]
        self.revision += 1
        self.revised_at = now
        what = f"revision {self.revision}: {_summary(terms)}"
        self.history = [*self.history, what][-MAX_HISTORY:]
        return what

    def monthly_rate(self, month: date) -> int:
        """Units it turns out in `month`: none before its earliest start or its first step."""
        month = first_of_month(month)
        if month < first_of_month(self.earliest_start):
            return 0
        rate = 0
        for step in self.rates:
            if step.month > month:
                break
            rate = step.units_per_month
        return rate

    def capacity_between(self, start: date, end: date) -> int:
        """Units it can turn out from `start`'s month to `end`'s, both whole months: the
        sum of each step's rate over the months it holds within them."""
        if end < start:
            return 0
        first, last = first_of_month(start), first_of_month(end)
        total = 0
        for i, step in enumerate(self.rates):
            since = max(step.month, first, first_of_month(self.earliest_start))
            following = self.rates[i + 1].month if i + 1 < len(self.rates) else None
            until = last if following is None else min(last, _previous_month(following))
            if until >= since:
                total += step.units_per_month * _months_between(since, until)
        return total

    def capacity_by_years(self) -> list[YearCapacity]:
        """From its earliest start to two years past its last rate step: its ramp-up and
        what it then turns out year on year."""
        last = min(max(self.rates[-1].month.year, self.earliest_start.year) + 2, LAST_YEAR)
        return self.capacity_by_year(self.earliest_start.year, last)

    def capacity_by_year(self, first_year: int, last_year: int) -> list[YearCapacity]:
        return [
            YearCapacity(year, self.capacity_between(date(year, 1, 1), date(year, 12, 1)))
            for year in range(first_year, last_year + 1)
        ]


def _previous_month(month: date) -> date:
    return date(month.year - 1, 12, 1) if month.month == 1 else date(month.year, month.month - 1, 1)


def _summary(terms: LineTerms) -> str:
    steps = ", ".join(f"{s.units_per_month:,}/month from {s.month:%Y-%m}" for s in terms["rates"])
    return (
        f"{terms['item_code']} at {terms['site']} ({terms['country']}), {steps}; minimum economic quantity "
        f"{terms['minimum_economic_quantity']:,}; earliest start {terms['earliest_start']}"
    )
