"""Bundles: compatible needs of several nations gathered for one joint order or framework.

A bundle keeps running totals per nation (its shares) instead of re-reading its lines,
so a need joining or leaving costs the same whether the bundle holds ten lines or a
million. Lines are kept apart, each with the reason it joined, for traceability.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Self

from bundling_shared.parties import AGENCIES
from demand.domain.errors import BundleNotOpen, EmptyBundle, InvalidReference, NotAllowedNow
from demand.domain.follow_on import FollowOn
from demand.domain.funding import Assessment, BundleFacts, evaluate
from demand.domain.need import NeedFacts, NeedStatus, YearQuantity, add_yearly, new_id, schedule_of
from demand.domain.reference import NATIONS

CENT = Decimal("0.01")
MAX_UNIT_PRICE_EUR = Decimal(10**10)  # ten billion euros for one unit: beyond any ship or aircraft


class PriceBasis(StrEnum):
    ESTIMATED = "estimated"
    AWARDED = "awarded"


def checked_unit_price(price_eur: Decimal) -> Decimal:
    """A unit price is more than zero, whole cents, and of a size anything costs."""
    if not 0 < price_eur <= MAX_UNIT_PRICE_EUR or price_eur != price_eur.quantize(CENT):
        raise InvalidReference(
            f"a unit price is more than 0 and at most {MAX_UNIT_PRICE_EUR:,} EUR, in cents; got {price_eur}",
            field="unit_price.amount",
        )
    return price_eur


class BundleKind(StrEnum):
    JOINT_ORDER = "joint_order"
    FRAMEWORK_CONTRACT = "framework_contract"


class BundleStatus(StrEnum):
    PROPOSED = "proposed"
    OPEN = "open"
    COMMITTED = "committed"
    CANCELLED = "cancelled"


class Participation(StrEnum):
    PROPOSED = "proposed"  # bundled, not yet asked
    PENDING = "pending"  # asked to confirm before the deadline
    CONFIRMED = "confirmed"
    DECLINED = "declined"
    ACCEDED = "acceded"  # joined a committed framework later
    # Asked to join a committed framework; it joins once its lead approves (or had opened
    # the framework), which the contracts service tells.
    ACCESSION_REQUESTED = "accession_requested"
    ACCESSION_REFUSED = "accession_refused"
    # Asked to a follow-on round as a nation of the agreement that expires, with no need in
    # it yet: it sees the round, and is in it once it registers a follow-on need.
    INVITED = "invited"


TAKING_PART = (Participation.CONFIRMED, Participation.ACCEDED)
# Shares of nations that asked to accede and are not (yet) in: no part of the ceiling.
ASKED_TO_ACCEDE = (Participation.ACCESSION_REQUESTED, Participation.ACCESSION_REFUSED)


class DecisionKind(StrEnum):
    OPENED = "opened"
    JOINED = "joined"
    SPLIT = "split"
    LEFT = "left"
    REJECTED = "rejected"
    OPENED_FOR_ACCESSION = "opened_for_accession"
    CONFIRMED = "confirmed"
    DECLINED = "declined"
    LEAD_NOMINATED = "lead_nominated"
    DEADLINE_SET = "deadline_set"
    COMMITTED = "committed"
    ACCEDED = "acceded"
    ACCESSION_REQUESTED = "accession_requested"
    ACCESSION_REFUSED = "accession_refused"
    NOT_CONTRACTED = "not_contracted"
    SME_SHARE_PLANNED = "sme_share_planned"
    SME_SHARE_SIGNED = "sme_share_signed"
    UNIT_PRICE_ESTIMATED = "unit_price_estimated"
    UNIT_PRICE_AWARDED = "unit_price_awarded"
    CLOSED = "closed"
    CANCELLED = "cancelled"
    EXPIRY_TOLD = "expiry_told"


@dataclass
class Decision:
    """A step in a bundle's trail; `nation` is set when it concerns one nation only."""

    bundle_id: str
    kind: DecisionKind
    reason: str
    at: datetime
    need_id: str | None = None
    nation: str | None = None


@dataclass
class BundleLine:
    bundle_id: str
    need_id: str
    nation: str
    quantity: int
    yearly: list[YearQuantity]  # as the need declared them (recurring demand: spread), empty for one-off
    ukraine_quantity: int
    value_eur: Decimal
    window_start: date
    window_end: date
    reason: str
    joined_at: datetime

    @property
    def schedule(self) -> list[YearQuantity]:
        """What the line adds to its nation's yearly totals, as its need's schedule."""
        return schedule_of(self.yearly, self.quantity, self.window_start)


@dataclass(frozen=True)
class ListedLine:
    """A line as a list of a bundle's lines shows it: which need, whose, how much, and why
    it joined."""

    need_id: str
    nation: str
    quantity: int
    reason: str


@dataclass
class Share:
    """One nation's part of a bundle: running totals of its lines and its participation."""

    nation: str
    quantity: int = 0
    ukraine_quantity: int = 0
    value_eur: Decimal = Decimal(0)
    yearly: list[YearQuantity] = field(default_factory=list)
    need_count: int = 0
    participation: Participation = Participation.PROPOSED
    confirmed_quantity: int | None = None
    funding_instrument: str | None = None


@dataclass
class Release:
    """Needs taken out of a bundle by a decision on it (`Bundle.release`): the lines that
    left it (their rows go), the needs still wanted (placed again among the item's other
    bundles, or in a new one) and a trail entry for each line, saying why."""

    left: list[BundleLine] = field(default_factory=list)
    wanted: list[NeedFacts] = field(default_factory=list)
    decisions: list[Decision] = field(default_factory=list)


@dataclass(frozen=True)
class OrderLine:
    """One nation's part of a committed order: what it ordered and the needs behind it."""

    nation: str
    quantity: int
    yearly: list[YearQuantity]
    value_eur: Decimal
    need_ids: list[str]
    ukraine_quantity: int = 0  # of the quantity, what is delivered to Ukraine


@dataclass(frozen=True)
class CommittedOrder:
    """What `Bundle.commit` ordered: its lines (one per nation, in nation order) under its
    lead, for the window its lines' needs span, and what the commit released: the needs of
    the nations that did not take part, to be placed again, and the trail entries."""

    kind: BundleKind
    lead: str
    committed_by: str
    lines: list[OrderLine]
    window_start: date
    window_end: date
    release: Release

    @property
    def total_quantity(self) -> int:
        return sum(line.quantity for line in self.lines)

    @property
    def value_eur(self) -> Decimal:
        return sum((line.value_eur for line in self.lines), Decimal(0))


def valid_lead(lead: str) -> str:
    if lead in AGENCIES or (lead in NATIONS and NATIONS[lead].may_register_needs):
        return lead
    raise InvalidReference(f"lead {lead!r} is neither a known nation nor an agency ({', '.join(AGENCIES)})")


@dataclass
class BundleState:
    """A bundle's fields and rules as a plain object.

    `Bundle` is the same, mapped to the database. Placing a batch of needs works on
    plain `BundleState`s, which the mapping neither instruments nor tracks: every need
    placed changes a bundle's totals, and tracking each change would cost more than the
    rule itself. Both obey the same rules, written once here."""

    id: str
    item_code: str
    kind: BundleKind = BundleKind.JOINT_ORDER
    variant: str = "harmonised"
    specification_ref: str | None = None
    status: BundleStatus = BundleStatus.PROPOSED
    window_start: date = date.min
    window_end: date = date.max
    lead: str | None = None
    nominated_lead: str | None = None
    committed_by: str | None = None
    revision: int = 0
    total_quantity: int = 0
    line_count: int = 0
    deadline: date | None = None
    minimum_nations: int = 1
    sme_share: float | None = None
    # What one unit costs: estimated by a coordinator until a contract is signed, then the
    # awarded price. With it, the bundle's value is its quantities at that price.
    unit_price_eur: Decimal | None = None
    unit_price_basis: PriceBasis | None = None
    closed_reason: str | None = None
    cancel_reason: str | None = None
    deadline_reminded: date | None = None  # the accession deadline the waiting nations were reminded of
    # Why the contracts service could not contract the committed bundle, until it does.
    contracting_problem: str | None = None
    # The funding verdicts it was committed under: kept, whatever rules come into force later.
    committed_funding: list[Assessment] | None = None
    pending_since: datetime | None = None
    changed_at: datetime | None = None
    published_revision: int = 0
    # A follow-on round: the contract(s) or framework it follows on (`follows_on_id`: the
    # bundle they were made from, else the agreement's id).
    follows_on: FollowOn | None = None
    follows_on_id: str | None = None
    shares: list[Share] = field(default_factory=list)
    created_at: datetime = field(kw_only=True)  # the oldest bundle a need fits wins

    @classmethod
    def open_for(
        cls,
        need: NeedFacts,
        *,
        kind: BundleKind,
        variant: str = "harmonised",
        specification_ref: str | None = None,
        now: datetime,
    ) -> Self:
        """A new bundle, opened at `now`, whose delivery window is that of the need that
        opens it."""
        return cls(
            id=new_id("bundle"),
            item_code=need.item_code,
            kind=kind,
            variant=variant,
            specification_ref=specification_ref,
            window_start=need.window_start,
            window_end=need.window_end,
            created_at=now,
        )

    @classmethod
    def follow_on(cls, follows: FollowOn, *, specification_ref: str | None, now: datetime) -> tuple[Self, Decision]:
        """A proposed round for the item of an agreement nearing its end, its window the term
        after it, its nations invited: none has a need in it until it registers one. The
        trail says why it exists."""
        start, end = follows.window
        bundle = cls(
            id=new_id("bundle"),
            item_code=follows.item_code,
            kind=BundleKind.FRAMEWORK_CONTRACT if follows.multi_year else BundleKind.JOINT_ORDER,
            specification_ref=specification_ref,
            window_start=start,
            window_end=end,
            follows_on=follows,
            follows_on_id=follows.key,
            shares=[Share(nation=n, participation=Participation.INVITED) for n in follows.nations],
            created_at=now,
        )
        bundle._changed(now)
        return bundle, Decision(bundle.id, DecisionKind.OPENED, follows.opened(), now)

    def also_follow(self, follows: FollowOn, now: datetime) -> Decision | None:
        """Another agreement made from the bundle this round follows on (a joint order
        contracted one contract per buyer): its nations are invited and its quantities
        expected here too, rather than in a round of its own. None when it is followed already."""
        if self.follows_on is None or follows.agreement_id in self.follows_on.agreements:
            return None
        decision = Decision(self.id, DecisionKind.EXPIRY_TOLD, self.follows_on.also(follows), now)
        self.follows_on = self.follows_on.joined(follows)
        for nation in follows.nations:
            if self.share(nation) is None:
                self.shares.append(Share(nation=nation, participation=Participation.INVITED))
        self._changed(now)
        return decision

    def expiry_told(self, horizon_years: int, now: datetime) -> Decision | None:
        """A later horizon of the agreement it follows on, written in its trail."""
        if self.follows_on is None:
            return None
        return Decision(self.id, DecisionKind.EXPIRY_TOLD, self.follows_on.reminded(horizon_years), now)

    def invited(self, nation: str) -> bool:
        return self.follows_on is not None and nation in self.follows_on.expected

    # ------------------------------------------------------------------ reading
    @property
    def nations(self) -> list[str]:
        return sorted(s.nation for s in self.shares if s.need_count > 0 or s.participation in TAKING_PART)

    def share(self, nation: str) -> Share | None:
        for share in self.shares:
            if share.nation == nation:
                return share
        return None

    def quantity_of(self, nation: str) -> int:
        share = self.share(nation)
        return share.quantity if share else 0

    @property
    def joinable(self) -> bool:
        return self.status in (BundleStatus.PROPOSED, BundleStatus.OPEN) and self.closed_reason is None

    @property
    def lines_fixed(self) -> bool:
        """Committed or cancelled: its lines are the record of an order, or of what was
        cancelled. A closed bundle takes no new needs, but a need may still leave it."""
        return self.status in (BundleStatus.COMMITTED, BundleStatus.CANCELLED)

    @property
    def accession_open(self) -> bool:
        return (
            self.kind is BundleKind.FRAMEWORK_CONTRACT
            and self.status is BundleStatus.COMMITTED
            and self.closed_reason is None
        )

    def largest_share(self) -> str:
        """The nation with the largest quantity: the proposed lead when none is nominated."""
        counted = [s for s in self.shares if s.quantity > 0]
        if not counted:
            raise EmptyBundle(f"bundle {self.id} has no needs")
        return max(counted, key=lambda s: (s.quantity, s.nation)).nation

    @property
    def proposed_lead(self) -> str | None:
        """Read by every view and every decision on who leads: it answers for any state a
        bundle is read in (one whose shares hold no quantity proposes no one), so that a
        list never fails on one bundle."""
        if self.nominated_lead:
            return self.nominated_lead
        counted = [s for s in self.shares if s.quantity > 0]
        return max(counted, key=lambda s: (s.quantity, s.nation)).nation if counted else None

    @property
    def years(self) -> list[int]:
        return sorted({y.year for s in self.shares for y in s.yearly})

    def yearly_totals(self) -> list[YearQuantity]:
        """Quantities per year over all nations: a framework contract's ceiling per year."""
        totals: list[YearQuantity] = []
        for share in self.shares:
            if share.participation not in ASKED_TO_ACCEDE:
                totals = add_yearly(totals, share.yearly)
        return totals

    def framework_terms(self) -> tuple[int, date, date] | None:
        """A framework contract's ceiling (the sum of its yearly quantities) and duration
        (from the first to the last year with quantities); None for a joint order."""
        if self.kind is not BundleKind.FRAMEWORK_CONTRACT:
            return None
        yearly = self.yearly_totals()
        if not yearly:
            return None
        return sum(y.quantity for y in yearly), date(yearly[0].year, 1, 1), date(yearly[-1].year, 12, 31)

    def facts(self) -> BundleFacts:
        return self._facts_of([s for s in self.shares if s.need_count > 0 or s.participation in TAKING_PART])

    def _facts_of(self, shares: list[Share]) -> BundleFacts:
        return BundleFacts(
            nations=tuple(sorted(s.nation for s in shares)),
            ukraine_quantity=sum(s.ukraine_quantity for s in shares),
            sme_share=self.sme_share,
            values={s.nation: self.value_of(s) for s in shares},
        )

    def value_of(self, share: Share) -> Decimal:
        """A nation's value in the bundle: its quantity (confirmed, once it confirmed) at the
        unit price, awarded or estimated; without a price, the budget ceilings of its needs."""
        if self.unit_price_eur is None:
            return share.value_eur
        quantity = share.quantity if share.confirmed_quantity is None else share.confirmed_quantity
        return (self.unit_price_eur * quantity).quantize(CENT)

    @property
    def value_basis(self) -> str:
        """What the bundle's value is reckoned from, in words."""
        if self.unit_price_basis is PriceBasis.AWARDED:
            return "awarded unit price"
        if self.unit_price_basis is PriceBasis.ESTIMATED:
            return "estimated unit price"
        return "budget ceilings"

    def funding(self, today: date, *, named: bool = False) -> list[Assessment]:
        """The verdicts it was committed under once committed; until then, those of the
        rules in force `today`."""
        if self.committed_funding is not None:
            return self.committed_funding
        return evaluate(self.facts(), today, named=named)

    # ------------------------------------------------------------------ changes
    def _changed(self, now: datetime) -> None:
        """Every change raises the revision and waits to be published (debounced)."""
        self.revision += 1
        self.changed_at = now
        if self.pending_since is None:
            self.pending_since = now

    def _share_for(self, nation: str) -> Share:
        share = self.share(nation)
        if share is None:
            share = Share(nation=nation)
            if self.status is BundleStatus.OPEN:
                share.participation = Participation.PENDING
            self.shares.append(share)
        return share

    def _ask_again(self, share: Share) -> None:
        """While open for accession, a share that changed must be confirmed again."""
        if self.status is BundleStatus.OPEN and share.participation is not Participation.PENDING:
            share.participation = Participation.PENDING
            share.confirmed_quantity = None
            share.funding_instrument = None

    def join(self, need: NeedFacts, reason: str, now: datetime) -> BundleLine:
        if not self.joinable:
            raise BundleNotOpen(f"bundle {self.id} is {self.status.value}; no need can join it")
        if need.item_code != self.item_code:
            raise NotAllowedNow(f"need {need.id} is for {need.item_code}, bundle is for {self.item_code}")
        line = BundleLine(
            bundle_id=self.id,
            need_id=need.id,
            nation=need.nation,
            quantity=need.quantity,
            yearly=need.schedule if need.recurring else list(need.yearly),
            ukraine_quantity=need.ukraine_quantity,
            value_eur=need.budget_ceiling_eur or Decimal(0),
            window_start=need.window_start,
            window_end=need.window_end,
            reason=reason,
            joined_at=now,
        )
        share = self._share_for(need.nation)
        if share.participation is Participation.INVITED:
            share.participation = Participation.PENDING if self.status is BundleStatus.OPEN else Participation.PROPOSED
        share.quantity += line.quantity
        share.ukraine_quantity += line.ukraine_quantity
        share.value_eur += line.value_eur
        share.yearly = add_yearly(share.yearly, line.schedule)
        share.need_count += 1
        self._ask_again(share)
        self.total_quantity += line.quantity
        self.line_count += 1
        need.joined(self.id)
        self._changed(now)
        return line

    def leave(self, line: BundleLine, now: datetime) -> None:
        if self.lines_fixed:
            raise BundleNotOpen(f"bundle {self.id} is {self.status.value}; its lines are fixed")
        share = self.share(line.nation)
        if share is None:
            raise NotAllowedNow(f"{line.nation} has no share in bundle {self.id}")
        share.quantity -= line.quantity
        share.ukraine_quantity -= line.ukraine_quantity
        share.value_eur -= line.value_eur
        share.yearly = add_yearly(share.yearly, line.schedule, -1)
        share.need_count -= 1
        self._ask_again(share)
        if share.need_count == 0 and self.invited(share.nation):
            share.participation = Participation.INVITED  # still asked to the round, as before its need
            share.confirmed_quantity = None
            share.funding_instrument = None
        elif share.need_count == 0:
            self.shares.remove(share)
        self.total_quantity -= line.quantity
        self.line_count -= 1
        self._changed(now)

    # ------------------------------------------------------------------ coordinator
    def nominate(self, lead: str, now: datetime) -> str:
        if self.status in (BundleStatus.COMMITTED, BundleStatus.CANCELLED):
            raise NotAllowedNow(f"bundle {self.id} is {self.status.value}; its lead is settled")
        self.nominated_lead = valid_lead(lead)
        self._changed(now)
        return f"{lead} nominated as lead"

    def open_for_accession(self, *, deadline: date, minimum_nations: int, today: date, now: datetime) -> str:
        if self.status is not BundleStatus.PROPOSED:
            raise NotAllowedNow(f"bundle {self.id} is {self.status.value}; only a proposed bundle opens")
        if self.total_quantity == 0:
            raise EmptyBundle(f"bundle {self.id} has no needs")
        self._check_deadline(deadline, today)
        if minimum_nations < 1:
            raise InvalidReference("the minimum number of nations is at least 1")
        self.deadline = deadline
        self.minimum_nations = minimum_nations
        self.status = BundleStatus.OPEN
        for share in self.shares:
            if share.participation is not Participation.INVITED:
                share.participation = Participation.PENDING
        self._changed(now)
        return f"open for accession until {deadline}; commits once {minimum_nations} nation(s) confirmed"

    @staticmethod
    def _check_deadline(deadline: date, today: date) -> None:
        if deadline < today:
            raise InvalidReference(f"the accession deadline {deadline} lies in the past")

    def set_deadline(self, deadline: date, today: date, now: datetime) -> str:
        if self.status is not BundleStatus.OPEN:
            raise NotAllowedNow(f"bundle {self.id} is {self.status.value}; only an open bundle has a deadline")
        self._check_deadline(deadline, today)
        self.deadline = deadline
        self._changed(now)
        return f"accession deadline moved to {deadline}"

    def remind(self, today: date, days_ahead: int) -> list[str]:
        """The nations asked to confirm that have not answered, once `days_ahead` days or
        fewer are left before the accession deadline: once per deadline (a moved deadline
        is reminded of again). None to remind: an empty list."""
        if self.status is not BundleStatus.OPEN or self.deadline is None or self.deadline_reminded == self.deadline:
            return []
        if not today <= self.deadline <= today + timedelta(days=days_ahead):
            return []
        waiting = sorted(s.nation for s in self.shares if s.participation is Participation.PENDING)
        if waiting:
            self.deadline_reminded = self.deadline
        return waiting

    def answer(
        self, nation: str, *, confirm: bool, quantity: int | None, funding: str | None, today: date, now: datetime
    ) -> str:
        share = self.share(nation)
        if share is None or share.need_count == 0:
            raise NotAllowedNow(f"{nation} has no needs in bundle {self.id}")
        if self.status is not BundleStatus.OPEN:
            raise NotAllowedNow(f"bundle {self.id} is {self.status.value}; participation is answered while open")
        if self.deadline is not None and today > self.deadline:
            raise NotAllowedNow(f"the accession deadline {self.deadline} has passed")
        if not confirm:
            share.participation = Participation.DECLINED
            share.confirmed_quantity = None
            self._changed(now)
            return f"{nation} declined"
        qty = share.quantity if quantity is None else quantity
        if qty <= 0 or qty > share.quantity:
            raise InvalidReference(f"confirmed quantity must be between 1 and {share.quantity}, got {qty}")
        if self.kind is BundleKind.FRAMEWORK_CONTRACT and qty != share.quantity:
            raise InvalidReference("in a framework contract a nation confirms its yearly quantities as registered")
        if funding is not None and funding not in {a.instrument for a in self.funding(today) if a.qualifies}:
            raise InvalidReference(f"the bundle does not qualify for {funding}")
        share.participation = Participation.CONFIRMED
        share.confirmed_quantity = qty
        share.funding_instrument = funding
        self._changed(now)
        return f"{nation} confirmed {qty}" + (f" with {funding}" if funding else "")

    def participants(self, today: date) -> list[Share]:
        """The shares a commit would order, or why it cannot commit.

        A proposed bundle commits with every nation in it (the coordinator speaks for
        them); an open one with the nations that confirmed, once the minimum is met and
        the funding each chose still applies to the confirmed nations alone.
        """
        if self.status not in (BundleStatus.PROPOSED, BundleStatus.OPEN):
            raise BundleNotOpen(f"bundle {self.id} is already {self.status.value}")
        if self.total_quantity == 0:
            raise EmptyBundle(f"bundle {self.id} has no needs to order")
        if self.status is BundleStatus.PROPOSED:
            return [s for s in self.shares if s.quantity > 0]
        taking_part = [s for s in self.shares if s.participation is Participation.CONFIRMED]
        if len(taking_part) < self.minimum_nations:
            raise NotAllowedNow(f"{len(taking_part)} nation(s) confirmed, the minimum is {self.minimum_nations}")
        verdicts = {a.instrument: a for a in evaluate(self._facts_of(taking_part), today)}
        for share in taking_part:
            chosen = verdicts.get(share.funding_instrument or "")
            if chosen is not None and not chosen.qualifies:
                raise NotAllowedNow(
                    f"{share.nation} confirmed with {chosen.instrument}, which the confirmed nations alone do not"
                    f" qualify for: {chosen.reason}"
                )
        return taking_part

    def release(
        self,
        lines: Sequence[BundleLine],
        needs: Mapping[str, NeedFacts],
        reason: str,
        now: datetime,
        *,
        leave: bool,
    ) -> Release:
        """The needs of these lines are out of the bundle, each with `reason` in its trail
        (nation by nation, in the order the nations joined); with `leave` the lines leave it
        too, so that its totals are those of the others. `needs` are the needs behind the
        lines, by id."""
        release = Release()
        joined = {s.nation: i for i, s in enumerate(self.shares)}
        for line in sorted((x for x in lines if x.nation in joined), key=lambda x: joined[x.nation]):
            if leave:
                self.leave(line, now)
                release.left.append(line)
            need = needs.get(line.need_id)
            if need is not None and need.bundle_id == self.id and need.released():
                release.wanted.append(need)
            release.decisions.append(
                Decision(self.id, DecisionKind.REJECTED, reason, now, need_id=line.need_id, nation=line.nation)
            )
        return release

    def commit(
        self,
        *,
        lead: str | None,
        committed_by: str,
        lines: Sequence[BundleLine],
        needs: Mapping[str, NeedFacts],
        now: datetime,
    ) -> CommittedOrder:
        """Commit the bundle with its `participants` as one order. `lines` are the bundle's
        lines and `needs` the needs behind them, by id: the lines of the nations that do not
        take part leave it first (their needs are released, to be placed again), so that its
        totals are those of the order, and the ordered needs are committed."""
        taking_part = self.participants(now.date())
        nations = sorted(s.nation for s in taking_part)
        ordered = [line for line in lines if line.nation in nations]
        for line in ordered:
            need = needs.get(line.need_id)
            if need is not None and need.status is NeedStatus.WITHDRAWN:  # the aggregator has yet to take it out
                raise NotAllowedNow(f"need {need.id} of {need.nation} was withdrawn; commit once it has left")
        others = [line for line in lines if line.nation not in nations]
        released = self.release(others, needs, "did not confirm", now, leave=True)
        # Nations asked to a follow-on round that registered nothing are not in the order.
        self.shares = [s for s in self.shares if s.participation is not Participation.INVITED]
        if len(taking_part) != len(self.shares):
            raise NotAllowedNow(f"nations that do not take part are still in bundle {self.id}")
        for share in taking_part:
            if share.confirmed_quantity is None:
                share.participation = Participation.CONFIRMED
                share.confirmed_quantity = share.quantity
        self.total_quantity = sum(self.ordered_quantity(s) for s in taking_part)
        self.lead = valid_lead(lead) if lead else (self.nominated_lead or self.largest_share())
        self.committed_by = committed_by
        self.status = BundleStatus.COMMITTED
        self.committed_funding = evaluate(self.facts(), now.date(), named=True)
        self._changed(now)
        need_ids: dict[str, list[str]] = {nation: [] for nation in nations}
        for line in ordered:
            need_ids[line.nation].append(line.need_id)
            if (need := needs.get(line.need_id)) is not None:
                need.committed()
        what = "a framework contract" if self.kind is BundleKind.FRAMEWORK_CONTRACT else "a joint order"
        released.decisions.append(
            Decision(
                self.id,
                DecisionKind.COMMITTED,
                f"committed as {what} led by {self.lead} for {len(nations)} nation(s)",
                now,
            )
        )
        by_nation = {s.nation: s for s in taking_part}
        return CommittedOrder(
            kind=self.kind,
            lead=self.lead,
            committed_by=committed_by,
            lines=[
                OrderLine(
                    nation=nation,
                    quantity=self.ordered_quantity(by_nation[nation]),
                    yearly=by_nation[nation].yearly,
                    value_eur=by_nation[nation].value_eur,
                    need_ids=need_ids[nation],
                    ukraine_quantity=min(by_nation[nation].ukraine_quantity, self.ordered_quantity(by_nation[nation])),
                )
                for nation in nations
            ],
            window_start=min(line.window_start for line in ordered),
            window_end=max(line.window_end for line in ordered),
            release=released,
        )

    def chosen_instrument(self) -> str | None:
        """The funding instrument the nations taking part chose at confirmation, when those
        that chose one agree; the procurement takes it over."""
        chosen = {s.funding_instrument for s in self.shares if s.funding_instrument}
        return chosen.pop() if len(chosen) == 1 else None

    def ordered_quantity(self, share: Share) -> int:
        return share.confirmed_quantity if share.confirmed_quantity is not None else share.quantity

    def accede(
        self, nation: str, yearly: list[YearQuantity], budget_eur: Decimal | None, today: date, now: datetime
    ) -> Share:
        """A nation asks to join a committed framework contract later (the radar case); it
        takes part once the framework's lead agrees (`accession_decided`)."""
        if not self.accession_open:
            raise NotAllowedNow(f"bundle {self.id} is not a framework contract open for accession")
        known = NATIONS.get(nation)
        if known is None or not known.may_register_needs:
            raise InvalidReference(f"{nation} cannot accede")
        existing = self.share(nation)
        if existing is not None and existing.participation in TAKING_PART:
            raise NotAllowedNow(f"{nation} already takes part in bundle {self.id}")
        if existing is not None and existing.participation is Participation.ACCESSION_REQUESTED:
            raise NotAllowedNow(f"{nation} asked to accede to bundle {self.id} already; its lead decides")
        if not yearly or any(y.quantity <= 0 for y in yearly):
            raise InvalidReference("an accession needs positive yearly quantities")
        years = self.years
        if years and (min(y.year for y in yearly) < today.year or max(y.year for y in yearly) > years[-1]):
            raise InvalidReference(f"accession years must lie between {today.year} and the framework's end {years[-1]}")
        if budget_eur is not None and budget_eur <= 0:
            raise InvalidReference("budget ceiling must be positive")
        share = existing or self._share_for(nation)
        share.yearly = add_yearly([], yearly)
        share.quantity = sum(y.quantity for y in yearly)
        share.value_eur = budget_eur or Decimal(0)
        share.participation = Participation.ACCESSION_REQUESTED
        share.confirmed_quantity = None
        self._changed(now)
        return share

    def accession_decided(
        self, nation: str, took_effect: bool, now: datetime, *, reason: str = "", refused_by_rule: bool = False
    ) -> Decision | None:
        """The answer to a requested accession, as the contracts service tells it: the
        nation takes part with what it asked for, or stays out, refused by the framework's
        lead or by a rule of the framework (`refused_by_rule`). Returns the trail entry that
        says so; None when there is no request waiting (an answer told twice)."""
        share = self.share(nation)
        if share is None or share.participation is not Participation.ACCESSION_REQUESTED:
            return None
        if took_effect:
            share.participation = Participation.ACCEDED
            share.confirmed_quantity = share.quantity
            self.total_quantity += share.quantity
            what = f"{nation} acceded to the framework contract led by {self.lead}"
        else:
            share.participation = Participation.ACCESSION_REFUSED
            by = "the contracts service" if refused_by_rule else str(self.lead)
            what = f"{by} refused {nation}'s accession" + (f": {reason}" if reason else "")
        self._changed(now)
        kind = DecisionKind.ACCEDED if took_effect else DecisionKind.ACCESSION_REFUSED
        return Decision(self.id, kind, what, now, nation=nation)

    def plan_sme_share(self, share: float, now: datetime) -> str:
        """The value share planned for SMEs: it can raise the EDIRPA co-funding rate."""
        if self.status in (BundleStatus.COMMITTED, BundleStatus.CANCELLED):
            raise NotAllowedNow(f"bundle {self.id} is {self.status.value}")
        if not 0 <= share <= 1:
            raise InvalidReference(f"the SME share is a fraction between 0 and 1, got {share}")
        self.sme_share = share
        self._changed(now)
        return f"planned SME share set to {round(share * 100)} %"

    def estimate_unit_price(self, price_eur: Decimal, now: datetime) -> str:
        """A coordinator's estimate of what one unit will cost: the bundle's value, and the
        euros of its co-funding, follow from it until a contract sets the awarded price."""
        if self.status is BundleStatus.CANCELLED:
            raise NotAllowedNow(f"bundle {self.id} is cancelled")
        if self.unit_price_basis is PriceBasis.AWARDED:
            raise NotAllowedNow(
                f"bundle {self.id} has an awarded unit price ({self.unit_price_eur} EUR); an estimate no longer applies"
            )
        checked_unit_price(price_eur)
        self.unit_price_eur, self.unit_price_basis = price_eur, PriceBasis.ESTIMATED
        self._changed(now)
        return f"unit price estimated at {price_eur:,.2f} EUR: value {self.value_eur_total():,.2f} EUR"

    def value_eur_total(self) -> Decimal:
        return sum((self.value_of(s) for s in self.shares), Decimal(0))

    def price_awarded(self, unit_price_eur: Decimal, now: datetime) -> str:
        """The signed contract's unit price replaces any estimate; `signed_with`, which
        follows it, makes the committed verdicts again with the value it gives."""
        self.unit_price_eur, self.unit_price_basis = checked_unit_price(unit_price_eur), PriceBasis.AWARDED
        self._changed(now)
        return f"awarded unit price {unit_price_eur:,.2f} EUR: value {self.value_eur_total():,.2f} EUR"

    def signed_with(self, organisation: str, sme: bool, now: datetime) -> str:
        """Its contract was signed with `organisation`: the whole value goes to an SME or
        none of it does, whatever was planned. A committed bundle's verdicts are made again
        under the rules it was committed under, with that share (and the awarded price)."""
        self.sme_share = 1.0 if sme else 0.0
        if self.committed_funding is not None:
            day = next((a.assessed_on for a in self.committed_funding if a.assessed_on), now.date())
            self.committed_funding = evaluate(self.facts(), day, named=True)
        self._changed(now)
        kind = "an SME" if sme else "not an SME"
        return f"contract signed with {organisation} ({kind}): SME share {round(self.sme_share * 100)} %"

    def close(self, reason: str, now: datetime) -> str:
        if self.closed_reason is not None or self.status is BundleStatus.CANCELLED:
            raise NotAllowedNow(f"bundle {self.id} is already closed")
        if not reason.strip():
            raise InvalidReference("closing needs a reason")
        self.closed_reason = reason
        self._changed(now)
        return f"closed: {reason}"

    def cancel(self, reason: str, now: datetime) -> str:
        if self.status not in (BundleStatus.PROPOSED, BundleStatus.OPEN):
            raise NotAllowedNow(f"bundle {self.id} is {self.status.value}; it can no longer be cancelled")
        if not reason.strip():
            raise InvalidReference("cancelling needs a reason")
        self.status = BundleStatus.CANCELLED
        self.cancel_reason = reason
        self._changed(now)
        return f"cancelled: {reason}"

    # ------------------------------------------------------------------ contracting
    def not_contracted(self, reason: str) -> str:
        """The commitment stands (the nations committed); the lead sees why no contract
        followed and amends the bundle or asks an administrator. Not a change of the bundle's
        terms: its revision and publication stay as they were."""
        self.contracting_problem = reason
        return f"the contracts service could not contract the committed bundle: {reason}"

    def contracted(self) -> None:
        self.contracting_problem = None

    # ------------------------------------------------------------------ publication
    def publication_due(self, now: datetime, quiet: timedelta, max_wait: timedelta) -> bool:
        """A burst of changes publishes once: after a quiet period, or at the latest
        `max_wait` after its first change."""
        if self.pending_since is None or self.changed_at is None:
            return False
        return now - self.changed_at >= quiet or now - self.pending_since >= max_wait

    def mark_published(self) -> None:
        self.pending_since = None
        self.published_revision = self.revision


@dataclass
class Bundle(BundleState):
    """A bundle as the service stores it: mapped to the database (see `BundleState`)."""
