"""Contracts placed by a lead nation or agency for several nations at once.

One joint order becomes one contract with a delivery line per participating nation, so
that each nation's quantities stay visible and deliverable on their own; or, when the
bundle says so, one contract per buying nation. Every change lands in the change log.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from contracts.domain.errors import ContractRuleViolation
from contracts.domain.ids import new_id
from contracts.domain.money import positive_eur, text

# A change-log entry's scope: the whole contract, or the one nation whose part it is, so
# that a partner sees the entries of the whole and of its own part only.
WHOLE = "all"


def log_entry(by: str, what: str, scope: str = WHOLE, *, at: datetime) -> dict[str, str]:
    """`at` is the service's clock's moment: the log is the audit trail partners read, so it
    keeps the time the change was decided at, as every other rule of the service sees it."""
    return {"at": at.isoformat(), "by": by, "what": what, "scope": scope}


class ContractMode(StrEnum):
    """How a committed joint order is contracted."""

    SINGLE = "single"
    PER_BUYER = "per_buyer"


SINGLE_PART = "all"


class CommitmentKind(StrEnum):
    """What a bundle committed: a joint order (one contract, or one per buyer) or a framework
    (a multi-year ceiling the nations call off against)."""

    JOINT_ORDER = "joint_order"
    FRAMEWORK = "framework"


@dataclass(frozen=True)
class CommitmentRefusal:
    """A committed joint order or framework that a rule of the contract refuses. The demand
    service committed it and cannot take it back, so it is kept, under the bundle's id where
    its contract would be found, until a commitment of the bundle that can be contracted
    replaces it: the lead sees why and amends the bundle or asks an administrator."""

    bundle_id: str
    kind: CommitmentKind
    item_code: str
    lead: str
    nations: list[str]
    reason: str
    at: datetime

    @property
    def explained(self) -> str:
        what = "joint order" if self.kind is CommitmentKind.JOINT_ORDER else "framework"
        return f"the committed {what} {self.bundle_id} is not contracted: {self.reason}"


@dataclass(frozen=True)
class LocalProduction:
    """An offer's promise of where production takes place: per nation, its share of the
    production (0 to 1)."""

    offer_id: str
    shares: dict[str, float]

    @property
    def bound(self) -> dict[str, float]:
        """What binds, nation by nation: a share of 0 promises nothing."""
        return {nation: share for nation, share in sorted(self.shares.items()) if share > 0}

    @property
    def explained(self) -> str:
        """The change-log entry: the obligation, and the offer it came from."""
        if not self.bound:
            return f"no local production bound: the winning offer {self.offer_id} promised none"
        where = ", ".join(f"{percent(share)} of production in {nation}" for nation, share in self.bound.items())
        return f"local production bound by the winning offer {self.offer_id}: {where}"


def percent(share: float) -> str:
    """0.3 as "30 %": a share as people read it, without a float's noise (30.000000000000004)."""
    return f"{round(share * 100, 2):g} %"


class _Part:
    """What a buying nation's part comes to: the same for the aggregate's line and for a
    line a list reads."""

    quantity: int
    ukraine_quantity: int

    @property
    def own_forces_quantity(self) -> int:
        return self.quantity - self.ukraine_quantity


@dataclass
class ContractLine(_Part):
    """One buying nation's part: what it orders and, of that, what is delivered to Ukraine."""

    nation: str
    quantity: int
    ukraine_quantity: int = 0


@dataclass
class ListedLine(_Part):
    """A line as a list of contracts reads it: plain values, not part of an aggregate."""

    nation: str
    quantity: int
    ukraine_quantity: int


class _Lines:
    """What a contract's lines add up to: the same for the aggregate and for a contract a
    list reads."""

    lines: Sequence[ContractLine | ListedLine]
    unit_price_eur: Decimal | None

    @property
    def value_eur(self) -> Decimal | None:
        return None if self.unit_price_eur is None else self.unit_price_eur * self.total_quantity

    @property
    def total_quantity(self) -> int:
        return sum(line.quantity for line in self.lines)

    @property
    def ukraine_quantity(self) -> int:
        """Of the total, what is delivered to Ukraine."""
        return sum(line.ukraine_quantity for line in self.lines)

    @property
    def nations(self) -> list[str]:
        return [line.nation for line in self.lines]


@dataclass
class _Opened(_Lines):
    """What a contract states from the day it is opened: the joint order, the item, the
    lead, the delivery window."""

    id: str
    bundle_id: str
    item_code: str
    contracting_authority: str
    window_start: date
    window_end: date
    created_at: datetime


@dataclass
class Contract(_Opened):
    lines: list[ContractLine] = field(default_factory=list)
    part: str = SINGLE_PART
    supplier_id: str | None = None
    unit_price_eur: Decimal | None = None
    change_log: list[dict[str, str]] = field(default_factory=list)
    funded_by: list[str] = field(default_factory=list)  # nations paying toward it by pledges, not buying
    funding_instrument: str | None = None  # the EU instrument the order chose; its procurement takes it over
    # Of the production, the share the signed supplier bound itself to place in each nation
    # (its winning offer's, `local_production_offer_id`): the supplier owes it whoever buys.
    local_production: dict[str, float] = field(default_factory=dict)
    local_production_offer_id: str | None = None

    @classmethod
    def for_joint_order(
        cls,
        *,
        bundle_id: str,
        item_code: str,
        contracting_authority: str,
        window_start: date,
        window_end: date,
        quantities: dict[str, int],
        at: datetime,
        ukraine: dict[str, int] | None = None,
        funded_by: list[str] | None = None,
        funding_instrument: str | None = None,
    ) -> Contract:
        """`ukraine`: of each nation's quantity, what is delivered to Ukraine; `funded_by`:
        the nations paying toward the order by pledges."""
        ukraine = ukraine or {}
        if not quantities:
            raise ContractRuleViolation(f"joint order {bundle_id} has no participating nation")
        if any(q <= 0 for q in quantities.values()):
            raise ContractRuleViolation(f"joint order {bundle_id} has a non-positive quantity")
        if window_end < window_start:
            raise ContractRuleViolation(f"joint order {bundle_id} ends its delivery window before it starts")
        # The fields in their declared order: the keywords above name them.
        contract = cls(
            new_id("contract", digits=16), bundle_id, item_code, contracting_authority, window_start, window_end, at
        )
        if any(not 0 <= ukraine.get(n, 0) <= q for n, q in quantities.items()):
            raise ContractRuleViolation(f"joint order {bundle_id} sends Ukraine more than a nation orders")
        contract.lines = [ContractLine(n, quantities[n], ukraine.get(n, 0)) for n in sorted(quantities)]
        contract.funded_by = sorted(set(funded_by or []))
        contract.funding_instrument = funding_instrument
        contract.log(
            contracting_authority, f"created for joint order {bundle_id}: {contract.total_quantity} items", at=at
        )
        return contract

    def in_mode(self, mode: ContractMode) -> list[Contract]:
        """The contracts the joint order becomes: this one, or one per buying nation."""
        return [self] if mode is ContractMode.SINGLE else self.split_per_buyer(self.created_at)

    def split_per_buyer(self, at: datetime) -> list[Contract]:
        """One contract per buying nation, each with its own line, instead of this one."""
        contracts = []
        for line in self.lines:
            contract = Contract.for_joint_order(
                bundle_id=self.bundle_id,
                item_code=self.item_code,
                contracting_authority=self.contracting_authority,
                window_start=self.window_start,
                window_end=self.window_end,
                quantities={line.nation: line.quantity},
                at=at,
                ukraine={line.nation: line.ukraine_quantity},
                funded_by=self.funded_by,
                funding_instrument=self.funding_instrument,
            )
            contract.part = line.nation
            contracts.append(contract)
        return contracts

    def log(self, by: str, what: str, scope: str = WHOLE, *, at: datetime) -> None:
        self.change_log = [*self.change_log, log_entry(by, what, scope, at=at)]

    def assign_supplier(
        self,
        supplier_id: str,
        unit_price_eur: Decimal,
        by: str,
        *,
        at: datetime,
        won_with: LocalProduction | None = None,
    ) -> None:
        """`won_with`: what the winning offer promised to produce where; signing makes it the
        supplier's obligation under this contract, whichever nations buy or pay (CV90: the
        Netherlands pays and receives nothing, yet part of the production is to be Dutch)."""
        if self.supplier_id is not None and self.supplier_id != supplier_id:
            raise ContractRuleViolation(f"contract {self.id} is already signed with {self.supplier_id}")
        price = positive_eur(unit_price_eur, "a unit price")
        self.supplier_id = supplier_id
        self.unit_price_eur = price
        self.log(by, f"signed with supplier {supplier_id} at {text(price)} EUR per item", at=at)
        if won_with is not None:
            self._oblige(won_with, by, at=at)

    def _oblige(self, promised: LocalProduction, by: str, *, at: datetime) -> None:
        """An offer promising nowhere leaves no obligation, and says so only where it
        replaces one."""
        bound = promised.bound
        if not bound and not self.local_production:
            return
        self.local_production = bound
        self.local_production_offer_id = promised.offer_id if bound else None
        self.log(by, promised.explained, at=at)

    @property
    def obligation(self) -> LocalProduction | None:
        """The local production the signed supplier owes, as its winning offer promised it."""
        if not self.local_production or self.local_production_offer_id is None:
            return None
        return LocalProduction(self.local_production_offer_id, self.local_production)


@dataclass
class ContractListing(_Opened):
    """A contract as a list shows it: its fields but the change log, read as plain rows (a
    page of a hundred contracts as aggregates cost twice as much), with the same figures
    as the aggregate's."""

    part: str
    supplier_id: str | None
    unit_price_eur: Decimal | None
    funded_by: list[str]
    funding_instrument: str | None
    local_production: dict[str, float]
    local_production_offer_id: str | None
    lines: list[ListedLine]

    @classmethod
    def of(cls, contract: Contract) -> ContractListing:
        """What a list shows of the aggregate."""
        shown = {f.name: getattr(contract, f.name) for f in fields(cls) if f.name != "lines"}
        return cls(**shown, lines=[ListedLine(x.nation, x.quantity, x.ukraine_quantity) for x in contract.lines])
