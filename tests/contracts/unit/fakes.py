"""A unit of work in memory, for testing handlers without a database or a broker.

It keeps what the handlers add in lists, stages events and processed messages until the
handler commits (as the outbox and the inbox do), and reads time from a fixed clock. Lists
are cut into pages as the repositories cut them; the reports, which the database adds up,
are tested on the database.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, date, datetime
from typing import Any, Self, TypeVar
from uuid import UUID

from bundling_shared.clock import Clock, FixedClock
from bundling_shared.events.envelope import EventEnvelope
from bundling_shared.topics import Topic
from contracts.domain.access import Reach
from contracts.domain.allocation import Claim, StockLevel
from contracts.domain.contract import CommitmentRefusal, Contract, ContractListing, ContractMode
from contracts.domain.deliveries import Agreement, DeliveryLot, ListedLot
from contracts.domain.expiry import ExpiryNotice
from contracts.domain.frameworks import CallOff, FrameworkContract, FrameworkParties
from contracts.domain.materials import Category, Material, MaterialTerms, RiskLevel
from contracts.domain.national_purchases import NationalPurchase
from contracts.domain.ocds import Bids, Company, Latest, PublishedRelease
from contracts.domain.procurement import Procurement, TenderFilter
from contracts.domain.production import ProductionLine
from contracts.domain.reporting import DeliveryProgress, FundedDeliveries, Purchase
from contracts.domain.specifications import Specification
from contracts.domain.suppliers import Supplier
from contracts.domain.supply_risk import Exposure
from contracts.service_layer.unit_of_work import Found, Only, Sight

T = TypeVar("T")


def _found(items: Iterable[T], limit: int, offset: int) -> Found[T]:
    every = list(items)
    return Found(every[offset : offset + limit], len(every))


def _entries(kept: Iterable[dict[str, Any]], only: Only | None, limit: int, offset: int) -> Found[dict[str, Any]]:
    return _found((e for e in kept if only is None or e.get(only.field) in only.values), limit, offset)


def _reached(
    reach: Reach,
    authority: str,
    nations: Iterable[str],
    suppliers: Iterable[str | None],
    coordinators: Iterable[str] = (),
) -> bool:
    return (
        reach.everything
        or (reach.party is not None and reach.party == authority)
        or (reach.coordinator is not None and reach.coordinator in coordinators)
        or (reach.nation is not None and reach.nation in nations)
        or (reach.supplier_id is not None and reach.supplier_id in suppliers)
    )


def _organisation(suppliers: list[Supplier], supplier_id: str | None) -> str | None:
    return next((s.organisation for s in suppliers if s.id == supplier_id), None)


class _AddedUpByTheDatabase:
    """Reports are added up by the database: they are tested on it."""

    async def purchases(self, sight: Sight) -> list[Purchase]:
        raise NotImplementedError(self.__doc__)

    async def origin_values(self, sight: Sight) -> list[Purchase]:
        raise NotImplementedError(self.__doc__)

    async def exposures(self, sight: Sight) -> list[Exposure]:
        raise NotImplementedError(self.__doc__)


@dataclass
class FakeContracts(_AddedUpByTheDatabase):
    found: list[Contract] = field(default_factory=list)
    modes: dict[str, ContractMode] = field(default_factory=dict)
    leads: dict[str, str] = field(default_factory=dict)
    refusals: dict[str, CommitmentRefusal] = field(default_factory=dict)
    suppliers: list[Supplier] = field(default_factory=list)

    def add(self, contract: Contract) -> None:
        self.found.append(contract)

    async def get(self, contract_id: str) -> Contract | None:
        return next((c for c in self.found if c.id == contract_id), None)

    async def agreement(self, contract_id: str) -> Agreement | None:
        """Of the contracts and the suppliers (`suppliers`, wired by the unit of work)."""
        contract = await self.get(contract_id)
        if contract is None:
            return None
        return Agreement(
            contract.id,
            contract.contracting_authority,
            {line.nation: line.quantity for line in contract.lines},
            contract.supplier_id,
            _organisation(self.suppliers, contract.supplier_id),
            ukraine={line.nation: line.ukraine_quantity for line in contract.lines if line.ukraine_quantity},
            item_code=contract.item_code,
            unit_price_eur=contract.unit_price_eur,
        )

    async def for_bundle(self, bundle_id: str) -> Contract | None:
        found = await self.all_for_bundle(bundle_id)
        return found[0] if found else None

    async def all_for_bundle(self, bundle_id: str) -> Sequence[Contract]:
        return sorted((c for c in self.found if c.bundle_id == bundle_id), key=lambda c: c.part)

    async def ending_between(self, first: date, last: date) -> Sequence[Contract]:
        return sorted((c for c in self.found if first <= c.window_end <= last), key=lambda c: (c.window_end, c.id))

    async def page(
        self, reach: Reach, limit: int, offset: int, ending: tuple[date, date] | None = None
    ) -> Found[ContractListing]:
        seen = (c for c in self.found if _reached(reach, c.contracting_authority, c.nations, [c.supplier_id]))
        if ending is not None:
            ends = [c for c in seen if ending[0] <= c.window_end <= ending[1]]
            found = _found(sorted(ends, key=lambda c: (c.window_end, c.id)), limit, offset)
        else:
            found = _found(sorted(seen, key=lambda c: (c.created_at, c.id)), limit, offset)
        return Found([ContractListing.of(c) for c in found.items], found.total)

    async def change_log(self, contract_id: str, only: Only | None, limit: int, offset: int) -> Found[dict[str, Any]]:
        contract = await self.get(contract_id)
        return _entries(contract.change_log if contract else [], only, limit, offset)

    async def mode_for(self, bundle_id: str) -> ContractMode:
        return self.modes.get(bundle_id, ContractMode.SINGLE)

    async def set_mode(self, bundle_id: str, mode: ContractMode) -> None:
        self.modes[bundle_id] = mode

    async def lead_of(self, bundle_id: str) -> str | None:
        return self.leads.get(bundle_id)

    async def set_lead(self, bundle_id: str, lead: str) -> None:
        self.leads[bundle_id] = lead

    async def refusal_for(self, bundle_id: str) -> CommitmentRefusal | None:
        return self.refusals.get(bundle_id)

    async def record_refusal(self, refusal: CommitmentRefusal) -> None:
        self.refusals[refusal.bundle_id] = refusal

    async def clear_refusal(self, bundle_id: str) -> None:
        self.refusals.pop(bundle_id, None)


@dataclass
class FakeSuppliers:
    found: list[Supplier] = field(default_factory=list)

    def add(self, supplier: Supplier) -> None:
        self.found.append(supplier)

    async def get(self, supplier_id: str) -> Supplier | None:
        return next((s for s in self.found if s.id == supplier_id), None)

    async def as_stored(self, supplier_id: str) -> Supplier | None:
        return await self.get(supplier_id)

    async def by_organisation(self, organisation: str) -> Supplier | None:
        return next((s for s in self.found if s.organisation == organisation), None)

    async def page(self, organisation: str | None, limit: int, offset: int) -> Found[Supplier]:
        seen = (s for s in self.found if organisation is None or s.organisation == organisation)
        return _found(sorted(seen, key=lambda s: s.organisation), limit, offset)

    async def by_ids(self, ids: set[str]) -> dict[str, Supplier]:
        return {s.id: s for s in self.found if s.id in ids}

    async def companies(self, ids: set[str]) -> dict[str, Company]:
        return {s.id: Company(s.id, s.organisation, s.country, s.sme) for s in self.found if s.id in ids}


@dataclass
class FakeProductionLines:
    found: list[ProductionLine] = field(default_factory=list)

    def add(self, line: ProductionLine) -> None:
        self.found.append(line)

    async def get(self, line_id: str) -> ProductionLine | None:
        return next((x for x in self.found if x.id == line_id), None)

    async def page(
        self, supplier_id: str | None, item_code: str | None, limit: int, offset: int
    ) -> Found[ProductionLine]:
        seen = [
            x
            for x in self.found
            if (supplier_id is None or x.supplier_id == supplier_id) and (item_code is None or x.item_code == item_code)
        ]
        return _found(seen, limit, offset)

    async def inputs(self, supplier_ids: set[str], item_codes: set[str]) -> dict[tuple[str, str], set[str]]:
        found: dict[tuple[str, str], set[str]] = {}
        for x in self.found:
            if x.supplier_id in supplier_ids and x.item_code in item_codes:
                found.setdefault((x.supplier_id, x.item_code), set()).update(x.inputs)
        return found


def _seeded_materials() -> dict[str, Material]:
    """The part of the seeded reference list these tests name."""
    at = datetime(2026, 1, 1, tzinfo=UTC)
    seeded = [
        ("graphite", Category.RAW_MATERIAL, RiskLevel.CRITICAL, {"CHN": 0.77}),
        ("aluminium", Category.RAW_MATERIAL, RiskLevel.MEDIUM, {"CHN": 0.58, "NOR": 0.02}),
        ("rocket propellant", Category.RAW_MATERIAL, RiskLevel.HIGH, {}),
        ("nitrocellulose", Category.SEMI_FINISHED_GOOD, RiskLevel.HIGH, {}),
        ("cryostat", Category.SEMI_FINISHED_GOOD, RiskLevel.HIGH, {}),
    ]
    return {
        name: Material.state(
            name, MaterialTerms(category=category, risk=risk, origins=origins, note=""), by="seed", at=at
        )
        for name, category, risk, origins in seeded
    }


@dataclass
class FakeMaterials:
    found: dict[str, Material] = field(default_factory=_seeded_materials)

    def add(self, material: Material) -> None:
        self.found[material.name] = material

    async def get(self, name: str) -> Material | None:
        return self.found.get(name)

    async def named(self, names: set[str]) -> dict[str, Material]:
        return {n: m for n, m in self.found.items() if n in names}

    async def page(self, limit: int, offset: int) -> Found[Material]:
        return _found(sorted(self.found.values(), key=lambda m: m.name), limit, offset)


@dataclass
class FakeSpecifications:
    found: list[Specification] = field(default_factory=list)

    def add(self, specification: Specification) -> None:
        self.found.append(specification)

    async def get(self, specification_id: str) -> Specification | None:
        return next((s for s in self.found if s.id == specification_id), None)

    async def for_reading(self, specification_id: str) -> Specification | None:
        return await self.get(specification_id)

    async def versions(self, reference: str) -> Sequence[Specification]:
        return sorted((s for s in self.found if s.reference == reference), key=lambda s: s.version)

    async def page(self, proposed: Reach, harmonised: Reach, limit: int, offset: int) -> Found[Specification]:
        seen = (
            s
            for s in self.found
            if (harmonised if s.harmonised else proposed).everything
            or (harmonised if s.harmonised else proposed).nation in s.nations
        )
        return _found(sorted(seen, key=lambda s: (s.reference, s.version)), limit, offset)

    async def deviations(self, specification_id: str, limit: int, offset: int) -> Found[dict[str, Any]]:
        spec = await self.get(specification_id)
        return _entries(spec.deviations if spec else [], None, limit, offset)

    async def harmonised_materials(self, item_codes: set[str]) -> dict[str, set[str]]:
        found: dict[str, set[str]] = {}
        for s in self.found:
            if s.harmonised and s.item_code in item_codes:
                found.setdefault(s.item_code, set()).update(s.critical_materials)
        return found


@dataclass
class FakeProcurements:
    found: list[Procurement] = field(default_factory=list)

    def add(self, procurement: Procurement) -> None:
        self.found.append(procurement)

    async def get(self, procurement_id: str) -> Procurement | None:
        return next((p for p in self.found if p.id == procurement_id), None)

    async def for_reading(self, procurement_id: str) -> Procurement | None:
        return await self.get(procurement_id)

    async def has_offer(self, procurement_id: str, supplier_id: str) -> bool:
        return bool((await self.offers(procurement_id, supplier_id, 1, 0)).total)

    async def offers(
        self, procurement_id: str, supplier_id: str | None, limit: int, offset: int
    ) -> Found[dict[str, Any]]:
        procurement = await self.get(procurement_id)
        made = procurement.offers if procurement else []
        seen = (asdict(o) for o in made if supplier_id is None or o.supplier_id == supplier_id)
        return _found(sorted(seen, key=lambda o: (o["submitted_at"], o["id"])), limit, offset)

    async def bids(self, procurement_id: str, awarded_offer_id: str | None, first: int) -> tuple[Bids, list[Company]]:
        raise NotImplementedError("read with the companies' rows, which the procurements here do not hold")

    async def evaluation(
        self, procurement_id: str, only: Only | None, limit: int, offset: int
    ) -> Found[dict[str, Any]]:
        procurement = await self.get(procurement_id)
        return _entries(procurement.evaluation if procurement else [], only, limit, offset)

    async def page(self, reach: Reach, limit: int, offset: int) -> Found[Procurement]:
        seen = (
            p
            for p in self.found
            if _reached(
                reach,
                p.contracting_authority,
                p.nations,
                [p.awarded_supplier_id, *(o.supplier_id for o in p.offers)],
                p.coordinators,
            )
        )
        return _found(sorted(seen, key=lambda p: (p.created_at, p.id)), limit, offset)

    async def open_tenders(
        self, today: date, within: TenderFilter, limit: int, offset: int, *, invited: str | None = None
    ) -> Found[Procurement]:
        open_ = (
            p
            for p in self.found
            if p.takes_offers(today) and within.matches(p.item_code) and p.invited_supplier_id in (None, invited)
        )
        return _found(sorted(open_, key=lambda p: (p.offers_due, p.id)), limit, offset)


@dataclass
class FakeFrameworks(_AddedUpByTheDatabase):
    found: list[FrameworkContract] = field(default_factory=list)
    placed: list[CallOff] = field(default_factory=list)
    claimed: list[str] = field(default_factory=list)
    suppliers: list[Supplier] = field(default_factory=list)

    def add(self, framework: FrameworkContract) -> None:
        self.found.append(framework)

    def add_call_off(self, call_off: CallOff) -> None:
        self.placed.append(call_off)

    async def claim(self, framework_id: str, *, with_suppliers: bool = False) -> None:
        self.claimed.append(framework_id)

    async def get(self, framework_id: str) -> FrameworkContract | None:
        return next((f for f in self.found if f.id == framework_id), None)

    async def for_bundle(self, bundle_id: str) -> FrameworkContract | None:
        return next((f for f in self.found if f.bundle_id == bundle_id), None)

    async def call_off(self, call_off_id: str) -> CallOff | None:
        return next((c for c in self.placed if c.id == call_off_id), None)

    async def parties(self, framework_id: str) -> FrameworkParties | None:
        f = await self.get(framework_id)
        if f is None:
            return None
        return FrameworkParties(f.contracting_authority, list(f.participants), f.coordinators, list(f.suppliers))

    async def call_off_agreement(self, call_off_id: str) -> Agreement | None:
        """Of the call-offs, their frameworks and the suppliers (wired by the unit of work)."""
        call_off = await self.call_off(call_off_id)
        framework = await self.get(call_off.framework_id) if call_off else None
        if call_off is None or framework is None:
            return None
        return Agreement(
            call_off.id,
            framework.contracting_authority,
            {call_off.nation: call_off.quantity},
            call_off.supplier_id,
            _organisation(self.suppliers, call_off.supplier_id),
            tuple(framework.coordinators),
            item_code=call_off.item_code,
            unit_price_eur=call_off.unit_price_eur,
        )

    async def for_reading(self, framework_id: str) -> FrameworkContract | None:
        return await self.get(framework_id)

    async def ending_between(self, first: date, last: date) -> Sequence[FrameworkContract]:
        return sorted((f for f in self.found if first <= f.end <= last), key=lambda f: (f.end, f.id))

    async def page(self, reach: Reach, limit: int, offset: int) -> Found[FrameworkContract]:
        seen = (
            f
            for f in self.found
            if _reached(reach, f.contracting_authority, f.participants, f.suppliers, f.coordinators)
        )
        return _found(sorted(seen, key=lambda f: (f.created_at, f.id)), limit, offset)

    async def call_offs(
        self, framework_id: str, nation: str | None, supplier_id: str | None, limit: int, offset: int
    ) -> Found[dict[str, Any]]:
        seen = (
            asdict(c)
            for c in self.placed
            if c.framework_id == framework_id
            and (nation is None or c.nation == nation)
            and (supplier_id is None or c.supplier_id == supplier_id)
        )
        return _found(sorted(seen, key=lambda c: (c["placed_at"], c["id"])), limit, offset)

    async def change_log(self, framework_id: str, only: Only | None, limit: int, offset: int) -> Found[dict[str, Any]]:
        framework = await self.get(framework_id)
        return _entries(framework.change_log if framework else [], only, limit, offset)

    async def accession_requests(
        self, framework_id: str, only: Only | None, limit: int, offset: int
    ) -> Found[dict[str, Any]]:
        framework = await self.get(framework_id)
        return _entries(framework.accession_requests if framework else [], only, limit, offset)


@dataclass
class FakeLots:
    found: list[DeliveryLot] = field(default_factory=list)
    contracts: list[Contract] = field(default_factory=list)
    stock: dict[tuple[str, str], StockLevel] = field(default_factory=dict)

    def add(self, lot: DeliveryLot) -> None:
        self.found.append(lot)

    async def remove(self, lot: DeliveryLot) -> None:
        self.found.remove(lot)

    async def get(self, lot_id: str) -> DeliveryLot | None:
        return next((lot for lot in self.found if lot.id == lot_id), None)

    async def placed(self, lot_id: str) -> tuple[str, str] | None:
        lot = await self.get(lot_id)
        return (lot.contract_id, lot.nation) if lot else None

    async def for_contract(self, contract_id: str) -> Sequence[DeliveryLot]:
        return sorted(
            (lot for lot in self.found if lot.contract_id == contract_id), key=lambda x: (x.due_date, x.nation, x.id)
        )

    async def open_lots(self) -> Sequence[DeliveryLot]:
        open_ = (lot for lot in self.found if lot.outstanding > 0)
        return sorted(open_, key=lambda lot: (lot.contract_id, lot.due_date))

    async def take_unless_held(self, lot_id: str) -> bool:
        return any(lot.id == lot_id for lot in self.found)  # one transaction at a time

    async def claims(self, supplier_id: str, item_code: str) -> list[Claim]:
        """Of the contracts' lots (`contracts`, wired by the unit of work): call-offs are
        left to the database tests."""
        made = []
        for lot in await self.open_lots():
            contract = next((c for c in self.contracts if c.id == lot.contract_id), None)
            if contract is None or (contract.supplier_id, contract.item_code) != (supplier_id, item_code):
                continue
            coverage = self.stock.get((lot.nation, item_code))
            made.append(
                Claim(
                    lot.id,
                    lot.contract_id,
                    lot.nation,
                    lot.deliver_to,
                    lot.outstanding,
                    lot.due_date,
                    contract.created_at.date(),
                    coverage.coverage if coverage else None,
                )
            )
        return made

    async def page(self, contract_id: str, nations: set[str] | None, limit: int, offset: int) -> Found[ListedLot]:
        scheduled = await self.for_contract(contract_id)
        seen = (ListedLot.of(lot) for lot in scheduled if nations is None or lot.nation in nations)
        return _found(seen, limit, offset)

    async def first_due(self, agreement_id: str, limit: int) -> Found[dict[str, Any]]:
        scheduled = await self.for_contract(agreement_id)
        read = [{f.name: getattr(lot, f.name) for f in fields(lot) if f.name != "history"} for lot in scheduled]
        return _found(read, limit, 0)

    async def deliveries(self, lot_id: str, limit: int, offset: int) -> Found[dict[str, Any]]:
        lot = await self.get(lot_id)
        return _entries(lot.deliveries if lot else [], None, limit, offset)

    async def history(self, lot_id: str, limit: int, offset: int) -> Found[dict[str, Any]]:
        lot = await self.get(lot_id)
        return _entries(lot.history if lot else [], None, limit, offset)

    async def progress(self, sight: Sight, today: date, limit: int, offset: int) -> Found[DeliveryProgress]:
        raise NotImplementedError(_AddedUpByTheDatabase.__doc__)

    async def by_funder(
        self, sight: Sight, funder: str | None, today: date, limit: int, offset: int
    ) -> Found[FundedDeliveries]:
        raise NotImplementedError(_AddedUpByTheDatabase.__doc__)


@dataclass
class FakeReleases:
    found: list[PublishedRelease] = field(default_factory=list)
    vouched: dict[str, str] = field(default_factory=dict)

    def _of(self, ocid: str) -> list[PublishedRelease]:
        return sorted((r for r in self.found if r.ocid == ocid), key=lambda r: (r.date, r.id))

    async def page(self, ocid: str, limit: int, offset: int) -> tuple[Latest | None, Found[dict[str, Any]]]:
        published = self._of(ocid)
        last = published[-1] if published else None
        latest = Latest(last.id, last.date, last.digest, self.vouched.get(last.id, last.sources)) if last else None
        return latest, _found((r.release for r in published), limit, offset)

    async def vouch(self, release_id: str, sources: str) -> None:
        self.vouched[release_id] = sources

    async def add(self, published: PublishedRelease) -> None:
        if all(r.id != published.id for r in self.found):
            self.found.append(published)


@dataclass
class FakeStockLevels:
    found: dict[tuple[str, str], StockLevel] = field(default_factory=dict)

    async def state(self, level: StockLevel) -> StockLevel:
        self.found[level.nation, level.item_code] = level
        return level

    async def of_nation(self, nation: str, limit: int, offset: int) -> Found[StockLevel]:
        return _found(
            sorted((x for x in self.found.values() if x.nation == nation), key=lambda x: x.item_code), limit, offset
        )


@dataclass
class FakeExpiries:
    found: list[ExpiryNotice] = field(default_factory=list)

    async def told(self, agreement_ids: Sequence[str]) -> dict[str, set[int]]:
        told: dict[str, set[int]] = {}
        for notice in self.found:
            if notice.agreement_id in agreement_ids:
                told.setdefault(notice.agreement_id, set()).add(notice.horizon_years)
        return told

    async def add(self, notices: Sequence[ExpiryNotice]) -> None:
        self.found += notices


@dataclass
class FakeNationalPurchases:
    found: dict[str, NationalPurchase] = field(default_factory=dict)

    def add(self, purchase: NationalPurchase) -> None:
        self.found[purchase.id] = purchase

    async def get(self, purchase_id: str) -> NationalPurchase | None:
        return self.found.get(purchase_id)

    async def remove(self, purchase: NationalPurchase) -> None:
        del self.found[purchase.id]

    async def with_reference(self, nation: str, reference: str) -> NationalPurchase | None:
        return next((p for p in self.found.values() if (p.nation, p.reference) == (nation, reference)), None)

    async def page(self, nation: str | None, limit: int, offset: int) -> Found[NationalPurchase]:
        chosen = (p for p in self.found.values() if nation is None or p.nation == nation)
        newest = sorted(sorted(chosen, key=lambda p: p.id), key=lambda p: p.signed_on, reverse=True)
        return _found(newest, limit, offset)

    async def purchases(self, nation: str | None) -> list[Purchase]:
        return [p.as_purchase() for p in self.found.values() if nation is None or p.nation == nation]


@dataclass
class FakeUnitOfWork:
    clock: Clock = field(default_factory=lambda: FixedClock(datetime(2026, 3, 1, 9, 0, tzinfo=UTC)))
    contracts: FakeContracts = field(default_factory=FakeContracts)
    suppliers: FakeSuppliers = field(default_factory=FakeSuppliers)
    specifications: FakeSpecifications = field(default_factory=FakeSpecifications)
    procurements: FakeProcurements = field(default_factory=FakeProcurements)
    frameworks: FakeFrameworks = field(default_factory=FakeFrameworks)
    lots: FakeLots = field(default_factory=FakeLots)
    releases: FakeReleases = field(default_factory=FakeReleases)
    lines: FakeProductionLines = field(default_factory=FakeProductionLines)
    stock: FakeStockLevels = field(default_factory=FakeStockLevels)
    national_purchases: FakeNationalPurchases = field(default_factory=FakeNationalPurchases)
    expiries: FakeExpiries = field(default_factory=FakeExpiries)
    materials: FakeMaterials = field(default_factory=FakeMaterials)
    emitted: list[tuple[Topic, EventEnvelope[Any]]] = field(default_factory=list)
    """What the handlers committed for the broker, oldest first."""
    processed: set[tuple[str, UUID]] = field(default_factory=set)
    commits: int = 0
    _staged: list[tuple[Topic, EventEnvelope[Any]]] = field(default_factory=list)
    _marked: set[tuple[str, UUID]] = field(default_factory=set)

    def __post_init__(self) -> None:
        """The lots read the contracts and stated stock levels, the contracts and frameworks
        their suppliers, as a join would."""
        self.lots.contracts, self.lots.stock = self.contracts.found, self.stock.found
        self.contracts.suppliers = self.frameworks.suppliers = self.suppliers.found

    def __call__(self) -> Self:
        """The unit of work as a factory of itself, as the routes and subscribers take it."""
        return self

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        self._staged, self._marked = [], set()

    async def commit(self) -> None:
        self.emitted += self._staged
        self.processed |= self._marked
        self._staged, self._marked = [], set()
        self.commits += 1

    async def emit(self, topic: Topic, event: EventEnvelope[Any]) -> None:
        self._staged.append((topic, event))

    async def already_processed(self, consumer: str, event_id: UUID) -> bool:
        return (consumer, event_id) in self.processed

    async def mark_processed(self, consumer: str, event_id: UUID) -> None:
        self._marked.add((consumer, event_id))

    def events(self, event_type: str) -> list[EventEnvelope[Any]]:
        return [event for _, event in self.emitted if event.event_type == event_type]
