"""Delivery schedules: lots per nation, what actually arrived, and delays.

A lot past its due date with items outstanding, or a supplier forecast later than the
due date, is a delay the supplier must answer; it is reported once per due date and
forecast. Re-planning (such as moving a 500 M EUR order forward into 2025-2028) keeps an
audit trail of every move.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from contracts.domain.allocation import month_end, next_month
from contracts.domain.errors import ContractRuleViolation
from contracts.domain.ids import new_id


@dataclass(frozen=True)
class Agreement:
    """A contract or a call-off: what is delivered in lots, by whom, to whom. `ukraine`: of
    each nation's line, what goes to Ukraine; `unit_price_eur`: what a lot is worth a
    unit, once a supplier is signed; `framework_id`: a call-off's framework."""

    id: str
    authority: str
    quantities: dict[str, int]
    supplier_id: str | None
    supplier_organisation: str | None
    coordinators: tuple[str, ...] = ()
    ukraine: dict[str, int] = field(default_factory=dict)
    item_code: str = ""
    unit_price_eur: Decimal | None = None
    framework_id: str | None = None


class LotStatus(StrEnum):
    PLANNED = "planned"
    MET = "met"
    PARTIALLY_MET = "partially_met"
    NOT_MET = "not_met"


class _Standing:
    """Where a lot stands: the same for the aggregate and for a lot a schedule lists."""

    nation: str
    quantity: int
    due_date: date
    beneficiary: str | None
    delivered: int

    @property
    def deliver_to(self) -> str:
        """Where it goes: Ukraine for the buyer, or the buyer's own forces."""
        return self.beneficiary or self.nation

    @property
    def outstanding(self) -> int:
        return max(self.quantity - self.delivered, 0)

    def status(self, today: date) -> LotStatus:
        if self.delivered >= self.quantity:
            return LotStatus.MET
        if self.delivered > 0:
            return LotStatus.PARTIALLY_MET
        return LotStatus.NOT_MET if today > self.due_date else LotStatus.PLANNED


@dataclass
class ListedLot(_Standing):
    """A lot as a schedule lists it: read as plain rows, without what arrived nor its
    history (a page of a hundred as aggregates cost half as much again)."""

    id: str
    contract_id: str
    nation: str
    quantity: int
    due_date: date
    forecast_date: date | None
    beneficiary: str | None
    delivered: int

    @classmethod
    def of(cls, lot: DeliveryLot) -> ListedLot:
        """What a schedule lists of the aggregate."""
        return cls(**{f.name: getattr(lot, f.name) for f in fields(cls)})


@dataclass
class DeliveryLot(_Standing):
    id: str
    contract_id: str
    nation: str
    quantity: int
    due_date: date
    deliveries: list[dict[str, str | int]] = field(default_factory=list)
    forecast_date: date | None = None
    history: list[dict[str, str]] = field(default_factory=list)
    delay_reported: str | None = None
    beneficiary: str | None = None  # delivered to this nation (UKR) instead of the buyer's own forces
    delivered: int = 0
    """Items delivered so far, the sum of `deliveries`: kept beside them, so that what is
    outstanding is read without reading every delivery."""
    framework_id: str | None = None
    """The framework of a call-off's lot: a lead's report finds the lots of the frameworks it
    leads by it, where asking after each of their call-offs cost a look-up per call-off,
    tens of thousands of them, whether it had lots or not."""

    @classmethod
    def plan(
        cls,
        *,
        contract_id: str,
        nation: str,
        quantity: int,
        due_date: date,
        by: str,
        at: datetime,
        beneficiary: str | None = None,
        framework_id: str | None = None,
    ) -> DeliveryLot:
        if quantity <= 0:
            raise ContractRuleViolation("a delivery lot needs a positive quantity")
        lot = cls(
            id=new_id("lot"),
            contract_id=contract_id,
            nation=nation,
            quantity=quantity,
            due_date=due_date,
            beneficiary=beneficiary,
            framework_id=framework_id,
        )
        to = f" delivered to {beneficiary}" if beneficiary else ""
        lot._log(by, f"planned {quantity} for {nation}{to} due {due_date.isoformat()}", at)
        return lot

    def _log(self, by: str, what: str, at: datetime) -> None:
        self.history = [*self.history, {"at": at.isoformat(), "by": by, "what": what}]

    def record_delivery(self, quantity: int, on: date, by: str, *, at: datetime) -> None:
        if quantity <= 0:
            raise ContractRuleViolation("a delivery needs a positive quantity")
        if quantity > self.outstanding:
            raise ContractRuleViolation(f"lot {self.id} has only {self.outstanding} items outstanding, not {quantity}")
        self.deliveries = [*self.deliveries, {"on": on.isoformat(), "quantity": quantity}]
        self.delivered += quantity
        self._log(by, f"delivered {quantity} on {on.isoformat()}", at)

    def forecast(self, on: date, by: str, *, at: datetime) -> None:
        self.forecast_date = on
        self._log(by, f"supplier forecasts delivery on {on.isoformat()}", at)

    def replan(self, due_date: date, reason: str, by: str, *, at: datetime) -> date:
        if not reason.strip():
            raise ContractRuleViolation("re-planning a lot needs a reason")
        previous = self.due_date
        self.due_date = due_date
        self.delay_reported = None
        self._log(by, f"due date moved from {previous.isoformat()} to {due_date.isoformat()}: {reason}", at)
        return previous

    def delay(self, today: date, expected: date | None = None) -> str | None:
        """A key naming the delay when there is one not yet reported, else None. A lot is
        late past its due date, or when the supplier's forecast, or the completion the
        allocation of the supplier's output expects (`expected`), falls after it."""
        if self.outstanding == 0:
            return None
        late_forecast = self.forecast_date is not None and self.forecast_date > self.due_date
        late_expected = expected is not None and expected > self.due_date
        if not (today > self.due_date or late_forecast or late_expected):
            return None
        forecast = self.forecast_date.isoformat() if late_forecast and self.forecast_date else "-"
        key = f"{self.due_date.isoformat()}/{forecast}"
        if late_expected and expected is not None and not late_forecast:
            key += f"/expected {expected.isoformat()}"
        return None if key == self.delay_reported else key

    def mark_delay_reported(self, key: str) -> None:
        self.delay_reported = key


def allocate_capacity(
    monthly_capacity: int, start: date, demands: list[tuple[str, int]], priority: list[str]
) -> list[tuple[str, date, int]]:
    """Fill each month's production with the nations in priority order (e.g. Ukraine first);
    nations not named in the priority follow in the order given. Returns (nation, month, quantity)."""
    if monthly_capacity <= 0:
        raise ContractRuleViolation("monthly capacity must be positive")
    order = {n: i for i, n in enumerate(priority)}
    ranked = sorted(range(len(demands)), key=lambda i: (order.get(demands[i][0], len(order)), i))
    queue: list[tuple[str, int]] = [demands[i] for i in ranked if demands[i][1] > 0]
    plan: list[tuple[str, date, int]] = []
    month = date(start.year, start.month, 1)
    while queue:
        free = monthly_capacity
        while free and queue:
            nation, wanted = queue[0]
            take = min(free, wanted)
            plan.append((nation, month, take))
            free -= take
            if wanted == take:
                queue.pop(0)
            else:
                queue[0] = (nation, wanted - take)
        month = next_month(month)
    return plan


UKRAINE = "UKR"


@dataclass(frozen=True)
class PlannedLot:
    """A lot asked for: for a buying nation's line, or for Ukraine (`nation` "UKR") out of
    the Ukraine part of a line; `buyer` names the line when several send to Ukraine."""

    nation: str
    quantity: int
    due_date: date
    buyer: str | None = None


@dataclass
class DeliverySchedule:
    """The lots of one contract or call-off against each nation's line: a nation's lots never
    add up to more than its line, and its lots to Ukraine never more than the part of its
    line that goes to Ukraine."""

    contract_id: str
    quantities: dict[str, int]
    lots: list[DeliveryLot]
    ukraine: dict[str, int] = field(default_factory=dict)
    framework_id: str | None = None  # a call-off's: its lots carry it

    def _line_for(self, asked: PlannedLot) -> tuple[str, str | None]:
        """The buying nation whose line the lot is of, and the beneficiary if not its own forces."""
        if asked.nation in self.quantities and asked.buyer in (None, asked.nation):
            return asked.nation, None
        sending = sorted(n for n, q in self.ukraine.items() if q > 0)
        if asked.nation != UKRAINE or not sending:
            raise ContractRuleViolation(f"{asked.nation} has no line in {self.contract_id}")
        if asked.buyer is not None:
            if asked.buyer not in sending:
                raise ContractRuleViolation(f"{asked.buyer} sends nothing to Ukraine under {self.contract_id}")
            return asked.buyer, UKRAINE
        if len(sending) > 1:
            raise ContractRuleViolation(
                f"the lines of {', '.join(sending)} send quantities to Ukraine: name the buyer of the lot"
            )
        return sending[0], UKRAINE

    def plan(self, planned: list[PlannedLot], by: str, *, at: datetime) -> list[DeliveryLot]:
        """Lots added to those planned already."""
        totals = {n: sum(lot.quantity for lot in self.lots if lot.nation == n) for n in self.quantities}
        to_ukraine = {
            n: sum(lot.quantity for lot in self.lots if lot.nation == n and lot.beneficiary == UKRAINE)
            for n in self.quantities
        }
        made = []
        for asked in planned:
            nation, beneficiary = self._line_for(asked)
            totals[nation] += asked.quantity
            if totals[nation] > self.quantities[nation]:
                raise ContractRuleViolation(
                    f"lots for {nation} would total {totals[nation]}, more than its {self.quantities[nation]}"
                )
            if beneficiary == UKRAINE:
                to_ukraine[nation] += asked.quantity
                if to_ukraine[nation] > self.ukraine.get(nation, 0):
                    raise ContractRuleViolation(
                        f"lots to Ukraine from {nation}'s line would total {to_ukraine[nation]}, more than the"
                        f" {self.ukraine.get(nation, 0)} it sends there"
                    )
            made.append(self._lot(nation, asked.quantity, asked.due_date, by, at, beneficiary))
        self.lots = [*self.lots, *made]
        return made

    def allocate(
        self, monthly_capacity: int, start: date, priority: list[str], by: str, *, at: datetime
    ) -> list[DeliveryLot]:
        """The whole schedule again, from the supplier's monthly capacity and the nations'
        priority: one lot per nation and month, due at the month's end. Lots already partly
        delivered are history and cannot be recomputed."""
        if any(lot.delivered for lot in self.lots):
            raise ContractRuleViolation("deliveries were recorded already: re-plan the remaining lots one by one")
        plan = allocate_capacity(monthly_capacity, start, list(self.quantities.items()), priority)
        self.lots = [self._lot(nation, quantity, month_end(month), by, at) for nation, month, quantity in plan]
        return list(self.lots)

    def shift(
        self, start: date, end: date, reason: str, by: str, *, at: datetime, nation: str | None = None
    ) -> list[tuple[DeliveryLot, date]]:
        """An order shift: the remaining lots (of `nation`, or of all) move into the window
        in one act, keeping their order and spacing: the first falls due at its start, the
        last at its end, the others in between as they stood. Returns each lot moved with
        its previous due date; what was delivered stays history."""
        if end < start:
            raise ContractRuleViolation(f"the window ends ({end}) before it starts ({start})", field="window")
        if nation is not None and nation not in self.quantities:
            raise ContractRuleViolation(f"{nation} has no line in {self.contract_id}", field="nation")
        remaining = sorted(
            (lot for lot in self.lots if lot.outstanding > 0 and nation in (None, lot.nation)),
            key=lambda lot: (lot.due_date, lot.id),
        )
        if not remaining:
            raise ContractRuleViolation(f"{self.contract_id} has no remaining lots to move", rule="remaining_lots")
        first, last = remaining[0].due_date, remaining[-1].due_date
        span, room = (last - first).days, (end - start).days
        moved = []
        for lot in remaining:
            due = end if span == 0 else start + timedelta(days=round((lot.due_date - first).days * room / span))
            moved.append((lot, lot.replan(due, reason, by, at=at)))
        return moved

    def _lot(
        self, nation: str, quantity: int, due: date, by: str, at: datetime, beneficiary: str | None = None
    ) -> DeliveryLot:
        return DeliveryLot.plan(
            contract_id=self.contract_id,
            nation=nation,
            quantity=quantity,
            due_date=due,
            by=by,
            at=at,
            beneficiary=beneficiary,
            framework_id=self.framework_id,
        )
