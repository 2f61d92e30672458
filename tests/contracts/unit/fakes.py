"""A unit of work in memory, for testing handlers without a database or a broker.

It keeps what the handlers add in lists, stages events and processed messages until the
handler commits (as the outbox and the inbox do), and reads time from a fixed clock.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Self
from uuid import UUID

from bundling_shared.clock import Clock, FixedClock
from bundling_shared.events.envelope import EventEnvelope
from bundling_shared.topics import Topic
from contracts.domain.contract import CommitmentRefusal, Contract, ContractMode
from contracts.domain.deliveries import DeliveryLot
from contracts.domain.frameworks import CallOff, FrameworkContract
from contracts.domain.ocds import PublishedRelease
from contracts.domain.procurement import Procurement
from contracts.domain.specifications import Specification
from contracts.domain.suppliers import Supplier


@dataclass
class FakeContracts:
    found: list[Contract] = field(default_factory=list)
    modes: dict[str, ContractMode] = field(default_factory=dict)
    leads: dict[str, str] = field(default_factory=dict)
    refusals: dict[str, CommitmentRefusal] = field(default_factory=dict)

    def add(self, contract: Contract) -> None:
        self.found.append(contract)

    async def get(self, contract_id: str) -> Contract | None:
        return next((c for c in self.found if c.id == contract_id), None)

    async def for_bundle(self, bundle_id: str) -> Contract | None:
        found = await self.all_for_bundle(bundle_id)
        return found[0] if found else None

    async def all_for_bundle(self, bundle_id: str) -> Sequence[Contract]:
        return sorted((c for c in self.found if c.bundle_id == bundle_id), key=lambda c: c.part)

    async def list(self) -> Sequence[Contract]:
        return list(self.found)

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

    async def by_organisation(self, organisation: str) -> Supplier | None:
        return next((s for s in self.found if s.organisation == organisation), None)

    async def list(self) -> Sequence[Supplier]:
        return sorted(self.found, key=lambda s: s.organisation)

    async def by_ids(self, ids: set[str]) -> dict[str, Supplier]:
        return {s.id: s for s in self.found if s.id in ids}


@dataclass
class FakeSpecifications:
    found: list[Specification] = field(default_factory=list)

    def add(self, specification: Specification) -> None:
        self.found.append(specification)

    async def get(self, specification_id: str) -> Specification | None:
        return next((s for s in self.found if s.id == specification_id), None)

    async def versions(self, reference: str) -> Sequence[Specification]:
        return sorted((s for s in self.found if s.reference == reference), key=lambda s: s.version)

    async def list(self) -> Sequence[Specification]:
        return sorted(self.found, key=lambda s: (s.reference, s.version))


@dataclass
class FakeProcurements:
    found: list[Procurement] = field(default_factory=list)

    def add(self, procurement: Procurement) -> None:
        self.found.append(procurement)

    async def get(self, procurement_id: str) -> Procurement | None:
        return next((p for p in self.found if p.id == procurement_id), None)

    async def list(self) -> Sequence[Procurement]:
        return list(self.found)


@dataclass
class FakeFrameworks:
    found: list[FrameworkContract] = field(default_factory=list)

    def add(self, framework: FrameworkContract) -> None:
        self.found.append(framework)

    async def get(self, framework_id: str) -> FrameworkContract | None:
        return next((f for f in self.found if f.id == framework_id), None)

    async def for_bundle(self, bundle_id: str) -> FrameworkContract | None:
        return next((f for f in self.found if f.bundle_id == bundle_id), None)

    async def list(self) -> Sequence[FrameworkContract]:
        return list(self.found)

    async def call_off(self, call_off_id: str) -> CallOff | None:
        return next((c for c in await self.all_call_offs() if c.id == call_off_id), None)

    async def all_call_offs(self) -> Sequence[CallOff]:
        return sorted((c for f in self.found for c in f.call_offs), key=lambda c: c.placed_at)


@dataclass
class FakeLots:
    found: list[DeliveryLot] = field(default_factory=list)

    def add(self, lot: DeliveryLot) -> None:
        self.found.append(lot)

    async def remove(self, lot: DeliveryLot) -> None:
        self.found.remove(lot)

    async def get(self, lot_id: str) -> DeliveryLot | None:
        return next((lot for lot in self.found if lot.id == lot_id), None)

    async def for_contract(self, contract_id: str) -> Sequence[DeliveryLot]:
        return sorted(
            (lot for lot in self.found if lot.contract_id == contract_id), key=lambda x: (x.due_date, x.nation, x.id)
        )

    async def open_lots(self) -> Sequence[DeliveryLot]:
        return [lot for lot in await self.list() if lot.outstanding > 0]

    async def list(self) -> Sequence[DeliveryLot]:
        return sorted(self.found, key=lambda lot: (lot.contract_id, lot.due_date))


@dataclass
class FakeReleases:
    found: list[PublishedRelease] = field(default_factory=list)

    async def for_ocids(self, ocids: set[str]) -> list[PublishedRelease]:
        return [r for r in self.found if r.ocid in ocids]

    async def add(self, published: PublishedRelease) -> None:
        if all(r.id != published.id for r in self.found):
            self.found.append(published)


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
    emitted: list[tuple[Topic, EventEnvelope[Any]]] = field(default_factory=list)
    """What the handlers committed for the broker, oldest first."""
    processed: set[tuple[str, UUID]] = field(default_factory=set)
    commits: int = 0
    _staged: list[tuple[Topic, EventEnvelope[Any]]] = field(default_factory=list)
    _marked: set[tuple[str, UUID]] = field(default_factory=set)

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
