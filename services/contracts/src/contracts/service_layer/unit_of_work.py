"""What handlers need from a unit of work; the SQLAlchemy one lives in adapters."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Generic, Protocol, TypeVar

from bundling_shared.clock import Clock
from bundling_shared.unit_of_work import MessagingUnitOfWork
from contracts.domain.access import Reach
from contracts.domain.allocation import Claim, StockLevel
from contracts.domain.contract import CommitmentRefusal, Contract, ContractListing, ContractMode
from contracts.domain.deliveries import Agreement, DeliveryLot, ListedLot
from contracts.domain.expiry import ExpiryNotice
from contracts.domain.frameworks import CallOff, FrameworkContract, FrameworkParties
from contracts.domain.materials import Material
from contracts.domain.national_purchases import NationalPurchase
from contracts.domain.ocds import Bids, Company, Latest, PublishedRelease
from contracts.domain.procurement import Procurement, TenderFilter
from contracts.domain.production import ProductionLine
from contracts.domain.reporting import DeliveryProgress, FundedDeliveries, Purchase
from contracts.domain.specifications import Specification
from contracts.domain.suppliers import Supplier
from contracts.domain.supply_risk import Exposure

T = TypeVar("T")


@dataclass(frozen=True)
class Found(Generic[T]):
    """One page of what a query finds, and how many it finds in all."""

    items: Sequence[T]
    total: int


NONE_FOUND: Found[Any] = Found([], 0)


@dataclass(frozen=True)
class Only:
    """The entries of a kept list (a change log, a ranking) whose `field` holds one of
    `values`; None among them: an entry without the field."""

    field: str
    values: frozenset[str | None]


@dataclass(frozen=True)
class Sight:
    """What a report shows of each contract or call-off: every nation's figures of those in
    `whole`, and of those its nation takes part in, that nation's (`own`); of those a nation
    pays toward by pledges, that nation (`funder`) sees the totals."""

    whole: Reach
    own: str | None = None
    funder: str | None = None


class Contracts(Protocol):
    def add(self, contract: Contract) -> None: ...
    async def get(self, contract_id: str) -> Contract | None: ...
    async def agreement(self, contract_id: str) -> Agreement | None:
        """The contract as its lots need it: its lines, lead, supplier and price."""
        ...

    async def for_bundle(self, bundle_id: str) -> Contract | None: ...
    async def all_for_bundle(self, bundle_id: str) -> Sequence[Contract]: ...
    async def page(
        self, reach: Reach, limit: int, offset: int, ending: tuple[date, date] | None = None
    ) -> Found[ContractListing]: ...
    async def ending_between(self, first: date, last: date) -> Sequence[Contract]:
        """Those whose delivery window ends on one of these days, without their change logs."""
        ...

    async def change_log(
        self, contract_id: str, only: Only | None, limit: int, offset: int
    ) -> Found[dict[str, Any]]: ...
    async def purchases(self, sight: Sight) -> list[Purchase]: ...
    async def origin_values(self, sight: Sight) -> list[Purchase]:
        """As `purchases`, one per nation and country of the supplier (no supplier, no year)."""
        ...

    async def exposures(self, sight: Sight) -> list[Exposure]: ...
    async def mode_for(self, bundle_id: str) -> ContractMode: ...
    async def set_mode(self, bundle_id: str, mode: ContractMode) -> None: ...
    async def lead_of(self, bundle_id: str) -> str | None: ...
    async def set_lead(self, bundle_id: str, lead: str) -> None: ...
    async def refusal_for(self, bundle_id: str) -> CommitmentRefusal | None: ...
    async def record_refusal(self, refusal: CommitmentRefusal) -> None: ...
    async def clear_refusal(self, bundle_id: str) -> None: ...


class Suppliers(Protocol):
    def add(self, supplier: Supplier) -> None: ...
    async def get(self, supplier_id: str) -> Supplier | None: ...
    async def as_stored(self, supplier_id: str) -> Supplier | None: ...
    async def by_organisation(self, organisation: str) -> Supplier | None: ...
    async def by_ids(self, ids: set[str]) -> dict[str, Supplier]: ...
    async def companies(self, ids: set[str]) -> dict[str, Company]:
        """The suppliers of these ids as a release names them."""
        ...

    async def page(self, organisation: str | None, limit: int, offset: int) -> Found[Supplier]:
        """By organisation: every supplier, or the one of `organisation`."""
        ...


class Specifications(Protocol):
    def add(self, specification: Specification) -> None: ...
    async def get(self, specification_id: str) -> Specification | None: ...
    async def for_reading(self, specification_id: str) -> Specification | None:
        """The specification without its deviations, which are read a page at a time."""
        ...

    async def versions(self, reference: str) -> Sequence[Specification]: ...
    async def page(self, proposed: Reach, harmonised: Reach, limit: int, offset: int) -> Found[Specification]:
        """By reference and version, those in the reach of each status; as a list shows them,
        without their deviations, requirements and the nations' positions."""
        ...

    async def deviations(self, specification_id: str, limit: int, offset: int) -> Found[dict[str, Any]]: ...
    async def harmonised_materials(self, item_codes: set[str]) -> dict[str, set[str]]:
        """Per item, the critical materials its harmonised specifications name."""
        ...


class Procurements(Protocol):
    def add(self, procurement: Procurement) -> None: ...
    async def get(self, procurement_id: str) -> Procurement | None: ...
    async def for_reading(self, procurement_id: str) -> Procurement | None:
        """The procurement without its offers and ranking, which are read a page at a time."""
        ...

    async def has_offer(self, procurement_id: str, supplier_id: str) -> bool: ...
    async def offers(
        self, procurement_id: str, supplier_id: str | None, limit: int, offset: int
    ) -> Found[dict[str, Any]]:
        """In the order they came: every offer, or one supplier's; each its fields as plain values."""
        ...

    async def bids(self, procurement_id: str, awarded_offer_id: str | None, first: int) -> tuple[Bids, list[Company]]:
        """The `first` offers as a release names them (their companies in the order they
        came, how many offers there are, the awarded offer's unit price) and the companies."""
        ...

    async def evaluation(
        self, procurement_id: str, only: Only | None, limit: int, offset: int
    ) -> Found[dict[str, Any]]: ...

    async def page(self, reach: Reach, limit: int, offset: int) -> Found[Procurement]:
        """The procurements a reach finds, oldest first, without their offers nor ranking."""
        ...

    async def open_tenders(
        self, today: date, within: TenderFilter, limit: int, offset: int, *, invited: str | None = None
    ) -> Found[Procurement]:
        """The procurements still taking offers `today` (open, not yet due), soonest due
        first, without their offers and ranking: those published, and those negotiated with
        the company `invited` (a supplier id)."""
        ...


class Frameworks(Protocol):
    def add(self, framework: FrameworkContract) -> None: ...
    async def get(self, framework_id: str) -> FrameworkContract | None: ...
    async def for_bundle(self, bundle_id: str) -> FrameworkContract | None: ...
    def add_call_off(self, call_off: CallOff) -> None:
        """A call-off the framework placed, saved with the framework's totals it counts in."""
        ...

    async def claim(self, framework_id: str, *, with_suppliers: bool = False) -> None:
        """The framework is this transaction's to change until it ends: acts on it after
        this one wait, and read what this one wrote. `with_suppliers`: the suppliers it
        names are read with it where that saves a round trip (`suppliers.as_stored`)."""
        ...

    async def call_off(self, call_off_id: str) -> CallOff | None: ...
    async def parties(self, framework_id: str) -> FrameworkParties | None: ...
    async def call_off_agreement(self, call_off_id: str) -> Agreement | None:
        """The call-off as its lots need it, with its framework's lead and coordinators."""
        ...

    async def for_reading(self, framework_id: str) -> FrameworkContract | None:
        """The framework without its requests to accede, which are read a page at a time,
        as its call-offs and change log are."""
        ...

    async def page(self, reach: Reach, limit: int, offset: int) -> Found[FrameworkContract]:
        """Oldest first, each as `for_reading` reads it."""
        ...

    async def ending_between(self, first: date, last: date) -> Sequence[FrameworkContract]:
        """Those whose duration ends on one of these days, each as `for_reading` reads it."""
        ...

    async def call_offs(
        self, framework_id: str, nation: str | None, supplier_id: str | None, limit: int, offset: int
    ) -> Found[dict[str, Any]]:
        """In the order placed: every call-off, or one nation's, or those placed with one
        supplier; each its fields as plain values."""
        ...

    async def change_log(
        self, framework_id: str, only: Only | None, limit: int, offset: int
    ) -> Found[dict[str, Any]]: ...
    async def accession_requests(
        self, framework_id: str, only: Only | None, limit: int, offset: int
    ) -> Found[dict[str, Any]]: ...
    async def purchases(self, sight: Sight) -> list[Purchase]: ...
    async def origin_values(self, sight: Sight) -> list[Purchase]:
        """As `purchases`, one per nation and country of the supplier (no supplier, no year)."""
        ...

    async def exposures(self, sight: Sight) -> list[Exposure]: ...


class DeliveryLots(Protocol):
    def add(self, lot: DeliveryLot) -> None: ...
    async def remove(self, lot: DeliveryLot) -> None: ...
    async def get(self, lot_id: str) -> DeliveryLot | None: ...
    async def placed(self, lot_id: str) -> tuple[str, str] | None:
        """The contract or call-off the lot is delivered under, and its nation."""
        ...

    async def for_contract(self, contract_id: str) -> Sequence[DeliveryLot]: ...
    async def open_lots(self) -> Sequence[DeliveryLot]: ...
    async def take_unless_held(self, lot_id: str) -> bool:
        """The lot held to the end of the transaction, unless another transaction holds it:
        then False, and it is left alone."""
        ...

    async def claims(self, supplier_id: str, item_code: str) -> list[Claim]:
        """The open lots the supplier delivers the item under, as calls on its output."""
        ...

    async def page(self, contract_id: str, nations: set[str] | None, limit: int, offset: int) -> Found[ListedLot]:
        """In the order they fall due: every lot, or the given nations'; without their
        deliveries and history."""
        ...

    async def first_due(self, agreement_id: str, limit: int) -> Found[dict[str, Any]]:
        """A contract's or call-off's first `limit` lots as they fall due, each the fields
        of a lot but its history, and how many it has."""
        ...

    async def deliveries(self, lot_id: str, limit: int, offset: int) -> Found[dict[str, Any]]: ...
    async def history(self, lot_id: str, limit: int, offset: int) -> Found[dict[str, Any]]: ...
    async def progress(self, sight: Sight, today: date, limit: int, offset: int) -> Found[DeliveryProgress]:
        """Planned against delivered per contract (or call-off) and nation, in that order."""
        ...

    async def by_funder(
        self, sight: Sight, funder: str | None, today: date, limit: int, offset: int
    ) -> Found[FundedDeliveries]:
        """Planned against delivered per paying nation (`funder` alone, if named), how it
        pays, contract and beneficiary, in that order."""
        ...


class OcdsReleases(Protocol):
    async def page(self, ocid: str, limit: int, offset: int) -> tuple[Latest | None, Found[dict[str, Any]]]:
        """A process's latest release, and its releases in the order published."""
        ...

    async def add(self, published: PublishedRelease) -> None: ...
    async def vouch(self, release_id: str, sources: str) -> None:
        """The release says what is written from the sources of this fingerprint too."""
        ...


class ProductionLines(Protocol):
    def add(self, line: ProductionLine) -> None: ...
    async def get(self, line_id: str) -> ProductionLine | None: ...
    async def page(
        self, supplier_id: str | None, item_code: str | None, limit: int, offset: int
    ) -> Found[ProductionLine]:
        """In the order declared: every line, or one supplier's; of every item, or one."""
        ...

    async def inputs(self, supplier_ids: set[str], item_codes: set[str]) -> dict[tuple[str, str], set[str]]:
        """Per supplier and item, the inputs its lines for the item take."""
        ...


class StockLevels(Protocol):
    async def state(self, level: StockLevel) -> StockLevel: ...
    async def of_nation(self, nation: str, limit: int, offset: int) -> Found[StockLevel]: ...


class Materials(Protocol):
    def add(self, material: Material) -> None: ...
    async def get(self, name: str) -> Material | None: ...
    async def named(self, names: set[str]) -> dict[str, Material]:
        """The known materials among `names` (in their known spelling), by name."""
        ...

    async def page(self, limit: int, offset: int) -> Found[Material]:
        """By name."""
        ...


class Exposures(Protocol):
    async def exposures(self, sight: Sight) -> list[Exposure]:
        """Per contract (or call-off) and nation, what the caller sees: its item, supplier,
        units and signed unit price."""
        ...


class ExpiryNotices(Protocol):
    async def told(self, agreement_ids: Sequence[str]) -> dict[str, set[int]]:
        """Per agreement, the horizons told or passed already."""
        ...

    async def add(self, notices: Sequence[ExpiryNotice]) -> None: ...


class NationalPurchases(Protocol):
    def add(self, purchase: NationalPurchase) -> None: ...
    async def get(self, purchase_id: str) -> NationalPurchase | None: ...
    async def remove(self, purchase: NationalPurchase) -> None: ...
    async def with_reference(self, nation: str, reference: str) -> NationalPurchase | None: ...
    async def page(self, nation: str | None, limit: int, offset: int) -> Found[NationalPurchase]:
        """Newest signed first: one nation's, or (None) every nation's."""
        ...

    async def purchases(self, nation: str | None) -> list[Purchase]:
        """As the reports count them: one nation's, or (None) every nation's."""
        ...


class UnitOfWork(MessagingUnitOfWork, Protocol):
    clock: Clock  # the service's one clock: the moment every change is logged at

    @property
    def contracts(self) -> Contracts: ...
    @property
    def suppliers(self) -> Suppliers: ...
    @property
    def specifications(self) -> Specifications: ...
    @property
    def procurements(self) -> Procurements: ...
    @property
    def frameworks(self) -> Frameworks: ...
    @property
    def lots(self) -> DeliveryLots: ...
    @property
    def releases(self) -> OcdsReleases: ...
    @property
    def lines(self) -> ProductionLines: ...
    @property
    def stock(self) -> StockLevels: ...
    @property
    def national_purchases(self) -> NationalPurchases: ...
    @property
    def expiries(self) -> ExpiryNotices: ...
    @property
    def materials(self) -> Materials: ...


UowFactory = Callable[[], UnitOfWork]
"""A fresh unit of work for each request or event."""

BUNDLE_EVENTS = "contracts-joint-orders"
"""The consumer of the demand service's bundle events: its Kafka consumer group, and the name
under which the inbox remembers what it processed."""
