"""Needs and their versioned amendments.

A need is one nation's requirement. Its rules live here so that the API, the aggregator
and the what-if preview all refuse the same things with the same reasons.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, Required, TypedDict, Unpack

from bundling_shared.ids import time_ordered_id
from demand.domain.errors import InvalidNeed, NotAllowedNow
from demand.domain.funding import instruments
from demand.domain.reference import NATIONS, CatalogueItem

ALPHA3 = re.compile(r"^[A-Z]{3}$")

CENT = Decimal("0.01")
"""Budgets are euros with cents: exact decimals, never binary floats."""


class NeedStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    BUNDLED = "bundled"
    COMMITTED = "committed"
    CONTRACTED = "contracted"
    WITHDRAWN = "withdrawn"
    UNPLACEABLE = "unplaceable"  # the bundling engine could not place it: its reason says why


QUANTITY_LIMIT = 10**9
"""Units one need may ask for, its yearly quantities together: what the bundling engine
holds without its sums outgrowing the database's integers."""


AMENDABLE = (NeedStatus.DRAFT, NeedStatus.SUBMITTED, NeedStatus.BUNDLED, NeedStatus.UNPLACEABLE)
WANTED = (NeedStatus.SUBMITTED, NeedStatus.BUNDLED, NeedStatus.UNPLACEABLE)


class EndUser(StrEnum):
    OWN_FORCES = "own_forces"
    UKRAINE = "ukraine"


class Priority(StrEnum):
    ROUTINE = "routine"
    HIGH = "high"
    URGENT = "urgent"


def new_id(prefix: str) -> str:
    """Time-ordered: the needs and bundles made together sit together in every index."""
    return time_ordered_id(prefix)


@dataclass(frozen=True)
class YearQuantity:
    year: int
    quantity: int


def schedule_of(yearly: Sequence[YearQuantity], quantity: int, window_start: date) -> list[YearQuantity]:
    """Quantities per year; demand declared without them falls in the year its window starts."""
    return list(yearly) or [YearQuantity(window_start.year, quantity)]


def spread(quantity: int, window_start: date, window_end: date) -> list[YearQuantity]:
    """Recurring demand declared as one quantity: evenly over the calendar years of its
    window, the remainder to the first years, so that a framework contract's ceiling per
    year and its duration follow the window rather than its first year alone."""
    years = range(window_start.year, window_end.year + 1)
    each, rest = divmod(quantity, len(years))
    shares = [YearQuantity(year, each + (1 if i < rest else 0)) for i, year in enumerate(years)]
    return [y for y in shares if y.quantity > 0]


@dataclass(frozen=True)
class Deviation:
    """A national deviation from the specification; compatible ones still bundle."""

    description: str
    compatible: bool


def add_yearly(a: list[YearQuantity], b: list[YearQuantity], sign: int = 1) -> list[YearQuantity]:
    """Year by year, `a` plus (or minus) `b`, in year order, years at zero left out. The
    years `b` does not touch keep their objects: a bundle's totals change by one need's
    schedule, usually one year of several."""
    delta: dict[int, int] = {}
    for y in b:
        delta[y.year] = delta.get(y.year, 0) + sign * y.quantity
    total: list[YearQuantity] = []
    for y in a:
        change = delta.pop(y.year, 0)
        if y.quantity + change != 0:
            total.append(y if change == 0 else YearQuantity(y.year, y.quantity + change))
    total.extend(YearQuantity(year, q) for year, q in delta.items() if q != 0)
    total.sort(key=_year)
    return total


def _year(y: YearQuantity) -> int:
    return y.year


@dataclass(frozen=True)
class AlikeNeeds:
    """`count` needs of one nation and end user whose demand falls into years the same way
    (the same window and yearly quantities, recurring or not, and for recurring demand
    declared as one quantity the same quantity), with their `quantity` summed: demand over
    many needs is added up from these, a few per nation, not need by need."""

    nation: str
    end_user: EndUser
    window_start: date
    window_end: date
    recurring: bool
    yearly: list[YearQuantity]
    count: int
    quantity: int

    @property
    def schedule(self) -> list[YearQuantity]:
        """What `Need.schedule` gives them together."""
        if not self.yearly and not self.recurring:
            return schedule_of(self.yearly, self.quantity, self.window_start)
        each = self.yearly or spread(self.quantity // self.count, self.window_start, self.window_end)
        return [YearQuantity(y.year, y.quantity * self.count) for y in each]

    @property
    def ukraine_quantity(self) -> int:
        return self.quantity if self.end_user is EndUser.UKRAINE else 0


class NeedTerms(TypedDict, total=False):
    """What a nation asks for, as its desk states it, in the need's own names: the one
    shape a request takes on its way to `Need.register`, whether it registers or previews."""

    nation: Required[str]
    item_code: Required[str]
    quantity: Required[int | None]  # None: the sum of the yearly quantities
    window_start: Required[date]
    window_end: Required[date]
    end_user: EndUser
    yearly: list[YearQuantity]
    recurring: bool
    budget_ceiling_eur: Decimal | None
    specification_ref: str | None  # None: the item's harmonised one
    deviations: list[Deviation]
    priority: Priority
    preferred_funding: str | None


@dataclass
class NeedFacts:
    """What a need asks for, and where it stands: all that placing it reads.

    `Need` adds its history, priority and lifecycle, and is the one mapped to the
    database. The aggregator reads a batch of needs as plain `NeedFacts`, which the
    mapping neither instruments nor tracks, and writes back the fields placing them
    changes (status, its reason and bundle)."""

    id: str
    nation: str
    item_code: str
    quantity: int
    window_start: date
    window_end: date
    end_user: EndUser = EndUser.OWN_FORCES
    status: NeedStatus = NeedStatus.SUBMITTED
    yearly: list[YearQuantity] = field(default_factory=list)
    recurring: bool = False
    budget_ceiling_eur: Decimal | None = None
    specification_ref: str | None = None
    deviations: list[Deviation] = field(default_factory=list)
    bundle_id: str | None = None
    status_reason: str | None = None  # why it is `unplaceable`

    @property
    def multi_year(self) -> bool:
        """Spread over several years, or recurring: a framework contract suits it."""
        return self.recurring or len(self.yearly) > 1

    @property
    def schedule(self) -> list[YearQuantity]:
        if self.recurring and not self.yearly:
            return spread(self.quantity, self.window_start, self.window_end)
        return schedule_of(self.yearly, self.quantity, self.window_start)

    @property
    def ukraine_quantity(self) -> int:
        return self.quantity if self.end_user is EndUser.UKRAINE else 0

    @property
    def wanted(self) -> bool:
        """Still demand for the engine to place: submitted, bundled, or set aside until its
        desk amends it."""
        return self.status in WANTED

    def joined(self, bundle_id: str) -> None:
        """Placed in a bundle (`Bundle.join`): whatever set it aside no longer holds."""
        self.bundle_id, self.status, self.status_reason = bundle_id, NeedStatus.BUNDLED, None

    def set_aside(self, reason: str, now: datetime) -> None:
        """The engine cannot place it: it stays, `unplaceable` with the reason, out of any
        bundle, until its desk amends or withdraws it. The whole need (`Need`) also records
        the change as a version at `now`; plain facts keep no history."""
        self.status, self.status_reason, self.bundle_id = NeedStatus.UNPLACEABLE, reason, None

    def released(self) -> bool:
        """Out of the bundle it was in (committed without its nation, or cancelled). True
        when it is still demand, submitted again to be placed again; a need withdrawn
        meanwhile stays withdrawn."""
        self.bundle_id = None
        if self.status in (NeedStatus.SUBMITTED, NeedStatus.BUNDLED):
            self.status = NeedStatus.SUBMITTED
            return True
        return False

    def committed(self) -> None:
        """Ordered in a joint order or framework: from now on it no longer changes."""
        self.status = NeedStatus.COMMITTED


@dataclass
class ListedNeed(NeedFacts):
    """A need as a page of needs shows it, every field of `Need`, read as a plain row:
    mapped, fifty needs cost twice as much to read, in the mapping's bookkeeping for
    objects nobody changes. `Need` adds the acts, and only it is mapped."""

    created_at: datetime = field(kw_only=True)  # by the service's clock, as every time here
    priority: Priority = Priority.ROUTINE
    preferred_funding: str | None = None
    version: int = 1
    updated_at: datetime = field(kw_only=True)


@dataclass
class Need(ListedNeed):
    """One nation's requirement with its lifecycle: registered, amended, withdrawn."""

    @classmethod
    def register(
        cls, *, now: datetime, item: CatalogueItem | None = None, draft: bool = False, **terms: Unpack[NeedTerms]
    ) -> Need:
        """A need as its desk asked for it at `now`, checked against the rules and `item`,
        the catalogue's entry for its item code (None: not in the catalogue)."""
        quantity = terms["quantity"]
        yearly = sorted(terms.get("yearly", []), key=_year)
        need = cls(
            id=new_id("need"),
            nation=terms["nation"],
            item_code=terms["item_code"].strip(),
            quantity=quantity if quantity is not None else sum(y.quantity for y in yearly),
            window_start=terms["window_start"],
            window_end=terms["window_end"],
            end_user=terms.get("end_user", EndUser.OWN_FORCES),
            status=NeedStatus.DRAFT if draft else NeedStatus.SUBMITTED,
            yearly=yearly,
            recurring=terms.get("recurring", False),
            budget_ceiling_eur=terms.get("budget_ceiling_eur"),
            specification_ref=terms.get("specification_ref") or (item.specification_ref if item else None),
            deviations=list(terms.get("deviations", [])),
            priority=terms.get("priority", Priority.ROUTINE),
            preferred_funding=terms.get("preferred_funding"),
            created_at=now,
            updated_at=now,
        )
        need.validate(item, quantity_given=quantity is not None)
        return need

    def validate(self, item: CatalogueItem | None, *, quantity_given: bool = True) -> None:
        if not ALPHA3.match(self.nation):
            raise InvalidNeed(
                f"nation {self.nation!r} is not an ISO 3166-1 alpha-3 code", field="nation", rule="alpha3"
            )
        known = NATIONS.get(self.nation)
        if known is None:
            raise InvalidNeed(
                f"nation {self.nation} is not in the reference data", field="nation", rule="unknown_nation"
            )
        if not known.may_register_needs:
            raise InvalidNeed(
                f"{known.name} is a partner receiving support; its needs are registered by supporting"
                " nations with end user 'ukraine'",
                field="nation",
                rule="partner_nation",
            )
        if not self.item_code:
            raise InvalidNeed("item code is empty", field="item_code", rule="missing")
        if item is None or item.code != self.item_code:
            raise InvalidNeed(f"item {self.item_code} is not in the catalogue", field="item_code", rule="unknown_item")
        if item.retired:
            raise InvalidNeed(
                f"item {self.item_code} was retired: {item.retired_reason}", field="item_code", rule="retired_item"
            )
        if self.window_end < self.window_start:
            raise InvalidNeed(
                f"delivery window ends ({self.window_end}) before it starts ({self.window_start})",
                field="delivery_window",
                rule="window_order",
            )
        if self.yearly:
            self._validate_yearly(quantity_given)
        if self.quantity <= 0:
            raise InvalidNeed(f"quantity must be positive, got {self.quantity}", field="quantity", rule="positive")
        if self.quantity > QUANTITY_LIMIT:
            raise InvalidNeed(
                f"quantity {self.quantity:,} is more than the {QUANTITY_LIMIT:,} units one need may hold",
                field="quantity",
                rule="engine_capacity",
            )
        if self.recurring and not self.yearly:
            self._validate_recurring()
        if self.budget_ceiling_eur is not None:
            self._validate_budget(self.budget_ceiling_eur)
        if self.preferred_funding is not None and self.preferred_funding not in set(instruments()):
            raise InvalidNeed(
                f"unknown funding instrument {self.preferred_funding!r}; known: {', '.join(instruments())}",
                field="preferred_funding",
                rule="unknown_instrument",
            )
        for deviation in self.deviations:
            if not deviation.description.strip():
                raise InvalidNeed("a national deviation needs a description", field="deviations", rule="missing")

    def _validate_recurring(self) -> None:
        """Recurring demand is spread over every year of its window (`spread`): fewer units
        than years would leave the last years empty and end the framework's duration
        early, unseen by the nation that asked for the whole window."""
        years = self.window_end.year - self.window_start.year + 1
        if self.quantity < years:
            raise InvalidNeed(
                f"recurring demand of {self.quantity} unit(s) cannot cover the {years} years of its window"
                f" {self.window_start}..{self.window_end}: at least one unit a year, or a shorter window",
                field="quantity",
                rule="recurring_at_least_one_a_year",
            )

    @staticmethod
    def _validate_budget(amount: Decimal | int) -> None:
        budget = Decimal(amount)
        if not budget.is_finite() or budget <= 0:
            raise InvalidNeed(
                f"budget ceiling must be positive, got {budget} EUR", field="budget_ceiling.amount", rule="positive"
            )
        if budget != budget.quantize(CENT):
            raise InvalidNeed(
                f"budget ceiling {budget} EUR has fractions of a cent", field="budget_ceiling.amount", rule="cents"
            )

    def _validate_yearly(self, quantity_given: bool) -> None:
        years = [y.year for y in self.yearly]
        if len(set(years)) != len(years):
            raise InvalidNeed(
                "each year may appear once in the yearly quantities", field="yearly_quantities", rule="unique_years"
            )
        for y in self.yearly:
            if y.quantity <= 0:
                raise InvalidNeed(
                    f"quantity must be positive, got {y.quantity} for {y.year}",
                    field="yearly_quantities",
                    rule="positive",
                )
            if not self.window_start.year <= y.year <= self.window_end.year:
                raise InvalidNeed(
                    f"year {y.year} lies outside the delivery window {self.window_start}..{self.window_end}",
                    field="yearly_quantities",
                    rule="year_in_window",
                )
        total = sum(y.quantity for y in self.yearly)
        if quantity_given and self.quantity != total:
            raise InvalidNeed(
                f"quantity {self.quantity} differs from the sum of the yearly quantities ({total})",
                field="quantity",
                rule="sum_of_yearly_quantities",
            )

    def _new_version(self, now: datetime) -> None:
        """Every change a nation or the engine makes to a need is a version of its history."""
        self.version += 1
        self.updated_at = now

    def submit(self, now: datetime) -> None:
        if self.status is not NeedStatus.DRAFT:
            raise NotAllowedNow(f"need {self.id} is {self.status.value}; only a draft can be submitted")
        self.status = NeedStatus.SUBMITTED
        self._new_version(now)

    def amend(self, changes: dict[str, Any], item: CatalogueItem | None, now: datetime) -> list[str]:
        """Apply `changes` as a new version; the need is checked whole, as at registration.

        Returns the names of the fields that really changed (empty: nothing to record).
        """
        if self.status not in AMENDABLE:
            raise NotAllowedNow(f"need {self.id} is {self.status.value}; it can no longer be amended")
        unknown = set(changes) - AMENDABLE_FIELDS
        if unknown:
            raise InvalidNeed(f"these fields cannot be amended: {', '.join(sorted(unknown))}")
        if "yearly" in changes and "quantity" not in changes and changes["yearly"]:
            changes = {**changes, "quantity": sum(y.quantity for y in changes["yearly"])}
        candidate = replace(self, **changes)
        candidate.validate(item)
        changed = sorted(k for k, v in changes.items() if getattr(self, k) != v)
        if not changed:
            return []
        for key in changed:
            setattr(self, key, changes[key])
        self._new_version(now)
        return changed

    def withdraw(self, now: datetime) -> None:
        if self.status not in AMENDABLE:
            raise NotAllowedNow(f"need {self.id} is {self.status.value}; it can no longer be withdrawn")
        self.status = NeedStatus.WITHDRAWN
        self.status_reason = None
        self._new_version(now)

    def set_aside(self, reason: str, now: datetime) -> None:
        super().set_aside(reason, now)
        self._new_version(now)

    def contracted(self, now: datetime) -> bool:
        """The joint order or framework the need was committed in became a contract."""
        if self.status is not NeedStatus.COMMITTED:
            return False
        self.status = NeedStatus.CONTRACTED
        self._new_version(now)
        return True

    def snapshot(self) -> dict[str, Any]:
        return {
            "quantity": self.quantity,
            "yearly": [{"year": y.year, "quantity": y.quantity} for y in self.yearly],
            "recurring": self.recurring,
            "delivery_window": {"start": self.window_start.isoformat(), "end": self.window_end.isoformat()},
            "end_user": self.end_user.value,
            "budget_ceiling_eur": None if self.budget_ceiling_eur is None else f"{self.budget_ceiling_eur:.2f}",
            "specification_ref": self.specification_ref,
            "deviations": [{"description": d.description, "compatible": d.compatible} for d in self.deviations],
            "priority": self.priority.value,
            "preferred_funding": self.preferred_funding,
            "status": self.status.value,
        }


AMENDABLE_FIELDS = {
    "quantity",
    "yearly",
    "recurring",
    "window_start",
    "window_end",
    "end_user",
    "budget_ceiling_eur",
    "specification_ref",
    "deviations",
    "priority",
    "preferred_funding",
}


@dataclass
class NeedVersion:
    """One entry of a need's history: what it looked like after a change, and why."""

    need_id: str
    version: int
    recorded_at: datetime
    recorded_by: str
    change: str
    snapshot: dict[str, Any]

    @classmethod
    def of(cls, need: Need, by: str, change: str) -> NeedVersion:
        return cls(need.id, need.version, need.updated_at, by, change, need.snapshot())
