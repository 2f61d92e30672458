"""Framework contracts: a multi-year ceiling that participating nations call off against.

Only a party to the framework may call off, only the framework's items, and never beyond
what is left of the ceiling in quantity or in value. Other nations may accede later (the
Multi Mission Radar contract opened to Norway, Denmark and Lithuania). Every change is
written to the change log, and the end date is watched: ammunition contracts expiring in
2029 need new bundling rounds years ahead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, Required, TypedDict, Unpack

from contracts.domain.contract import WHOLE, log_entry
from contracts.domain.errors import Conflict, ContractRuleViolation, NotFound
from contracts.domain.expiry import Expiry
from contracts.domain.ids import new_id
from contracts.domain.money import MAX_EUR, ZERO, eur_or_none, positive_eur, text
from contracts.domain.weighing import NATIONS

MAX_SUPPLIERS = 100
"""Suppliers of one framework: more than any framework agreement holds, and few enough that
every answer about the framework names them all."""
MAX_COORDINATORS = 64
"""Coordinators a lead assigns to one framework: more than there are nations and agencies to
assign, and few enough that every answer about the framework names them all."""


class AccessionPolicy(StrEnum):
    """Whether a nation's request to accede takes effect at once or waits for the lead: the
    lead opened its contract to others (the radar case) and decides who joins."""

    OPEN = "open"
    APPROVAL_REQUIRED = "approval_required"


class AccessionStatus(StrEnum):
    """A request to accede is pending until the lead decides, unless the framework is open."""

    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"


class CallOffMode(StrEnum):
    """How a call-off's supplier was chosen: named (or the only one), or the winner of a
    mini-competition among the framework's suppliers."""

    DIRECT = "direct"
    MINI_COMPETITION = "mini_competition"


@dataclass
class CallOff:
    id: str
    framework_id: str
    nation: str
    item_code: str
    quantity: int
    supplier_id: str
    unit_price_eur: Decimal | None
    delivery_due: date
    mode: str
    placed_at: datetime
    competition: list[dict[str, Any]] = field(default_factory=list)

    @property
    def value_eur(self) -> Decimal | None:
        return None if self.unit_price_eur is None else self.unit_price_eur * self.quantity


@dataclass(frozen=True)
class Bid:
    """A framework supplier's answer in a mini-competition."""

    supplier_id: str
    unit_price_eur: Decimal
    delivery_date: date


class FrameworkTerms(TypedDict, total=False):
    """What a framework contract is concluded on, in its own names: the one shape a request
    or a committed bundle takes to `FrameworkContract.create`."""

    item_code: Required[str]
    participants: Required[dict[str, int]]
    ceiling_quantity: Required[int]
    ceiling_value_eur: Required[Decimal | None]
    start: Required[date]
    end: Required[date]
    items: list[str]
    suppliers: dict[str, Decimal | None]
    bundle_id: str | None


class CallOffTerms(TypedDict, total=False):
    """What a party calls off, in the call-off's own names: a named (or the only) supplier,
    or bids of a mini-competition among the framework's suppliers."""

    item_code: Required[str]
    quantity: Required[int]
    delivery_due: Required[date]
    supplier_id: str | None
    bids: list[Bid]


@dataclass(frozen=True)
class FrameworkParties:
    """Who a framework is for, as a read of its call-offs, requests or log needs it: its
    lead, the participating nations, the coordinators assigned and the suppliers' ids."""

    contracting_authority: str
    participants: list[str]
    coordinators: list[str]
    suppliers: list[str]


@dataclass
class FrameworkContract:
    id: str
    item_code: str
    items: list[str]
    contracting_authority: str
    participants: dict[str, int]
    ceiling_quantity: int
    ceiling_value_eur: Decimal | None
    start: date
    end: date
    created_at: datetime
    suppliers: dict[str, Decimal | None] = field(default_factory=dict)
    bundle_id: str | None = None
    # The change-log entries this framework's acts wrote since it was made or read: the
    # log itself grows with every call-off, without bound, and is kept apart (appended to,
    # read a page at a time), so that an act costs the same on a long log as on a short one.
    change_log: list[dict[str, str]] = field(default_factory=list)
    # What was called off so far, kept up to date by each call-off rather than added up
    # from the call-offs, which grow without bound: in all, in items and in EUR where a
    # price was agreed, and per nation in items.
    called_off_quantity: int = 0
    called_off_value_eur: Decimal = ZERO
    called_off_by_nation: dict[str, int] = field(default_factory=dict)
    coordinators: list[str] = field(default_factory=list)
    accession_policy: str = AccessionPolicy.APPROVAL_REQUIRED.value
    # Each participant calls off from its own share unless the lead pools the shares.
    pooled_shares: bool = False
    accession_requests: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def create(
        cls, *, contracting_authority: str, by: str, at: datetime, **terms: Unpack[FrameworkTerms]
    ) -> FrameworkContract:
        participants, ceiling_quantity = terms["participants"], terms["ceiling_quantity"]
        ceiling_value_eur, suppliers = terms["ceiling_value_eur"], terms.get("suppliers", {})
        if not participants:
            raise ContractRuleViolation("a framework contract needs at least one participating nation")
        if ceiling_quantity <= 0:
            raise ContractRuleViolation("a framework contract needs a positive ceiling")
        if ceiling_value_eur is not None:
            ceiling_value_eur = positive_eur(ceiling_value_eur, "a framework's value ceiling")
        strangers = sorted(set(participants) - NATIONS)
        if strangers:
            raise ContractRuleViolation(
                f"{', '.join(strangers)} are not nations the platform knows",
                field="body.participants",
                rule="unknown_nation",
            )
        if terms["end"] <= terms["start"]:
            raise ContractRuleViolation("a framework contract ends after it starts")
        if any(q < 0 for q in participants.values()):
            raise ContractRuleViolation("a participant's quantity cannot be negative")
        if ceiling_quantity != sum(participants.values()):
            raise ContractRuleViolation(
                f"the ceiling is the sum of the participants' shares, {sum(participants.values())} items, "
                f"not {ceiling_quantity}",
                field="body.ceiling_quantity",
                rule="ceiling_is_sum_of_shares",
            )
        framework = cls(
            id=new_id("fw"),
            item_code=terms["item_code"],
            items=sorted({terms["item_code"], *terms.get("items", [])}),
            contracting_authority=contracting_authority,
            participants=dict(sorted(participants.items())),
            ceiling_quantity=ceiling_quantity,
            ceiling_value_eur=ceiling_value_eur,
            start=terms["start"],
            end=terms["end"],
            created_at=at,
            suppliers={k: None if v is None else positive_eur(v, "a unit price") for k, v in suppliers.items()},
            bundle_id=terms.get("bundle_id"),
        )
        framework._log(
            by, f"created: ceiling {ceiling_quantity} items, participants {', '.join(framework.nations)}", at=at
        )
        return framework

    def _log(self, by: str, what: str, scope: str = WHOLE, *, at: datetime) -> None:
        self.change_log = [*self.change_log, log_entry(by, what, scope, at=at)]

    @property
    def nations(self) -> list[str]:
        return sorted(self.participants)

    @property
    def remaining_quantity(self) -> int:
        return self.ceiling_quantity - self.called_off_quantity

    @property
    def remaining_value_eur(self) -> Decimal | None:
        return None if self.ceiling_value_eur is None else self.ceiling_value_eur - self.called_off_value_eur

    def add_supplier(self, supplier_id: str, unit_price_eur: Decimal | None, by: str, *, at: datetime) -> None:
        price = None if unit_price_eur is None else positive_eur(unit_price_eur, "a framework unit price")
        if supplier_id not in self.suppliers and len(self.suppliers) >= MAX_SUPPLIERS:
            raise ContractRuleViolation(
                f"framework {self.id} has {MAX_SUPPLIERS} suppliers, as many as a framework holds",
                field="body.supplier_id",
                rule="too_many_suppliers",
            )
        self.suppliers = {**self.suppliers, supplier_id: price}
        self._log(
            by, f"supplier {supplier_id} added at unit price {'not agreed' if price is None else text(price)}", at=at
        )

    def request_accession(
        self, nation: str, quantity: int, budget_eur: Decimal | None, by: str, *, at: datetime
    ) -> bool:
        """A nation asks to join: at once when the framework is open, else pending until the
        lead decides. Returns whether it took effect."""
        if nation in self.participants:
            raise Conflict(f"{nation} already takes part in framework {self.id}")
        if quantity <= 0:
            raise ContractRuleViolation("an accession needs a positive quantity")
        if self.pending_request(nation) is not None:
            raise Conflict(f"{nation} asked to accede to framework {self.id} already")
        if nation not in NATIONS:
            raise ContractRuleViolation(
                f"{nation} is not a nation the platform knows", field="body.nation", rule="unknown_nation"
            )
        budget = None if budget_eur is None else positive_eur(budget_eur, "an accession budget")
        self._ceiling_after(budget)
        # Kept as text: the request lives in a JSON column, which holds no Decimal.
        request = {
            "nation": nation,
            "quantity": quantity,
            "budget_eur": None if budget is None else text(budget),
            "by": by,
        }
        if self.accession_policy == AccessionPolicy.OPEN.value:
            self._record_request({**request, "status": AccessionStatus.APPROVED.value, "decided_by": by})
            self._accede(nation, quantity, budget, by, at)
            return True
        self._record_request({**request, "status": AccessionStatus.PENDING.value})
        self._log(by, f"{nation} asked to accede with {quantity} items", scope=nation, at=at)
        return False

    def request_accession_here(
        self, nation: str, quantity: int, budget_eur: Decimal | None, by: str, *, at: datetime
    ) -> bool:
        """A nation asks this service, not the demand service: only for a framework made
        here; a bundle's framework takes accessions through the demand service, so that the
        bundle follows."""
        if self.bundle_id is not None:
            raise Conflict(
                f"framework {self.id} comes from bundle {self.bundle_id}: accede through the demand "
                f"service (POST /v1/bundles/{self.bundle_id}/accessions)"
            )
        return self.request_accession(nation, quantity, budget_eur, by, at=at)

    def pending_request(self, nation: str) -> dict[str, Any] | None:
        return next(
            (r for r in self.accession_requests if r["nation"] == nation and r["status"] == AccessionStatus.PENDING),
            None,
        )

    def decide_accession(
        self, nation: str, approve: bool, by: str, reason: str = "", *, at: datetime
    ) -> dict[str, Any]:
        """The lead approves a pending request (the nation joins with what it asked for) or
        refuses it with a reason."""
        request = self.pending_request(nation)
        if request is None:
            if any(r["nation"] == nation for r in self.accession_requests):
                raise Conflict(f"{nation}'s request to accede to framework {self.id} was decided already")
            raise NotFound(f"no request of {nation} to accede to framework {self.id}")
        status = AccessionStatus.APPROVED if approve else AccessionStatus.REFUSED
        decided = {**request, "status": status.value, "decided_by": by, "reason": reason}
        self.accession_requests = [decided if r is request else r for r in self.accession_requests]
        if approve:
            self._accede(nation, int(request["quantity"]), eur_or_none(request.get("budget_eur")), by, at)
        else:
            self._log(by, f"{nation}'s accession refused: {reason}", scope=nation, at=at)
        return decided

    def _record_request(self, request: dict[str, Any]) -> None:
        self.accession_requests = [*self.accession_requests, request]

    def _ceiling_after(self, budget_eur: Decimal | None) -> Decimal | None:
        if self.ceiling_value_eur is None or budget_eur is None:
            return self.ceiling_value_eur
        grown = self.ceiling_value_eur + budget_eur
        if grown > MAX_EUR:
            raise ContractRuleViolation(
                f"the value ceiling would grow to {text(grown)} EUR, beyond {text(MAX_EUR)} EUR",
                field="body.budget_eur",
                rule="ceiling_too_large",
            )
        return grown

    def _accede(self, nation: str, quantity: int, budget_eur: Decimal | None, by: str, at: datetime) -> None:
        """The nation joins; the ceiling, the sum of the shares, grows by what it brings."""
        ceiling_value = self._ceiling_after(budget_eur)
        self.participants = dict(sorted({**self.participants, nation: quantity}.items()))
        self.ceiling_quantity += quantity
        self.ceiling_value_eur = ceiling_value
        self._log(by, f"{nation} acceded with {quantity} items", scope=nation, at=at)
        self._log(self.contracting_authority, f"a nation acceded; {len(self.participants)} nations take part", at=at)

    def configure(self, *, policy: AccessionPolicy | None, pooled_shares: bool | None, by: str, at: datetime) -> None:
        if policy is not None and policy.value != self.accession_policy:
            self.accession_policy = policy.value
            self._log(by, f"accession policy: {policy.value}", at=at)
        if pooled_shares is not None and pooled_shares != self.pooled_shares:
            self.pooled_shares = pooled_shares
            self._log(by, "shares pooled: any participant calls off up to the ceiling" if pooled_shares
                      else "shares kept: each participant calls off up to its own share", at=at)  # fmt: skip

    def assign_coordinator(self, party: str) -> None:
        """The lead lets the coordinators of another nation or agency run it with it."""
        if party not in self.coordinators and len(self.coordinators) >= MAX_COORDINATORS:
            raise ContractRuleViolation(
                f"framework {self.id} is run by {MAX_COORDINATORS} coordinators besides its lead already",
                field="body.coordinator",
                rule="too_many_coordinators",
            )
        self.coordinators = sorted({*self.coordinators, party})

    def remaining_share(self, nation: str) -> int:
        return self.participants.get(nation, 0) - self.called_off_by_nation.get(nation, 0)

    def call_off(self, *, nation: str, today: date, by: str, at: datetime, **terms: Unpack[CallOffTerms]) -> CallOff:
        """The call-off, checked against what is left of the ceiling and of the nation's
        share, and counted in the framework's totals. The framework does not hold its
        call-offs: the caller keeps the one returned in the transaction that saves the
        framework, so that the totals and the call-offs agree."""
        item_code, quantity, delivery_due = terms["item_code"], terms["quantity"], terms["delivery_due"]
        if nation not in self.participants:
            raise ContractRuleViolation(f"{nation} is not a party to framework {self.id} and may not call off")
        if item_code not in self.items:
            raise ContractRuleViolation(f"{item_code} is not an item of framework {self.id} ({', '.join(self.items)})")
        if quantity <= 0:
            raise ContractRuleViolation("a call-off needs a positive quantity")
        if not self.start <= today <= self.end:
            raise ContractRuleViolation(f"framework {self.id} runs from {self.start} to {self.end}; not on {today}")
        if not self.start <= delivery_due <= self.end:
            raise ContractRuleViolation(f"delivery due {delivery_due} lies outside the framework's term")
        if not self.pooled_shares and quantity > self.remaining_share(nation):
            raise ContractRuleViolation(
                f"call-off of {quantity} exceeds {nation}'s remaining share of {self.remaining_share(nation)} items"
            )
        if quantity > self.remaining_quantity:
            raise ContractRuleViolation(
                f"call-off of {quantity} exceeds the remaining ceiling of {self.remaining_quantity} items"
            )
        mode, chosen, price, competition = self._select(terms.get("supplier_id"), terms.get("bids", []), delivery_due)
        remaining_value = self.remaining_value_eur
        if price is not None and remaining_value is not None and price * quantity > remaining_value:
            raise ContractRuleViolation(
                f"call-off worth {price * quantity:.2f} EUR exceeds the remaining ceiling of {remaining_value:.2f} EUR"
            )
        call_off = CallOff(
            id=new_id("co"),
            framework_id=self.id,
            nation=nation,
            item_code=item_code,
            quantity=quantity,
            supplier_id=chosen,
            unit_price_eur=price,
            delivery_due=delivery_due,
            mode=mode.value,
            placed_at=at,
            competition=competition,
        )
        self._count(call_off)
        self._log(
            by,
            f"{nation} called off {quantity} {item_code} from {chosen} ({mode.value}); {call_off.id}",
            scope=nation,
            at=at,
        )
        return call_off

    def _count(self, call_off: CallOff) -> None:
        # Replaced rather than changed in place, as the change log: every change is saved.
        self.called_off_quantity += call_off.quantity
        self.called_off_value_eur += call_off.value_eur or ZERO
        drawn = self.called_off_by_nation.get(call_off.nation, 0) + call_off.quantity
        self.called_off_by_nation = dict(sorted({**self.called_off_by_nation, call_off.nation: drawn}.items()))

    def _select(
        self, supplier_id: str | None, bids: list[Bid], due: date
    ) -> tuple[CallOffMode, str, Decimal | None, list[dict[str, Any]]]:
        if not self.suppliers:
            raise ContractRuleViolation(f"framework {self.id} has no contracted supplier yet")
        if bids:
            strangers = sorted({b.supplier_id for b in bids} - set(self.suppliers))
            if strangers:
                raise ContractRuleViolation(f"{', '.join(strangers)} are not suppliers of framework {self.id}")
            on_time = [b for b in bids if b.delivery_date <= due]
            if not on_time:
                raise ContractRuleViolation("no bid in the mini-competition delivers by the due date")
            best = min(on_time, key=lambda b: (b.unit_price_eur, b.delivery_date, b.supplier_id))
            record = [
                {
                    "supplier_id": b.supplier_id,
                    "unit_price_eur": text(b.unit_price_eur),
                    "delivery_date": b.delivery_date.isoformat(),
                    "won": b is best,
                }
                for b in bids
            ]
            return CallOffMode.MINI_COMPETITION, best.supplier_id, best.unit_price_eur, record
        if supplier_id is None:
            if len(self.suppliers) > 1:
                raise ContractRuleViolation("several suppliers: name one, or hold a mini-competition")
            supplier_id = next(iter(self.suppliers))
        if supplier_id not in self.suppliers:
            raise ContractRuleViolation(f"{supplier_id} is not a supplier of framework {self.id}")
        return CallOffMode.DIRECT, supplier_id, self.suppliers[supplier_id], []

    def end_date_warning(self, today: date, horizons: tuple[int, ...]) -> str | None:
        """From the widest horizon its item is told at, the same that tells its parties."""
        return Expiry(self.end, horizons).warning(today)


def ensure_founded_alone(party: str, nation: str | None, participants: dict[str, int], *, admin: bool) -> None:
    """A framework made here starts with the nation founding it, taking its share, and no
    other: other nations join by their own request. An agency takes no share, so it creates
    none (its frameworks come from committed bundles); an administrator may found one for a
    nation."""
    if nation is None and not admin:
        raise ContractRuleViolation(
            f"{party} takes no share: a framework is created by a nation taking part, or comes from a committed bundle",
            field="body.participants",
            rule="creator_takes_part",
        )
    others = sorted(set(participants) - {nation}) if nation else []
    if others or (nation and nation not in participants):
        raise ContractRuleViolation(
            f"at creation only {party} takes part; {', '.join(others) or 'others'} accede by their own request",
            field="body.participants",
            rule="participants_join_by_own_act",
        )
