"""What handlers need from a unit of work; the SQLAlchemy one lives in adapters."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from bundling_shared.clock import Clock
from bundling_shared.errors import Conflict
from bundling_shared.unit_of_work import MessagingUnitOfWork
from demand.domain.access import SeenBy
from demand.domain.bundle import Bundle, BundleKind, BundleLine, BundleState, BundleStatus, Decision, ListedLine
from demand.domain.capacity import DeclaredLine
from demand.domain.fund import Fund
from demand.domain.need import AlikeNeeds, EndUser, ListedNeed, Need, NeedFacts, NeedStatus, NeedVersion
from demand.domain.pledge import Pledge, PledgeStatus, PledgeTotals
from demand.domain.reference import CatalogueItem


@dataclass(frozen=True)
class NeedFilter:
    nation: str | None = None
    status: NeedStatus | None = None
    item_code: str | None = None
    end_user: EndUser | None = None
    seen_by: SeenBy | None = None  # None: every need


@dataclass(frozen=True)
class BundleFilter:
    status: BundleStatus | None = None
    item_code: str | None = None
    kind: BundleKind | None = None
    seen_by: SeenBy | None = None  # None: every bundle


@dataclass(frozen=True)
class PledgeFilter:
    bundle_id: str | None = None
    fund_id: str | None = None
    status: PledgeStatus | None = None
    seen_by: SeenBy | None = None  # None: every pledge


@dataclass(frozen=True)
class OpenBundle:
    """A bundle still gathering demand, or a framework still open for accession, as the
    demand sheet lists it: its totals, not its shares."""

    id: str
    kind: BundleKind
    status: BundleStatus
    total_quantity: int
    nation_count: int
    accession_open: bool
    accession_deadline: date | None

    @classmethod
    def of(cls, bundle: Bundle) -> OpenBundle:
        return cls(
            bundle.id,
            bundle.kind,
            bundle.status,
            bundle.total_quantity,
            len(bundle.nations),
            bundle.accession_open,
            bundle.deadline,
        )


@dataclass(frozen=True)
class ListedBundle:
    """A bundle on a page of a list, by what tells whether it is as it was read before: its
    revision, which every change raises (`BundleState._changed`), and its contracting
    problem, which changes without one (`Bundle.not_contracted`)."""

    id: str
    revision: int
    contracting_problem: str | None


@dataclass(frozen=True)
class StoredAnswer:
    """The answer given to a request carrying an Idempotency-Key, replayed on a retry."""

    fingerprint: str
    status_code: int
    body: str


class Needs(Protocol):
    def add(self, need: Need) -> None: ...
    async def get(self, need_id: str) -> Need | None: ...
    async def get_many(self, need_ids: Collection[str]) -> dict[str, Need]: ...
    async def page(self, f: NeedFilter, limit: int, offset: int) -> tuple[Sequence[ListedNeed], int]:
        """A page of the needs `f` finds, oldest first, and how many it finds in all: as
        plain rows (`ListedNeed`, which a mapped `Need` is too), to be shown, not changed."""
        ...

    async def demand_of_item(self, item_code: str) -> Sequence[AlikeNeeds]:
        """The item's needs that are demand the engine holds (submitted, bundled,
        committed, contracted), in groups of needs alike."""
        ...

    def add_version(self, version: NeedVersion) -> None: ...
    async def history(self, need_id: str, limit: int | None = None, offset: int = 0) -> Sequence[NeedVersion]:
        """Oldest first."""
        ...

    async def history_page(self, need_id: str, limit: int, offset: int) -> tuple[Sequence[NeedVersion], int]:
        """A page of the history, oldest first, and how many versions there are."""
        ...


class Catalogue(Protocol):
    def add(self, item: CatalogueItem) -> None: ...
    async def get(self, code: str) -> CatalogueItem | None: ...
    async def current(self, code: str) -> CatalogueItem | None:
        """The item to check a new need against, as read at most a moment ago (a change
        committed elsewhere is seen within a second): to read, not to change."""
        ...

    async def list(
        self, category: str | None, include_retired: bool, limit: int, offset: int
    ) -> Sequence[CatalogueItem]: ...
    async def count(self, category: str | None, include_retired: bool) -> int: ...


class Bundles(Protocol):
    def add(self, bundle: Bundle) -> None: ...
    async def get(self, bundle_id: str) -> Bundle | None: ...
    async def claim(self, bundle_id: str) -> None:
        """The bundle is this transaction's to change until it ends: acts on it after this
        one wait, and read what this one wrote."""
        ...

    def open_for(
        self, need: NeedFacts, *, kind: BundleKind, variant: str, specification_ref: str | None, now: datetime
    ) -> BundleState:
        """A new bundle opened by `need`, added: within a `batch` a plain one."""
        ...

    async def placed_in(self, bundle_id: str) -> BundleState | None:
        """The bundle a need is in, to place it again: within a `batch` a plain one."""
        ...

    async def following(self, agreement_id: str) -> Bundle | None:
        """The follow-on round of this contract or framework, if one was opened."""
        ...

    async def candidates(self, item_code: str) -> Sequence[BundleState]: ...
    async def hold_openings(self, item_code: str) -> None:
        """Before a bundle of the item is opened: from here to the commit no other
        transaction opens one (aggregators on other partitions, a coordinator's commit)."""
        ...

    async def opened_meanwhile(self, item_code: str) -> bool:
        """Asked under the item's lock (`hold_openings`): whether others may have opened
        bundles of the item since its candidates were read, so that a need is to be placed
        again. Within a batch, its candidates are read again to tell; outside one, where
        they are read from the database each time, yes the first time it is asked."""
        ...

    async def open_for_item(self, item_code: str) -> Sequence[Bundle]: ...
    async def nearing_deadline(self, today: date, until: date) -> Sequence[Bundle]:
        """Open bundles whose accession deadline falls between the two days and whose waiting
        nations were not reminded of it yet; held to the end of the transaction, less those
        another transaction holds (they are for the next look)."""
        ...

    async def open_of_item(self, item_code: str, limit: int) -> tuple[Sequence[OpenBundle], int]:
        """The oldest `limit` of `open_for_item`, as totals, and how many there are."""
        ...

    async def list(self, f: BundleFilter, limit: int, offset: int) -> Sequence[Bundle]: ...
    async def listed(self, f: BundleFilter, limit: int, offset: int) -> Sequence[ListedBundle]:
        """The page `list` gives, without reading the bundles themselves."""
        ...

    async def get_many(self, bundle_ids: Collection[str]) -> dict[str, Bundle]: ...
    async def count(self, f: BundleFilter) -> int: ...
    async def due_for_publication(self, changed_before: datetime, pending_before: datetime) -> Sequence[Bundle]:
        """Bundles changed before `changed_before` or waiting since before `pending_before`,
        the longest waiting first, at most 100; held to the end of the transaction, less
        those another transaction holds. Waiting for those, a publication holding others
        could wait for a batch of needs that waits for it: the database would end one."""
        ...

    def add_line(self, line: BundleLine) -> None: ...
    async def line(self, bundle_id: str, need_id: str) -> BundleLine | None: ...
    async def remove_line(self, line: BundleLine) -> None: ...
    async def lines(self, bundle_id: str, nation: str | None = None) -> Sequence[BundleLine]:
        """A bundle's lines, or `nation`'s, in the order their needs were registered."""
        ...

    async def lines_page(
        self, bundle_id: str, nation: str | None, limit: int, offset: int
    ) -> tuple[Sequence[ListedLine], int]:
        """A page of `lines`, as a list shows them, and how many there are: both as of one
        moment, however many lines are added meanwhile."""
        ...

    def record(self, decision: Decision) -> None: ...
    async def trail(self, bundle_id: str, nation: str | None = None) -> Sequence[Decision]:
        """A bundle's decisions in the order they were made; with `nation`, the bundle-wide
        ones and that nation's."""
        ...

    async def trail_page(
        self, bundle_id: str, nation: str | None, limit: int, offset: int
    ) -> tuple[Sequence[Decision], int]:
        """A page of `trail` and how many entries there are, both as of one moment."""
        ...

    async def latest_decision(self, bundle_id: str) -> Decision | None: ...


class AnsweredMeanwhile(Conflict):
    """A request with the same key stored its answer first (an earlier one, or one racing
    in at the same moment), and that answer stands."""


class IdempotencyKeys(Protocol):
    async def get(self, scope: str, key: str) -> StoredAnswer | None: ...
    async def add(self, scope: str, key: str, answer: StoredAnswer, at: datetime) -> None:
        """Kept with the transaction. A key taken meanwhile is refused then, or at the
        latest by the commit (with `AnsweredMeanwhile` or the database's own refusal)."""
        ...


class Batch(Protocol):
    """What a batch of need events reads up front, each kind in one query (`UnitOfWork.batch`)."""

    async def read_needs(self, need_ids: Collection[str]) -> dict[str, NeedFacts]:
        """The needs as plain facts: their status, its reason and their bundle are written
        back at the batch's end."""
        ...

    async def read_items(self, item_codes: Collection[str], *, held: bool = False) -> None:
        """The catalogue entries of these items and the bundles their needs may join.
        `held`: those bundles are first held for this transaction, where the database can
        hold them, so that they are read as other aggregators committed them and no other
        changes them before this one has committed."""
        ...


class Pledges(Protocol):
    def add(self, pledge: Pledge) -> None: ...
    async def get(self, key: str) -> Pledge | None: ...
    async def page(self, f: PledgeFilter, limit: int, offset: int) -> tuple[Sequence[Pledge], int]: ...
    async def totals(self, *, bundle_id: str | None = None, fund_id: str | None = None) -> PledgeTotals:
        """The recipient's (one bundle's or one fund's) money side, summed over its pledges."""
        ...

    async def totals_of_funds(self, fund_ids: Sequence[str]) -> dict[str, PledgeTotals]:
        """Each fund's money side, for a page of funds in one query."""
        ...

    async def of_nation(self, nation: str, *, bundle_id: str | None = None, fund_id: str | None = None) -> list[Pledge]:
        """One nation's pledges to one recipient, the oldest first."""
        ...


class Funds(Protocol):
    def add(self, fund: Fund) -> None: ...
    async def get(self, key: str) -> Fund | None: ...
    async def page(self, limit: int, offset: int) -> tuple[Sequence[Fund], int]: ...
    async def buying_for(self, bundle_id: str) -> Sequence[Fund]:
        """The funds that paid toward the bundle."""
        ...

    async def claim(self, fund_id: str) -> None:
        """This transaction's to change until it ends: acts on one fund take turns."""
        ...


class ProductionLines(Protocol):
    def add(self, line: DeclaredLine) -> None: ...
    async def get(self, key: str) -> DeclaredLine | None: ...
    async def of_item(self, item_code: str) -> Sequence[DeclaredLine]:
        """Its lines, in the order of their ids."""
        ...

    async def locked(self) -> Sequence[DeclaredLine]:
        """The lines whose minimum the demand for their item has yet to reach."""
        ...


class UnitOfWork(MessagingUnitOfWork, Protocol):
    clock: Clock  # the service's one clock: every handler's "now" and "today"

    @property
    def needs(self) -> Needs: ...
    @property
    def catalogue(self) -> Catalogue: ...
    @property
    def bundles(self) -> Bundles: ...
    @property
    def idempotency(self) -> IdempotencyKeys: ...
    @property
    def pledges(self) -> Pledges: ...
    @property
    def funds(self) -> Funds: ...
    @property
    def lines(self) -> ProductionLines: ...

    async def flush(self) -> None: ...
    def batch(self) -> AbstractAsyncContextManager[Batch]:
        """A batch of need events placed in one transaction: what it reads up front it reads
        once, and the repositories answer from it; what it changes reaches the database on an
        explicit flush, at its end or at the commit, not before every query."""
        ...

    async def record_processed(self, consumer: str, event_ids: Sequence[str]) -> set[str]:
        """Records these event ids (as text) as processed, in this transaction; returns
        those not recorded before: the events to apply."""
        ...


UowFactory = Callable[[], UnitOfWork]
