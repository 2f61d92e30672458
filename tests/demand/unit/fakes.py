"""A unit of work in memory: the handlers run against it as against the database, without
one, in milliseconds. It keeps what the handlers store and the events they stage, and,
like a transaction, forgets the staged events of a unit of work left without a commit."""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection, Sequence
from contextlib import asynccontextmanager
from copy import deepcopy
from datetime import date, datetime
from typing import Any, Self, TypeVar
from uuid import UUID

from bundling_shared.clock import Clock, FixedClock
from bundling_shared.events.envelope import EventEnvelope
from bundling_shared.topics import Topic
from demand.domain.access import SeenBy, leader
from demand.domain.bundle import Bundle, BundleKind, BundleLine, BundleState, BundleStatus, Decision, ListedLine
from demand.domain.capacity import DeclaredLine
from demand.domain.fund import Fund
from demand.domain.need import AlikeNeeds, Need, NeedFacts, NeedStatus, NeedVersion
from demand.domain.pledge import Pledge, PledgeTotals
from demand.domain.reference import SEED_ITEMS, CatalogueItem
from demand.service_layer.unit_of_work import (
    AnsweredMeanwhile,
    BundleFilter,
    ListedBundle,
    NeedFilter,
    OpenBundle,
    PledgeFilter,
    StoredAnswer,
)
from tests.demand.unit.examples import NOW

T = TypeVar("T")


def _window(found: Sequence[T], limit: int | None, offset: int) -> Sequence[T]:
    """A page of what the database would answer in the same order."""
    return found[offset:] if limit is None else found[offset : offset + limit]


class FakeBundles:
    def __init__(self) -> None:
        self.stored: dict[str, Bundle] = {}
        self.stored_lines: dict[tuple[str, str], BundleLine] = {}
        self.decisions: list[Decision] = []
        self.claimed: list[str] = []

    def add(self, bundle: Bundle) -> None:
        self.stored[bundle.id] = bundle

    async def claim(self, bundle_id: str) -> None:
        self.claimed.append(bundle_id)

    async def get(self, bundle_id: str) -> Bundle | None:
        return self.stored.get(bundle_id)

    def open_for(
        self, need: NeedFacts, *, kind: BundleKind, variant: str, specification_ref: str | None, now: datetime
    ) -> BundleState:
        bundle = Bundle.open_for(need, kind=kind, variant=variant, specification_ref=specification_ref, now=now)
        self.add(bundle)
        return bundle

    async def placed_in(self, bundle_id: str) -> BundleState | None:
        return self.stored.get(bundle_id)

    async def following(self, agreement_id: str) -> Bundle | None:
        return next((b for b in self.stored.values() if b.follows_on_id == agreement_id), None)

    def _of_item(self, item_code: str) -> list[Bundle]:
        return sorted((b for b in self.stored.values() if b.item_code == item_code), key=lambda b: (b.created_at, b.id))

    async def candidates(self, item_code: str) -> Sequence[BundleState]:
        return [b for b in self._of_item(item_code) if b.joinable]

    async def hold_openings(self, item_code: str) -> None:
        """One process, one transaction at a time: nobody else opens a bundle meanwhile."""

    async def opened_meanwhile(self, item_code: str) -> bool:
        return False

    async def nearing_deadline(self, today: date, until: date) -> Sequence[Bundle]:
        return [
            b
            for b in self.stored.values()
            if b.status is BundleStatus.OPEN
            and b.deadline is not None
            and today <= b.deadline <= until
            and b.deadline_reminded != b.deadline
        ]

    async def open_for_item(self, item_code: str) -> Sequence[Bundle]:
        return [b for b in self._of_item(item_code) if b.closed_reason is None and (b.joinable or b.accession_open)]

    async def open_of_item(self, item_code: str, limit: int) -> tuple[Sequence[OpenBundle], int]:
        found = await self.open_for_item(item_code)
        return [OpenBundle.of(b) for b in found[:limit]], len(found)

    def seen(self, bundle: Bundle, seen_by: SeenBy | None) -> bool:
        if seen_by is None:
            return True
        nation = seen_by.nation is not None and bundle.share(seen_by.nation) is not None
        return nation or (seen_by.lead is not None and leader(bundle) == seen_by.lead)

    def _listed(self, f: BundleFilter) -> list[Bundle]:
        return [
            b
            for b in sorted(self.stored.values(), key=lambda b: (b.created_at, b.id))
            if self.seen(b, f.seen_by)
            and f.status in (None, b.status)
            and f.item_code in (None, b.item_code)
            and f.kind in (None, b.kind)
        ]

    async def list(self, f: BundleFilter, limit: int, offset: int) -> Sequence[Bundle]:
        return self._listed(f)[offset : offset + limit]

    async def listed(self, f: BundleFilter, limit: int, offset: int) -> Sequence[ListedBundle]:
        return [ListedBundle(b.id, b.revision, b.contracting_problem) for b in await self.list(f, limit, offset)]

    async def get_many(self, bundle_ids: Collection[str]) -> dict[str, Bundle]:
        return {key: self.stored[key] for key in bundle_ids if key in self.stored}

    async def count(self, f: BundleFilter) -> int:
        return len(self._listed(f))

    async def due_for_publication(self, changed_before: datetime, pending_before: datetime) -> Sequence[Bundle]:
        return [
            b
            for b in self.stored.values()
            if b.pending_since is not None
            and ((b.changed_at is not None and b.changed_at <= changed_before) or b.pending_since <= pending_before)
        ]

    def add_line(self, line: BundleLine) -> None:
        self.stored_lines[line.bundle_id, line.need_id] = line

    async def line(self, bundle_id: str, need_id: str) -> BundleLine | None:
        return self.stored_lines.get((bundle_id, need_id))

    async def remove_line(self, line: BundleLine) -> None:
        del self.stored_lines[line.bundle_id, line.need_id]

    def _lines(self, bundle_id: str, nation: str | None) -> Sequence[BundleLine]:
        return [
            line
            for (bid, _), line in sorted(self.stored_lines.items())
            if bid == bundle_id and nation in (None, line.nation)
        ]

    async def lines(self, bundle_id: str, nation: str | None = None) -> Sequence[BundleLine]:
        return self._lines(bundle_id, nation)

    async def lines_page(
        self, bundle_id: str, nation: str | None, limit: int, offset: int
    ) -> tuple[Sequence[ListedLine], int]:
        every = self._lines(bundle_id, nation)
        found = _window(every, limit, offset)
        return [ListedLine(x.need_id, x.nation, x.quantity, x.reason) for x in found], len(every)

    def record(self, decision: Decision) -> None:
        self.decisions.append(decision)

    def _trail(self, bundle_id: str, nation: str | None) -> Sequence[Decision]:
        return [
            d for d in self.decisions if d.bundle_id == bundle_id and (nation is None or d.nation in (None, nation))
        ]

    async def trail(self, bundle_id: str, nation: str | None = None) -> Sequence[Decision]:
        return self._trail(bundle_id, nation)

    async def trail_page(
        self, bundle_id: str, nation: str | None, limit: int, offset: int
    ) -> tuple[Sequence[Decision], int]:
        every = self._trail(bundle_id, nation)
        return _window(every, limit, offset), len(every)

    async def latest_decision(self, bundle_id: str) -> Decision | None:
        every = self._trail(bundle_id, None)
        return every[-1] if every else None


class FakeNeeds:
    def __init__(self, bundles: FakeBundles) -> None:
        self.stored: dict[str, Need] = {}
        self.versions: list[NeedVersion] = []
        self._bundles = bundles

    def add(self, need: Need) -> None:
        self.stored[need.id] = need

    async def get(self, need_id: str) -> Need | None:
        return self.stored.get(need_id)

    async def get_many(self, need_ids: Collection[str]) -> dict[str, Need]:
        return {i: self.stored[i] for i in need_ids if i in self.stored}

    def _seen(self, need: Need, seen_by: SeenBy | None) -> bool:
        if seen_by is None or need.nation == seen_by.nation:
            return True
        bundle = self._bundles.stored.get(need.bundle_id or "")
        return bundle is not None and seen_by.lead is not None and leader(bundle) == seen_by.lead

    def _listed(self, f: NeedFilter) -> list[Need]:
        return [
            n
            for n in sorted(self.stored.values(), key=lambda n: (n.created_at, n.id))
            if self._seen(n, f.seen_by)
            and f.nation in (None, n.nation)
            and f.status in (None, n.status)
            and f.item_code in (None, n.item_code)
            and f.end_user in (None, n.end_user)
        ]

    async def page(self, f: NeedFilter, limit: int, offset: int) -> tuple[Sequence[Need], int]:
        listed = self._listed(f)
        return listed[offset : offset + limit], len(listed)

    async def demand_of_item(self, item_code: str) -> Sequence[AlikeNeeds]:
        """Each need a group of its own: what the database adds up group by group."""
        left_out = (NeedStatus.DRAFT, NeedStatus.WITHDRAWN, NeedStatus.UNPLACEABLE)
        return [
            AlikeNeeds(n.nation, n.end_user, n.window_start, n.window_end, n.recurring, list(n.yearly), 1, n.quantity)
            for n in self.stored.values()
            if n.item_code == item_code and n.status not in left_out
        ]

    def add_version(self, version: NeedVersion) -> None:
        self.versions.append(version)

    async def history(self, need_id: str, limit: int | None = None, offset: int = 0) -> Sequence[NeedVersion]:
        return _window([v for v in self.versions if v.need_id == need_id], limit, offset)

    async def history_page(self, need_id: str, limit: int, offset: int) -> tuple[Sequence[NeedVersion], int]:
        versions = [v for v in self.versions if v.need_id == need_id]
        return _window(versions, limit, offset), len(versions)


class FakeCatalogue:
    def __init__(self) -> None:
        self.stored = {item.code: deepcopy(item) for item in SEED_ITEMS}

    def add(self, item: CatalogueItem) -> None:
        self.stored[item.code] = item

    async def get(self, code: str) -> CatalogueItem | None:
        return self.stored.get(code)

    async def current(self, code: str) -> CatalogueItem | None:
        return self.stored.get(code)

    def _listed(self, category: str | None, include_retired: bool) -> list[CatalogueItem]:
        return [
            i
            for _, i in sorted(self.stored.items())
            if category in (None, i.category) and (include_retired or not i.retired)
        ]

    async def list(
        self, category: str | None, include_retired: bool, limit: int, offset: int
    ) -> Sequence[CatalogueItem]:
        return self._listed(category, include_retired)[offset : offset + limit]

    async def count(self, category: str | None, include_retired: bool) -> int:
        return len(self._listed(category, include_retired))


class FakeIdempotencyKeys:
    def __init__(self) -> None:
        self.answers: dict[tuple[str, str], StoredAnswer] = {}

    async def get(self, scope: str, key: str) -> StoredAnswer | None:
        return self.answers.get((scope, key))

    async def add(self, scope: str, key: str, answer: StoredAnswer, at: datetime) -> None:
        if (scope, key) in self.answers:
            raise AnsweredMeanwhile(f"the Idempotency-Key {key} was answered meanwhile")
        self.answers[scope, key] = answer


class FakePledges:
    def __init__(self, funds: FakeFunds, bundles: FakeBundles) -> None:
        self.stored: dict[str, Pledge] = {}
        self._funds, self._bundles = funds, bundles

    def add(self, pledge: Pledge) -> None:
        self.stored[pledge.id] = pledge

    async def get(self, key: str) -> Pledge | None:
        return self.stored.get(key)

    def _seen(self, p: Pledge, seen_by: SeenBy | None) -> bool:
        if seen_by is None:
            return True
        if p.nation == seen_by.nation:
            return True
        fund = self._funds.stored.get(p.fund_id or "")
        bundle = self._bundles.stored.get(p.bundle_id or "")
        led = fund.lead if fund else (leader(bundle) if bundle else None)
        return seen_by.lead is not None and led == seen_by.lead

    async def page(self, f: PledgeFilter, limit: int, offset: int) -> tuple[Sequence[Pledge], int]:
        found = [
            p
            for p in sorted(self.stored.values(), key=lambda p: (p.created_at, p.id))
            if self._seen(p, f.seen_by)
            and f.bundle_id in (None, p.bundle_id)
            and f.fund_id in (None, p.fund_id)
            and f.status in (None, p.status)
        ]
        return found[offset : offset + limit], len(found)

    async def totals(self, *, bundle_id: str | None = None, fund_id: str | None = None) -> PledgeTotals:
        return PledgeTotals.of(
            (p.nation, p.status, p.amount_eur)
            for p in self.stored.values()
            if (p.bundle_id == bundle_id if bundle_id is not None else p.fund_id == fund_id)
        )

    async def totals_of_funds(self, fund_ids: Sequence[str]) -> dict[str, PledgeTotals]:
        return {fund_id: await self.totals(fund_id=fund_id) for fund_id in fund_ids}

    async def of_nation(self, nation: str, *, bundle_id: str | None = None, fund_id: str | None = None) -> list[Pledge]:
        mine = [p for p in self.stored.values() if p.nation == nation]
        return [p for p in mine if (p.bundle_id == bundle_id if bundle_id is not None else p.fund_id == fund_id)]


class FakeFunds:
    def __init__(self) -> None:
        self.stored: dict[str, Fund] = {}

    def add(self, fund: Fund) -> None:
        self.stored[fund.id] = fund

    async def get(self, key: str) -> Fund | None:
        return self.stored.get(key)

    async def page(self, limit: int, offset: int) -> tuple[Sequence[Fund], int]:
        found = sorted(self.stored.values(), key=lambda f: (f.created_at, f.id))
        return found[offset : offset + limit], len(found)

    async def buying_for(self, bundle_id: str) -> Sequence[Fund]:
        return [f for f in self.stored.values() if any(p.bundle_id == bundle_id for p in f.purchases)]

    async def claim(self, fund_id: str) -> None:
        """One task at a time: nothing to wait for."""


class FakeProductionLines:
    def __init__(self) -> None:
        self.stored: dict[str, DeclaredLine] = {}

    def add(self, line: DeclaredLine) -> None:
        self.stored[line.line_id] = line

    async def get(self, key: str) -> DeclaredLine | None:
        return self.stored.get(key)

    async def of_item(self, item_code: str) -> Sequence[DeclaredLine]:
        return sorted((x for x in self.stored.values() if x.item_code == item_code), key=lambda x: x.line_id)

    async def locked(self) -> Sequence[DeclaredLine]:
        return sorted((x for x in self.stored.values() if x.unlocked_at is None), key=lambda x: x.line_id)


class FakeBatch:
    def __init__(self, needs: FakeNeeds) -> None:
        self._needs = needs

    async def read_needs(self, need_ids: Collection[str]) -> dict[str, NeedFacts]:
        return dict(await self._needs.get_many(need_ids))

    async def read_items(self, item_codes: Collection[str], *, held: bool = False) -> None:
        """Everything is in memory already, and one batch runs at a time."""


class FakeUnitOfWork:
    """Stores in memory; `published` holds what committed units of work staged, in order.
    A unit of work left by an error drops the needs, versions, pledges and idempotency
    answers it added, as a transaction rolled back."""

    def __init__(self) -> None:
        self.clock: Clock = FixedClock(NOW)
        self.bundles = FakeBundles()
        self.needs = FakeNeeds(self.bundles)
        self.catalogue = FakeCatalogue()
        self.idempotency = FakeIdempotencyKeys()
        self.funds = FakeFunds()
        self.lines = FakeProductionLines()
        self.pledges = FakePledges(self.funds, self.bundles)
        self.published: list[tuple[Topic, EventEnvelope[Any]]] = []
        self.processed: set[tuple[str, str]] = set()
        self.commits = 0
        self._staged: list[tuple[Topic, EventEnvelope[Any]]] = []

    async def __aenter__(self) -> Self:
        self._staged = []
        self._before = (
            dict(self.needs.stored),
            len(self.needs.versions),
            dict(self.pledges.stored),
            dict(self.idempotency.answers),
        )
        return self

    async def __aexit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        self._staged = []  # not committed: never published
        if exc is not None:
            needs, versions, pledges, answers = self._before
            self.needs.stored, self.pledges.stored, self.idempotency.answers = needs, pledges, answers
            del self.needs.versions[versions:]

    async def commit(self) -> None:
        self.commits += 1
        self.published.extend(self._staged)
        self._staged = []

    async def flush(self) -> None:
        """Nothing waits to be written."""

    async def emit(self, topic: Topic, event: EventEnvelope[Any]) -> None:
        self._staged.append((topic, event))

    async def already_processed(self, consumer: str, event_id: UUID) -> bool:
        return (consumer, str(event_id)) in self.processed

    async def mark_processed(self, consumer: str, event_id: UUID) -> None:
        self.processed.add((consumer, str(event_id)))

    async def record_processed(self, consumer: str, event_ids: Sequence[str]) -> set[str]:
        new = {i for i in event_ids if (consumer, i) not in self.processed}
        self.processed.update((consumer, i) for i in new)
        return new

    @asynccontextmanager
    async def batch(self) -> AsyncIterator[FakeBatch]:
        yield FakeBatch(self.needs)

    def events(self, event_type: str) -> list[EventEnvelope[Any]]:
        """The published events of one type, oldest first."""
        return [event for _, event in self.published if event.event_type == event_type]
