"""Repositories of the contracts context backed by the service's database.

A list is read a page at a time with its total, filtered and ordered by the database along
its indexes; an aggregate read to be shown leaves out the children that grow without bound
(call-offs, offers, change logs), which are read a page at a time too. A list kept in a JSON
column (a change log, a ranking, a lot's deliveries) is cut into pages by the database
(`json_each` on SQLite, `json_array_elements` on PostgreSQL), so that a page does not carry
the whole list through Python.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Date,
    FromClause,
    Integer,
    Select,
    String,
    Subquery,
    and_,
    bindparam,
    cast,
    delete,
    exists,
    extract,
    false,
    func,
    insert,
    literal_column,
    or_,
    select,
    true,
    type_coerce,
    union_all,
    update,
)
from sqlalchemy import column as sql_column
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import defer, raiseload
from sqlalchemy.orm.interfaces import ORMOption
from sqlalchemy.types import JSON, NullType

from bundling_shared.counted_pages import counted_page, read_counted_page
from bundling_shared.repository import Rows, SessionRepository, by_key, claim, insert_into, rows_of
from contracts.adapters.orm import (
    COORDINATOR,
    NATION,
    PARTICIPANT,
    SUPPLIER,
    call_offs,
    contract_funders,
    contract_lines,
    contract_modes,
    contracts,
    delivery_lots,
    expiry_notices,
    framework_changes,
    framework_parties,
    frameworks,
    joint_order_leads,
    materials,
    national_purchases,
    ocds_releases,
    offers,
    procurement_parties,
    procurements,
    production_lines,
    specification_nations,
    specifications,
    stock_levels,
    suppliers,
    uncontracted_commitments,
)
from contracts.domain.access import Reach
from contracts.domain.allocation import Claim, StockLevel
from contracts.domain.contract import (
    CommitmentKind,
    CommitmentRefusal,
    Contract,
    ContractListing,
    ContractMode,
    ListedLine,
)
from contracts.domain.deliveries import Agreement, DeliveryLot, ListedLot
from contracts.domain.expiry import ExpiryNotice
from contracts.domain.frameworks import CallOff, FrameworkContract, FrameworkParties
from contracts.domain.materials import Material
from contracts.domain.money import ZERO, eur
from contracts.domain.national_purchases import NationalPurchase, counted
from contracts.domain.ocds import Bids, Company, Latest, PublishedRelease
from contracts.domain.procurement import Procurement, ProcurementStatus, TenderFilter
from contracts.domain.production import ProductionLine
from contracts.domain.reporting import BUYERS_OWN_FORCES, DeliveryProgress, FundedDeliveries, PaidThrough, Purchase
from contracts.domain.specifications import Specification, SpecificationStatus
from contracts.domain.suppliers import Supplier
from contracts.domain.supply_risk import Exposure
from contracts.service_layer.unit_of_work import Found, Only, Sight

T = TypeVar("T")


def _attribute(cls: type[Any], name: str) -> Any:
    """A mapped attribute of a plain domain class, for loader options."""
    return getattr(cls, name)


def _leaving_out(cls: Any, *, children: Sequence[str] = (), columns: Sequence[str] = ()) -> list[ORMOption]:
    """Load an aggregate without the children and JSON columns that grow without bound:
    reading one of them by mistake fails loudly instead of loading it."""
    return list(_options_leaving_out(cls, tuple(children), tuple(columns)))


@functools.cache
def _options_leaving_out(cls: Any, children: tuple[str, ...], columns: tuple[str, ...]) -> tuple[ORMOption, ...]:
    """Built once for each way of leaving out: a read names the same few every time."""
    options: list[ORMOption] = [raiseload(_attribute(cls, name)) for name in children]
    return tuple(options + [defer(_attribute(cls, name), raiseload=True) for name in columns])


def _any(clauses: list[ColumnElement[bool]]) -> ColumnElement[bool]:
    """Any of `clauses`; none is the false constant itself, which an OR around it drops
    (SQLite does not drop `0 = 1`, and an alternative beside it kept it from an index)."""
    return or_(*clauses) if clauses else false()


def _dialect(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


def _naming(owner: Any, named: Any, relation: str, party: str) -> ColumnElement[bool]:
    """Whether the object whose id is `owner` names `party` in `relation` (a framework's
    participant, coordinator or supplier; a procurement's nation or coordinator): its id is
    among the party's rows kept of such names (`named`: their column of the object's id),
    which an index finds, rather than each object being opened to ask."""
    rows = named.table
    held: ColumnElement[bool] = owner.in_(select(named).where(rows.c.party == party, rows.c.relation == relation))
    return held


async def _found(
    session: AsyncSession,
    kind: type[T],
    table: FromClause,
    where: ColumnElement[bool],
    order: Sequence[Any],
    limit: int,
    offset: int,
    options: Sequence[ORMOption] = (),
) -> Found[T]:
    total = await _count(session, table, where)
    if total <= offset:
        return Found([], total)
    query = select(kind).where(where).order_by(*order).limit(limit).offset(offset).options(*options)
    return Found((await session.scalars(query)).all(), total)


async def _count(session: AsyncSession, table: FromClause, where: ColumnElement[bool]) -> int:
    return int(await session.scalar(select(func.count()).select_from(table).where(where)) or 0)


async def _found_rows(
    session: AsyncSession,
    columns: Sequence[Any],
    where: ColumnElement[bool],
    order: Sequence[Any],
    limit: int,
    offset: int,
) -> Found[dict[str, Any]]:
    """As `_found`, a page of plain rows, each a dict of `columns` by name: a page of a
    hundred read as aggregates costs about twice as much, and a list shows no more than
    the columns."""
    total = await _count(session, columns[0].table, where)
    if total <= offset:
        return Found([], total)
    page = select(*columns).where(where).order_by(*order).limit(limit).offset(offset)
    names = [column.name for column in columns]
    return Found([dict(zip(names, row, strict=True)) for row in (await session.execute(page)).all()], total)


async def _entries(
    session: AsyncSession, column: Any, key: ColumnElement[bool], only: Only | None, limit: int, offset: int
) -> Found[dict[str, Any]]:
    """One page of a list kept in a JSON column of the row `key` finds, in the order kept,
    and how many entries `only` lets through in all.

    Every entry: the page is read up to its end and the list's length asked apart, without
    reading its entries. Some entries: those let through are counted beside the page, as
    the database picks them out for it, rather than picked out a second time to be
    counted (a nation's part of a list of 10^4 entries, on SQLite: 37 ms for both, 26 ms
    beside); counted apart only when the page falls past the end."""
    if _dialect(session) == "postgresql":
        elements = (
            func.json_array_elements(column)
            .table_valued(sql_column("value", JSON), with_ordinality="position")
            .render_derived()
        )
        position: Any = elements.c.position

        def field(name: str) -> Any:
            return elements.c.value.op("->>")(name)

    else:
        elements = func.json_each(column).table_valued(sql_column("key", Integer), sql_column("value", JSON))
        position = elements.c.key

        def field(name: str) -> Any:
            return func.json_extract(elements.c.value, f"$.{name}")

    table = column.table
    page = select(elements.c.value).select_from(table).join(elements, true()).where(key)
    page = page.order_by(position).limit(limit).offset(offset)
    if only is None:
        total = int(await session.scalar(select(func.json_array_length(column)).where(key)) or 0)
        if total <= offset:
            return Found([], total)
        return Found([dict(value) for value in (await session.scalars(page)).all()], total)
    named = [value for value in only.values if value is not None]
    let_through = or_(field(only.field).in_(named), *([field(only.field).is_(None)] if None in only.values else []))
    found = (await session.execute(page.where(let_through).add_columns(func.count().over()))).all()
    if found:
        return Found([dict(value) for value, _ in found], int(found[0][1]))
    counted = select(func.count()).select_from(table).join(elements, true()).where(key, let_through)
    return Found([], int(await session.scalar(counted) or 0))


def _log_entry(row: dict[str, Any]) -> dict[str, Any]:
    """An entry as the log shows it: an entry kept without a scope has none."""
    entry = {"at": row["at"], "by": row["by"], "what": row["what"]}
    return entry if row["scope"] is None else {**entry, "scope": row["scope"]}


@functools.lru_cache(maxsize=256)
def _change_log_page(picked: tuple[str, tuple[str, ...], bool] | None) -> Select[Any]:
    """A page of a framework's log (`framework_id`) and its count, built once per way of
    picking its entries: every one, or those whose field `picked[0]` holds one of the
    values `picked[1]`, or nothing if `picked[2]`. A log grows by an entry per call-off,
    and its last page is where its readers look first."""
    log = framework_changes
    where = [log.c.framework_id == bindparam("framework_id")]
    if picked is not None:
        field, named, unset = picked
        where.append(or_(log.c[field].in_(named), *([log.c[field].is_(None)] if unset else [])))
    return counted_page([log.c.at, log.c.by, log.c.what, log.c.scope], where, log.c.id)


class _ExactPrices(dict[Any, Decimal]):
    """Prices as the driver hands them over (a float from SQLite, a decimal from
    PostgreSQL), each made exact to the cent once: many rows hold a few prices."""

    def __missing__(self, found: Any) -> Decimal:
        exact = self[found] = eur(found)
        return exact


def _priced(rows: Sequence[Any]) -> dict[tuple[Any, ...], Decimal]:
    """Value per key from rows of (*key, unit price, quantity): each price times the items
    bought at it, added up in exact cents here rather than in the database's floats."""
    values: dict[tuple[Any, ...], Decimal] = defaultdict(lambda: ZERO)
    prices = _ExactPrices()
    for *key, price, quantity in rows:
        if price is not None:
            values[tuple(key)] += prices[price] * int(quantity)
    return values


class ContractRepository(SessionRepository[Contract]):
    kind = Contract

    async def for_bundle(self, bundle_id: str) -> Contract | None:
        found = await self.all_for_bundle(bundle_id)
        return found[0] if found else None

    async def all_for_bundle(self, bundle_id: str) -> Sequence[Contract]:
        query = select(Contract).where(contracts.c.bundle_id == bundle_id).order_by(contracts.c.part)
        return (await self._session.scalars(query)).all()

    async def ending_between(self, first: date, last: date) -> Sequence[Contract]:
        c = contracts
        query = select(Contract).where(c.c.window_end.between(first, last)).order_by(c.c.window_end, c.c.id)
        return (await self._session.scalars(query.options(*_leaving_out(Contract, columns=["change_log"])))).all()

    async def agreement(self, contract_id: str) -> Agreement | None:
        """As written so far: one statement of plain rows, a line each."""
        c, line, s = contracts, contract_lines, suppliers
        own = [c.c.contracting_authority, c.c.supplier_id, c.c.item_code, c.c.unit_price_eur, s.c.organisation]
        joined = c.outerjoin(s, s.c.id == c.c.supplier_id).outerjoin(line, line.c.contract_id == c.c.id)
        query = (
            select(*own, line.c.nation, line.c.quantity, line.c.ukraine_quantity)
            .select_from(joined)
            .where(c.c.id == contract_id)
            .order_by(line.c.nation)
        )
        await self._session.flush()
        rows = (await self._session.execute(query)).all()
        if not rows:
            return None
        first, lines = rows[0], [row for row in rows if row.nation is not None]
        return Agreement(
            contract_id,
            first.contracting_authority,
            {row.nation: row.quantity for row in lines},
            first.supplier_id,
            first.organisation,
            ukraine={row.nation: row.ukraine_quantity for row in lines if row.ukraine_quantity},
            item_code=first.item_code,
            unit_price_eur=first.unit_price_eur,
        )

    async def page(
        self, reach: Reach, limit: int, offset: int, ending: tuple[date, date] | None = None
    ) -> Found[ContractListing]:
        """`ending`: only those whose delivery window ends between the two days, soonest
        first. Read as plain rows, a line each besides."""
        c, line = contracts, contract_lines
        where, order = _reached_contracts(reach), [c.c.created_at, c.c.id]
        if ending is not None:
            where, order = and_(where, c.c.window_end.between(*ending)), [c.c.window_end, c.c.id]
        shown = [column for column in c.c if column.name != "change_log"]
        found = await _found_rows(self._session, shown, where, order, limit, offset)
        # In the order of the key: no sort, each contract's lines by nation
        of_page = select(line.c.contract_id, line.c.nation, line.c.quantity, line.c.ukraine_quantity)
        of_page = of_page.where(line.c.contract_id.in_([row["id"] for row in found.items])).order_by(*line.primary_key)
        lines: dict[str, list[ListedLine]] = defaultdict(list)
        for contract_id, nation, quantity, ukraine_quantity in (await self._session.execute(of_page)).all():
            lines[contract_id].append(ListedLine(nation, quantity, ukraine_quantity))
        return Found([ContractListing(**row, lines=lines[row["id"]]) for row in found.items], found.total)

    async def change_log(self, contract_id: str, only: Only | None, limit: int, offset: int) -> Found[dict[str, Any]]:
        c = contracts
        return await _entries(self._session, c.c.change_log, c.c.id == contract_id, only, limit, offset)

    async def purchases(self, sight: Sight) -> list[Purchase]:
        """Each buying nation's lines the caller sees, by supplier origin."""
        return await _contract_purchases(_dialect(self._session), sight).each(self._session)

    async def origin_values(self, sight: Sight) -> list[Purchase]:
        """Each buying nation's value the caller sees, per country of the supplier."""
        return await _contract_purchases(_dialect(self._session), sight).by_origin(self._session)

    async def exposures(self, sight: Sight) -> list[Exposure]:
        c, line = contracts, contract_lines
        bought = line.join(c, c.c.id == line.c.contract_id)
        seen = _reached_contracts(sight.whole)
        return await _exposures(
            self._session, bought, c.c.id, line.c, c.c.item_code, c.c.unit_price_eur, c.c.supplier_id, seen, sight.own
        )

    async def mode_for(self, bundle_id: str) -> ContractMode:
        mode = await self._session.scalar(select(contract_modes.c.mode).where(contract_modes.c.bundle_id == bundle_id))
        return ContractMode(mode) if mode else ContractMode.SINGLE

    async def set_mode(self, bundle_id: str, mode: ContractMode) -> None:
        await self._session.execute(delete(contract_modes).where(contract_modes.c.bundle_id == bundle_id))
        await self._session.execute(contract_modes.insert().values(bundle_id=bundle_id, mode=mode.value))

    async def lead_of(self, bundle_id: str) -> str | None:
        return await self._session.scalar(
            select(joint_order_leads.c.lead).where(joint_order_leads.c.bundle_id == bundle_id)
        )

    async def set_lead(self, bundle_id: str, lead: str) -> None:
        await self._session.execute(delete(joint_order_leads).where(joint_order_leads.c.bundle_id == bundle_id))
        await self._session.execute(joint_order_leads.insert().values(bundle_id=bundle_id, lead=lead))

    async def refusal_for(self, bundle_id: str) -> CommitmentRefusal | None:
        t = uncontracted_commitments
        row = (await self._session.execute(select(t).where(t.c.bundle_id == bundle_id))).first()
        if row is None:
            return None
        return CommitmentRefusal(
            bundle_id=row.bundle_id,
            kind=CommitmentKind(row.kind),
            item_code=row.item_code,
            lead=row.lead,
            nations=list(row.nations),
            reason=row.reason,
            at=row.refused_at,
        )

    async def record_refusal(self, refusal: CommitmentRefusal) -> None:
        """The latest refusal of a bundle's commitment replaces an earlier one."""
        await self.clear_refusal(refusal.bundle_id)
        await self._session.execute(
            uncontracted_commitments.insert().values(
                bundle_id=refusal.bundle_id,
                kind=refusal.kind.value,
                item_code=refusal.item_code,
                lead=refusal.lead,
                nations=refusal.nations,
                reason=refusal.reason,
                refused_at=refusal.at,
            )
        )

    async def clear_refusal(self, bundle_id: str) -> None:
        t = uncontracted_commitments
        await self._session.execute(delete(t).where(t.c.bundle_id == bundle_id))


REACHES_KEPT = 1024
"""The clauses of as many callers' reaches are kept, built: a reach is a caller's party,
nation or company, few on any platform, and building a clause that asked a JSON column for
one of them cost a page of frameworks a sixth of its time, each time."""


def _year(at: Any, dialect: str) -> ColumnElement[int]:
    """The year of a moment kept by `UtcDateTime`. SQLite keeps it as text in UTC, whose
    first four characters are the year: asked for the year as a date (`strftime`), it
    parsed every call-off's moment, a third of the time a report took to add them up."""
    if dialect == "postgresql":
        return extract("year", at)
    return cast(func.substr(at, 1, 4), Integer)


@dataclass(frozen=True, eq=False)
class _Purchases:
    """What each nation bought (`line`: its nation and quantity, at `unit_price` from
    `supplier_id`, ordered at `ordered_at`) of what the caller sees whole (`seen`) or of its
    own nation's (`own`), on a database of `dialect`.

    Kept per reader with its statements built (`_contract_purchases`, `_call_off_purchases`):
    built anew for each read, they cost a report of value by origin a fifth of its time."""

    dialect: str
    bought: FromClause
    line: Any
    unit_price: Any
    supplier_id: Any
    seen: ColumnElement[bool]
    own: str | None
    ordered_at: Any
    within: Any = None
    """What the items bought at a price are added up within as well (a call-off's
    framework), where the index they are read from is in that order: the rows of each are
    added up as they come, and only those sums are sorted, to be priced and added up by
    nation and origin."""

    @functools.cached_property
    def _each(self) -> Select[Any]:
        """The items bought per nation, supplier, price and year, added up within each
        framework as its index holds them (`within`), then with their suppliers' country
        and size: the suppliers are joined to those sums, not to every call-off."""
        first = [] if self.within is None else [self.within]
        year = _year(self.ordered_at, self.dialect)
        parts = [
            select(
                *first,
                self.line.nation.label("nation"),
                self.supplier_id.label("supplier_id"),
                self.unit_price.label("unit_price_eur"),
                year.label("year"),
                func.sum(self.line.quantity).label("quantity"),
            )
            .select_from(self.bought)
            .where(where, self.unit_price.is_not(None))
            .group_by(*first, self.line.nation, self.supplier_id, self.unit_price, year)
            for where in _apart(self.seen, self.line.nation, self.own)
        ]
        per_price, s = _together(parts).subquery("per_price"), suppliers
        pp = per_price.c
        each = (pp.nation, s.c.country, s.c.id, s.c.sme, pp.year, pp.unit_price_eur)
        summed = select(*each, func.sum(pp.quantity).label("quantity"))
        return summed.join_from(per_price, s, s.c.id == pp.supplier_id).group_by(*each)

    async def each(self, session: AsyncSession) -> list[Purchase]:
        """One row per nation, supplier, price and year ordered, priced in exact cents here
        (a row of each part of what the caller sees, `_apart`, added up together)."""
        rows = (await session.execute(self._each)).all()
        return [
            Purchase(nation, value, country, supplier, bool(sme), int(year))
            for (nation, country, supplier, sme, year), value in _priced(rows).items()
        ]

    @functools.cached_property
    def _by_origin(self) -> tuple[Select[Any], Select[Any]]:
        """The values per nation and country of the supplier added up in cents, and the
        items bought at each price, for when the cents do not fit (`by_origin`). A price's
        items are added up in each part of what the caller sees (`_apart`), and their values
        together."""
        first = [] if self.within is None else [self.within]
        parts = [
            select(
                *first,
                self.line.nation.label("nation"),
                self.supplier_id.label("supplier_id"),
                self.unit_price.label("unit_price_eur"),
                func.sum(self.line.quantity).label("quantity"),
            )
            .select_from(self.bought)
            .where(where, self.unit_price.is_not(None))
            .group_by(*first, self.line.nation, self.supplier_id, self.unit_price)
            for where in _apart(self.seen, self.line.nation, self.own)
        ]
        per_price = _together(parts).subquery("per_price")
        pp, s = per_price.c, suppliers
        of_nations = select(pp.nation, s.c.country).join(s, s.c.id == pp.supplier_id)
        postgres = self.dialect == "postgresql"
        price = pp.unit_price_eur * 100 if postgres else cast(func.round(pp.unit_price_eur * 100), Integer)
        cents = of_nations.add_columns(func.sum(price * pp.quantity).label("cents")).group_by(pp.nation, s.c.country)
        return cents, of_nations.add_columns(pp.unit_price_eur, pp.quantity)

    async def by_origin(self, session: AsyncSession) -> list[Purchase]:
        """One row per nation and country of the supplier, added up by the database.

        A framework's nations call off tens of thousands of times at the few prices its
        suppliers hold: bringing every call-off here to be priced cost a report tens of
        milliseconds. The database adds up the items bought at each price, then their value.
        PostgreSQL's decimals are exact. SQLite keeps amounts as floats, so it adds up whole
        cents, exact for as long as they fit its integers; past that (a product becomes a
        float, or the sum is refused) the prices are multiplied here."""
        cents, each_price = self._by_origin
        try:
            rows = (await session.execute(cents)).all()
        except OperationalError:  # SQLite: "integer overflow"
            rows = None
        if rows is not None and (self.dialect == "postgresql" or all(type(row.cents) is int for row in rows)):
            return [Purchase(row.nation, eur(Decimal(row.cents).scaleb(-2)), row.country) for row in rows]
        values = _priced((await session.execute(each_price)).all())
        return [Purchase(nation, value, country) for (nation, country), value in values.items()]


@functools.lru_cache(maxsize=REACHES_KEPT)
def _contract_purchases(dialect: str, sight: Sight) -> _Purchases:
    c, line = contracts, contract_lines
    bought = line.join(c, c.c.id == line.c.contract_id)
    seen = _reached_contracts(sight.whole)
    return _Purchases(dialect, bought, line.c, c.c.unit_price_eur, c.c.supplier_id, seen, sight.own, c.c.created_at)


@functools.lru_cache(maxsize=REACHES_KEPT)
def _call_off_purchases(dialect: str, sight: Sight) -> _Purchases:
    co = call_offs
    seen = _reached_call_offs(sight.whole)
    at = co.c.placed_at
    return _Purchases(dialect, co, co.c, co.c.unit_price_eur, co.c.supplier_id, seen, sight.own, at, co.c.framework_id)


def _apart(seen: ColumnElement[bool], nation: Any, own: str | None) -> list[ColumnElement[bool]]:
    """What a caller sees of lines or call-offs, in parts that share none: what it sees
    whole (`seen`), and its own nation's of the rest (`own`, `nation`: the nation a line or
    call-off is of). Found by one test of both, every line or call-off was read (SQLite
    scanned a whole index); apart, each part is read from the index that finds it."""
    return [seen] if own is None else [seen, and_(nation == own, seen.is_not(true()))]


def _together(parts: list[Select[Any]]) -> Select[Any] | CompoundSelect[Any]:
    """The rows of every part of what a caller sees (`_apart`, `_lots_apart`): one part as
    it is, several one after another."""
    return parts[0] if len(parts) == 1 else union_all(*parts)


async def _exposures(
    session: AsyncSession,
    bought: FromClause,
    agreement_id: Any,
    line: Any,
    item_code: Any,
    unit_price: Any,
    supplier_id: Any,
    seen: ColumnElement[bool],
    own: str | None,
) -> list[Exposure]:
    """Per agreement and nation, what the caller sees whole (`seen`) or of its own nation's
    (`own`): the item, the supplier (none before one is signed), units and signed price.
    An agreement holds one row per nation (a contract's line, a call-off), so the rows are
    read as they are: grouped, SQLite sorted a lead's ten thousand call-offs to add up
    each alone."""
    parts = [
        select(agreement_id.label("agreement_id"), line.nation, item_code.label("item_code"),
               supplier_id.label("supplier_id"), type_coerce(unit_price, NullType).label("unit_price_eur"),
               line.quantity)
        .select_from(bought)
        .where(where)
        for where in _apart(seen, line.nation, own)
    ]  # fmt: skip
    query = _together(parts)
    prices = _ExactPrices()  # a lead's ten thousand call-offs are at a few prices
    return [
        Exposure(agreement, nation, item, supplier, int(quantity), None if price is None else prices[price])
        for agreement, nation, item, supplier, price, quantity in (await session.execute(query)).all()
    ]


def _reached(reach: Reach, **clause_of: Callable[[str], ColumnElement[bool]]) -> ColumnElement[bool]:
    """The rows a reach finds: every one, or those any part it names finds (`clause_of`
    each part: how this table finds the rows of a party, a coordinator, a nation or a
    supplier); a part the table cannot hold finds nothing."""
    if reach.everything:
        return true()
    parts = {"party": reach.party, "coordinator": reach.coordinator, "nation": reach.nation}
    named = parts | {"supplier_id": reach.supplier_id}
    return _any([clause_of[part](value) for part, value in named.items() if value and part in clause_of])


@functools.lru_cache(maxsize=REACHES_KEPT)
def _reached_contracts(reach: Reach) -> ColumnElement[bool]:
    """A nation's contracts are those among its lines' (not those whose lines hold one of
    its own, asked of each contract): SQLite then reads each alternative of a desk's reach
    from its index and counts the desk's contracts, where it tested every contract."""
    c, line = contracts, contract_lines
    return _reached(
        reach,
        party=lambda party: c.c.contracting_authority == party,
        nation=lambda nation: c.c.id.in_(select(line.c.contract_id).where(line.c.nation == nation)),
        supplier_id=lambda supplier_id: c.c.supplier_id == supplier_id,
    )


@functools.lru_cache(maxsize=REACHES_KEPT)
def _reached_frameworks(reach: Reach) -> ColumnElement[bool]:
    f, named = frameworks, framework_parties.c.framework_id
    return _reached(
        reach,
        party=lambda party: f.c.contracting_authority == party,
        coordinator=lambda party: _naming(f.c.id, named, COORDINATOR, party),
        nation=lambda nation: _naming(f.c.id, named, PARTICIPANT, nation),
        supplier_id=lambda supplier_id: _naming(f.c.id, named, SUPPLIER, supplier_id),
    )


@functools.lru_cache(maxsize=REACHES_KEPT)
def _reached_procurements(reach: Reach) -> ColumnElement[bool]:
    """A procurement is its authority's and assigned coordinators', its nations', and the
    companies that offered or were awarded it."""
    p, o, named = procurements, offers, procurement_parties.c.procurement_id
    return _reached(
        reach,
        party=lambda party: p.c.contracting_authority == party,
        coordinator=lambda party: _naming(p.c.id, named, COORDINATOR, party),
        nation=lambda nation: _naming(p.c.id, named, NATION, nation),
        supplier_id=lambda supplier_id: or_(
            p.c.awarded_supplier_id == supplier_id,
            exists().where(o.c.procurement_id == p.c.id, o.c.supplier_id == supplier_id),
        ),
    )


@functools.lru_cache(maxsize=REACHES_KEPT)
def _reached_call_offs(reach: Reach) -> ColumnElement[bool]:
    """A call-off is its framework's lead's, its nation's, and its own supplier's.

    The frameworks a lead leads are found first, then their call-offs by the framework's
    index: a lead's reports read tens of thousands of call-offs, and each tested on its own
    asked after its framework again."""
    if reach.everything:
        return true()
    own = _own_call_offs(reach)
    led = _frameworks_led(reach)
    return own if led is None else or_(call_offs.c.framework_id.in_(led), own)


def _own_call_offs(reach: Reach) -> ColumnElement[bool]:
    """A call-off is its nation's and its supplier's."""
    co = call_offs
    return _reached(
        Reach(nation=reach.nation, supplier_id=reach.supplier_id),
        nation=lambda nation: co.c.nation == nation,
        supplier_id=lambda supplier_id: co.c.supplier_id == supplier_id,
    )


def _frameworks_led(reach: Reach) -> Select[Any] | None:
    """The frameworks the reach leads as their authority or a coordinator, if any."""
    if not (reach.party or reach.coordinator):
        return None
    led = _reached_frameworks(Reach(party=reach.party, coordinator=reach.coordinator))
    return select(frameworks.c.id).where(led)


class SupplierRepository(SessionRepository[Supplier]):
    kind = Supplier

    async def by_organisation(self, organisation: str) -> Supplier | None:
        query = select(Supplier).where(suppliers.c.organisation == organisation)
        return (await self._session.scalars(query)).first()

    async def by_ids(self, ids: set[str]) -> dict[str, Supplier]:
        if not ids:
            return {}
        found = (await self._session.scalars(select(Supplier).where(suppliers.c.id.in_(ids)))).all()
        return {s.id: s for s in found}

    async def companies(self, ids: set[str]) -> dict[str, Company]:
        """The suppliers as a release names them, without making a supplier of each."""
        if not ids:
            return {}
        s = suppliers
        query = select(s.c.id, s.c.organisation, s.c.country, s.c.sme).where(s.c.id.in_(sorted(ids)))
        return {row.id: _company(row) for row in await self._session.execute(query)}

    async def page(self, organisation: str | None, limit: int, offset: int) -> Found[Supplier]:
        s = suppliers
        where = true() if organisation is None else s.c.organisation == organisation
        return await _found(self._session, Supplier, s, where, [s.c.organisation], limit, offset)


class ProductionLineRepository(SessionRepository[ProductionLine]):
    kind = ProductionLine

    async def page(
        self, supplier_id: str | None, item_code: str | None, limit: int, offset: int
    ) -> Found[ProductionLine]:
        c = production_lines.c
        where = and_(
            true() if supplier_id is None else c.supplier_id == supplier_id,
            true() if item_code is None else c.item_code == item_code,
        )
        # Its history grows with its revisions and no reader of many lines reads it.
        leaving_out = _leaving_out(ProductionLine, columns=["history"])
        order = [c.declared_at, c.id]
        return await _found(self._session, ProductionLine, production_lines, where, order, limit, offset, leaving_out)

    async def inputs(self, supplier_ids: set[str], item_codes: set[str]) -> dict[tuple[str, str], set[str]]:
        if not supplier_ids or not item_codes:
            return {}
        c = production_lines.c
        query = select(c.supplier_id, c.item_code, c.inputs).where(
            c.supplier_id.in_(supplier_ids), c.item_code.in_(item_codes)
        )
        found: dict[tuple[str, str], set[str]] = defaultdict(set)
        for row in (await self._session.execute(query)).all():
            found[(row.supplier_id, row.item_code)] |= set(row.inputs)
        return dict(found)


class MaterialRepository(SessionRepository[Material]):
    kind = Material

    async def named(self, names: set[str]) -> dict[str, Material]:
        if not names:
            return {}
        found = (await self._session.scalars(select(Material).where(materials.c.name.in_(names)))).all()
        return {m.name: m for m in found}

    async def page(self, limit: int, offset: int) -> Found[Material]:
        m = materials
        return await _found(self._session, Material, m, true(), [m.c.name], limit, offset)


class StockLevelRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def state(self, level: StockLevel) -> StockLevel:
        """The nation's stock of the item as now stated, in place of what it stated before."""
        known = await self._session.get(StockLevel, (level.nation, level.item_code))
        if known is None:
            self._session.add(level)
            return level
        known.coverage, known.stated_at = level.coverage, level.stated_at
        return known

    async def of_nation(self, nation: str, limit: int, offset: int) -> Found[StockLevel]:
        s = stock_levels
        return await _found(self._session, StockLevel, s, s.c.nation == nation, [s.c.item_code], limit, offset)


class NationalPurchaseRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    def add(self, purchase: NationalPurchase) -> None:
        self._session.add(purchase)

    async def get(self, purchase_id: str) -> NationalPurchase | None:
        return await by_key(self._session, NationalPurchase, purchase_id)

    async def remove(self, purchase: NationalPurchase) -> None:
        await self._session.delete(purchase)

    async def with_reference(self, nation: str, reference: str) -> NationalPurchase | None:
        n = national_purchases
        query = select(NationalPurchase).where(n.c.nation == nation, n.c.reference == reference)
        return (await self._session.scalars(query)).first()

    async def page(self, nation: str | None, limit: int, offset: int) -> Found[NationalPurchase]:
        """Newest signed first: one nation's, or (None) every nation's."""
        n = national_purchases
        where = n.c.nation == nation if nation is not None else true()
        order = [n.c.signed_on.desc(), n.c.id]
        return await _found(self._session, NationalPurchase, n, where, order, limit, offset)

    async def purchases(self, nation: str | None) -> list[Purchase]:
        """As the reports count them: one nation's, or (None) every nation's; read as rows,
        the columns a report counts."""
        n = national_purchases.c
        query = select(n.nation, n.value_eur, n.supplier_country, n.supplier_id, n.supplier_name, n.supplier_sme,
                       n.signed_on)  # fmt: skip
        query = query if nation is None else query.where(n.nation == nation)
        return [counted(**row._mapping) for row in await self._session.execute(query)]


_NOT_LISTED = ["deviations", "standards", "certification", "key_performance", "critical_materials", "positions"]
"""What a list of specifications leaves out: a specification's own answer shows it, its
deviations a page at a time. Read for a list, it was JSON decoded for nothing, half of
the cost of a page of a hundred."""


class SpecificationRepository(SessionRepository[Specification]):
    kind = Specification

    async def for_reading(self, specification_id: str) -> Specification | None:
        query = select(Specification).where(specifications.c.id == specification_id)
        shown = query.options(*_leaving_out(Specification, columns=["deviations"]))
        return (await self._session.scalars(shown)).first()

    async def versions(self, reference: str) -> Sequence[Specification]:
        query = select(Specification).where(specifications.c.reference == reference).order_by(specifications.c.version)
        return (await self._session.scalars(query)).all()

    async def page(self, proposed: Reach, harmonised: Reach, limit: int, offset: int) -> Found[Specification]:
        s, named = specifications, specification_nations.c

        def of(nation: str) -> ColumnElement[bool]:
            return s.c.id.in_(select(named.specification_id).where(named.nation == nation))

        def reached(reach: Reach) -> ColumnElement[bool]:
            return _reached(reach, nation=of)

        done = s.c.status == SpecificationStatus.HARMONISED.value
        where = (
            reached(proposed)
            if proposed == harmonised
            else or_(and_(done, reached(harmonised)), and_(~done, reached(proposed)))
        )
        return await _found(
            self._session, Specification, s, where, [s.c.reference, s.c.version], limit, offset,
            _leaving_out(Specification, columns=_NOT_LISTED),
        )  # fmt: skip

    async def deviations(self, specification_id: str, limit: int, offset: int) -> Found[dict[str, Any]]:
        s = specifications
        return await _entries(self._session, s.c.deviations, s.c.id == specification_id, None, limit, offset)

    async def harmonised_materials(self, item_codes: set[str]) -> dict[str, set[str]]:
        if not item_codes:
            return {}
        s = specifications
        query = select(s.c.item_code, s.c.critical_materials).where(
            s.c.item_code.in_(item_codes), s.c.status == SpecificationStatus.HARMONISED.value
        )
        found: dict[str, set[str]] = defaultdict(set)
        for row in (await self._session.execute(query)).all():
            found[row.item_code] |= set(row.critical_materials)
        return dict(found)


class ProcurementRepository(SessionRepository[Procurement]):
    kind = Procurement

    async def page(self, reach: Reach, limit: int, offset: int) -> Found[Procurement]:
        p = procurements
        where = _reached_procurements(reach)
        options = _leaving_out(Procurement, children=["offers"], columns=["evaluation"])
        return await _found(self._session, Procurement, p, where, [p.c.created_at, p.c.id], limit, offset, options)

    async def for_reading(self, procurement_id: str) -> Procurement | None:
        options = _leaving_out(Procurement, children=["offers"], columns=["evaluation"])
        query = select(Procurement).where(procurements.c.id == procurement_id).options(*options)
        return (await self._session.scalars(query)).first()

    async def has_offer(self, procurement_id: str, supplier_id: str) -> bool:
        o = offers
        query = select(exists().where(o.c.procurement_id == procurement_id, o.c.supplier_id == supplier_id))
        return bool(await self._session.scalar(query))

    async def offers(
        self, procurement_id: str, supplier_id: str | None, limit: int, offset: int
    ) -> Found[dict[str, Any]]:
        at = {"procurement_id": procurement_id, "supplier_id": supplier_id}
        listed = _offers_page(by_supplier=supplier_id is not None)
        found, total = await read_counted_page(self._session, listed, at, limit=limit, offset=offset)
        return Found(found, total)

    async def bids(self, procurement_id: str, awarded_offer_id: str | None, first: int) -> tuple[Bids, list[Company]]:
        """The first offers' companies, how many offers there are and the awarded price, in
        one statement: the offers' own terms are not read, their companies' rows only."""
        at = {"procurement_id": procurement_id, "awarded_offer_id": awarded_offer_id, "first": first}
        found = (await self._session.execute(_BIDS, at)).all()
        tenderers = [_company(row) for row in found if row.id is not None]
        return Bids([c.id for c in tenderers], int(found[0].offers), found[0].awarded_price), tenderers

    async def evaluation(
        self, procurement_id: str, only: Only | None, limit: int, offset: int
    ) -> Found[dict[str, Any]]:
        p = procurements
        return await _entries(self._session, p.c.evaluation, p.c.id == procurement_id, only, limit, offset)

    async def open_tenders(
        self, today: date, within: TenderFilter, limit: int, offset: int, *, invited: str | None = None
    ) -> Found[Procurement]:
        p = procurements
        published: ColumnElement[bool] = p.c.invited_supplier_id.is_(None)
        if invited is not None:
            published = or_(published, p.c.invited_supplier_id == invited)
        where = and_(p.c.status == ProcurementStatus.OPEN.value, p.c.offers_due >= today, published)
        if within.item_code is not None:
            where = and_(where, p.c.item_code == within.item_code)
        if within.category is not None:
            # the category is the code up to its first hyphen: the code itself, or the code and more
            # (a category holds letters and digits only, as the route takes it: no wildcard in it)
            where = and_(where, or_(p.c.item_code == within.category, p.c.item_code.like(f"{within.category}-%")))
        options = _leaving_out(Procurement, children=["offers"], columns=["evaluation"])
        return await _found(self._session, Procurement, p, where, [p.c.offers_due, p.c.id], limit, offset, options)


def _bids() -> Select[Any]:
    o, s = offers, suppliers
    of_procurement = o.c.procurement_id == bindparam("procurement_id")
    figures = select(
        select(func.count()).where(of_procurement).scalar_subquery().label("offers"),
        select(o.c.unit_price_eur)
        .where(o.c.id == bindparam("awarded_offer_id"))
        .scalar_subquery()
        .label("awarded_price"),
    ).subquery("figures")
    first = (
        select(o.c.supplier_id, o.c.submitted_at, o.c.id.label("offer_id"))
        .where(of_procurement)
        .order_by(o.c.submitted_at, o.c.id)
        .limit(bindparam("first", type_=Integer))
        .subquery("first")
    )
    joined = figures.outerjoin(first, true()).outerjoin(s, s.c.id == first.c.supplier_id)
    company = [s.c.id, s.c.organisation, s.c.country, s.c.sme]
    return select(figures, *company).select_from(joined).order_by(first.c.submitted_at, first.c.offer_id)


_BIDS = _bids()
"""A tender's figures and the companies of its first offers, in the order they came: the
figures' one row outer-joined, so that a tender without offers still counts none."""


def _company(row: Any) -> Company:
    return Company(row.id, row.organisation, row.country, row.sme)


@functools.cache
def _locked_with_suppliers() -> Select[FrameworkContract, Supplier]:
    """A framework (`framework_id`) locked, a row per supplier it names (PostgreSQL): the
    names read from its JSON object, each supplier found by its key."""
    f, s = frameworks, suppliers
    # a function in FROM sees the rows before it (lateral)
    named = func.json_object_keys(f.c.suppliers).table_valued("key").render_derived(name="named")
    return (
        select(FrameworkContract, Supplier)
        .select_from(f.outerjoin(named, true()).outerjoin(s, s.c.id == named.c.key))
        .where(f.c.id == bindparam("framework_id"))
        .with_for_update(of=f)
    )


class FrameworkRepository(SessionRepository[FrameworkContract]):
    kind = FrameworkContract
    _partial = staticmethod(lambda: _leaving_out(FrameworkContract, columns=["accession_requests"]))

    def __init__(self, session: AsyncSession) -> None:
        super().__init__(session)
        self._placed: dict[str, CallOff] = {}

    async def for_bundle(self, bundle_id: str) -> FrameworkContract | None:
        query = select(FrameworkContract).where(frameworks.c.bundle_id == bundle_id)
        return (await self._session.scalars(query)).first()

    def add_call_off(self, call_off: CallOff) -> None:
        """Written with the commit as a plain row (`take_new`): nothing changes a call-off
        in the transaction that places it."""
        self._placed[call_off.id] = call_off

    async def claim(self, framework_id: str, *, with_suppliers: bool = False) -> None:
        """`with_suppliers`: on PostgreSQL the framework is read locked with the suppliers
        it names, in one statement, for an act that reads one of them next (a call-off
        checks its supplier's security declaration); the session then answers for them."""
        if with_suppliers and _dialect(self._session) == "postgresql":
            found = (await self._session.execute(_locked_with_suppliers(), {"framework_id": framework_id})).all()
            self._session.info.setdefault("claimed", []).extend(o for row in found for o in row if o is not None)
            return
        await claim(
            self._session, frameworks.c.id, framework_id, unchanged=frameworks.c.row_version, kind=FrameworkContract
        )

    async def call_off(self, call_off_id: str) -> CallOff | None:
        return self._placed.get(call_off_id) or await by_key(self._session, CallOff, call_off_id)

    async def parties(self, framework_id: str) -> FrameworkParties | None:
        """One statement of plain rows, as written so far."""
        f = frameworks
        query = select(f.c.contracting_authority, f.c.participants, f.c.coordinators, f.c.suppliers)
        await self._session.flush()
        row = (await self._session.execute(query.where(f.c.id == framework_id))).first()
        if row is None:
            return None
        return FrameworkParties(
            row.contracting_authority, list(row.participants), row.coordinators, list(row.suppliers)
        )

    async def call_off_agreement(self, call_off_id: str) -> Agreement | None:
        """One statement of plain rows; a call-off placed in this transaction is not
        written yet, its framework is."""
        co, f, s = call_offs, frameworks, suppliers
        facts = [f.c.id.label("framework_id"), f.c.contracting_authority, f.c.coordinators, s.c.organisation]
        placed = self._placed.get(call_off_id)
        if placed is not None:
            query = select(*facts).select_from(f.outerjoin(s, s.c.id == placed.supplier_id))
            row = (await self._session.execute(query.where(f.c.id == placed.framework_id))).first()
            values = (placed.nation, placed.quantity, placed.supplier_id, placed.item_code, placed.unit_price_eur)
        else:
            own = [co.c.nation, co.c.quantity, co.c.supplier_id, co.c.item_code, co.c.unit_price_eur]
            joined = co.join(f, f.c.id == co.c.framework_id).outerjoin(s, s.c.id == co.c.supplier_id)
            query = select(*facts, *own).select_from(joined).where(co.c.id == call_off_id)
            row = (await self._session.execute(query)).first()
            values = tuple(row[len(facts) :]) if row is not None else ()
        if row is None:
            return None
        nation, quantity, supplier_id, item_code, unit_price_eur = values
        return Agreement(
            call_off_id,
            row.contracting_authority,
            {nation: quantity},
            supplier_id,
            row.organisation,
            tuple(row.coordinators),
            item_code=item_code,
            unit_price_eur=unit_price_eur,
            framework_id=row.framework_id,
        )

    async def for_reading(self, framework_id: str) -> FrameworkContract | None:
        query = select(FrameworkContract).where(frameworks.c.id == framework_id).options(*self._partial())
        return (await self._session.scalars(query)).first()

    async def ending_between(self, first: date, last: date) -> Sequence[FrameworkContract]:
        f = frameworks
        query = select(FrameworkContract).where(f.c.end.between(first, last)).order_by(f.c.end, f.c.id)
        return (await self._session.scalars(query.options(*self._partial()))).all()

    async def page(self, reach: Reach, limit: int, offset: int) -> Found[FrameworkContract]:
        f = frameworks
        where = _reached_frameworks(reach)
        order = [f.c.created_at, f.c.id]
        return await _found(self._session, FrameworkContract, f, where, order, limit, offset, self._partial())

    async def call_offs(
        self, framework_id: str, nation: str | None, supplier_id: str | None, limit: int, offset: int
    ) -> Found[dict[str, Any]]:
        at = {"framework_id": framework_id, "nation": nation, "supplier_id": supplier_id}
        listed = _call_offs_page(by_nation=nation is not None, by_supplier=supplier_id is not None)
        found, total = await read_counted_page(self._session, listed, at, limit=limit, offset=offset)
        return Found(found, total)

    async def change_log(self, framework_id: str, only: Only | None, limit: int, offset: int) -> Found[dict[str, Any]]:
        picked = None
        if only is not None:
            picked = (
                only.field,
                tuple(sorted(value for value in only.values if value is not None)),
                None in only.values,
            )
        at = {"framework_id": framework_id}
        found, total = await read_counted_page(self._session, _change_log_page(picked), at, limit=limit, offset=offset)
        return Found([_log_entry(row) for row in found], total)

    def take_new(self) -> list[Rows]:
        """The call-offs placed and the entries the acts of this transaction wrote to the
        logs of the frameworks the session holds, for the commit to write with the rest
        (`SqlAlchemyUnitOfWorkBase._commit_after`), after the frameworks' own rows, which
        they refer to."""
        placed, self._placed = list(self._placed.values()), {}
        session = self._session.sync_session
        held = [f for f in (*session.new, *session.identity_map.values()) if isinstance(f, FrameworkContract)]
        entries = []
        for framework in held:
            logged, framework.change_log = framework.change_log, []
            entries += [{"framework_id": framework.id, **entry} for entry in logged]
        return rows_of(call_offs, placed) + ([(insert_into(framework_changes), entries)] if entries else [])

    async def accession_requests(
        self, framework_id: str, only: Only | None, limit: int, offset: int
    ) -> Found[dict[str, Any]]:
        f = frameworks
        return await _entries(self._session, f.c.accession_requests, f.c.id == framework_id, only, limit, offset)

    async def purchases(self, sight: Sight) -> list[Purchase]:
        """Each nation's call-offs the caller sees, by supplier origin."""
        return await _call_off_purchases(_dialect(self._session), sight).each(self._session)

    async def origin_values(self, sight: Sight) -> list[Purchase]:
        """Each nation's value of the call-offs the caller sees, per country of the supplier."""
        return await _call_off_purchases(_dialect(self._session), sight).by_origin(self._session)

    async def exposures(self, sight: Sight) -> list[Exposure]:
        co = call_offs
        seen = _reached_call_offs(sight.whole)
        return await _exposures(
            self._session, co, co.c.id, co.c, co.c.item_code, co.c.unit_price_eur, co.c.supplier_id, seen, sight.own
        )


def _day(value: date | str) -> date:
    """The day of a date or a timestamp read without the column's own conversion: from
    PostgreSQL's driver a date or a UTC datetime, from SQLite the ISO 8601 text it keeps
    (a timestamp in UTC, as `UtcDateTime` writes it)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(value[:10])


class DeliveryLotRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    def add(self, lot: DeliveryLot) -> None:
        self._session.add(lot)

    async def remove(self, lot: DeliveryLot) -> None:
        await self._session.delete(lot)

    async def get(self, lot_id: str) -> DeliveryLot | None:
        return await by_key(self._session, DeliveryLot, lot_id)

    async def take_unless_held(self, lot_id: str) -> bool:
        """On PostgreSQL `FOR UPDATE SKIP LOCKED`; on SQLite, which has one writer, always."""
        lot = delivery_lots
        query = select(lot.c.id).where(lot.c.id == lot_id).with_for_update(skip_locked=True)
        return (await self._session.execute(query)).first() is not None

    async def placed(self, lot_id: str) -> tuple[str, str] | None:
        lot = delivery_lots
        row = (await self._session.execute(select(lot.c.contract_id, lot.c.nation).where(lot.c.id == lot_id))).first()
        return None if row is None else (row.contract_id, row.nation)

    async def for_contract(self, contract_id: str) -> Sequence[DeliveryLot]:
        query = select(DeliveryLot).where(delivery_lots.c.contract_id == contract_id).order_by(*_DUE)
        return (await self._session.scalars(query)).all()

    async def claims(self, supplier_id: str, item_code: str) -> list[Claim]:
        """The open lots of every contract and call-off the supplier delivers the item
        under, as calls on its output, each with the day its order was placed and its
        nation's stated stock against the NATO norm.

        A supplier's book runs to thousands of open lots, read whole at every reading of
        its allocation: the lots come from an index that holds every field read, the
        stock levels (a few dozen nations) once beside them, and the dates as the driver
        hands them over (`_day`)."""
        lots, stock = delivery_lots, stock_levels
        stated = select(stock.c.nation, stock.c.coverage).where(stock.c.item_code == item_code)
        coverage: dict[str, float] = dict((await self._session.execute(stated)).tuples().all())
        fields = (lots.c.id, lots.c.contract_id, lots.c.nation, lots.c.beneficiary, lots.c.quantity, lots.c.delivered,
                  type_coerce(lots.c.due_date, String))  # fmt: skip
        open_ = lots.c.delivered < lots.c.quantity
        under_contracts = (
            select(*fields, type_coerce(contracts.c.created_at, String))
            .join(contracts, contracts.c.id == lots.c.contract_id)
            .where(contracts.c.supplier_id == supplier_id, contracts.c.item_code == item_code, open_)
        )
        under_call_offs = (
            select(*fields, type_coerce(call_offs.c.placed_at, String))
            .join(call_offs, call_offs.c.id == lots.c.contract_id)
            .where(call_offs.c.supplier_id == supplier_id, call_offs.c.item_code == item_code, open_)
        )
        found = await self._session.execute(union_all(under_contracts, under_call_offs))
        return [
            Claim(lot, agreement, nation, to or nation, quantity - made, _day(due), _day(placed), coverage.get(nation))
            for lot, agreement, nation, to, quantity, made, due, placed in found.tuples().all()
        ]

    async def open_lots(self) -> Sequence[DeliveryLot]:
        lot = delivery_lots
        query = select(DeliveryLot).where(lot.c.delivered < lot.c.quantity).order_by(lot.c.contract_id, lot.c.due_date)
        return (await self._session.scalars(query)).all()

    async def page(self, contract_id: str, nations: set[str] | None, limit: int, offset: int) -> Found[ListedLot]:
        at: dict[str, Any] = {"contract_id": contract_id}
        if nations is not None:
            at["nations"] = sorted(nations)
        listed = _schedule_page(some_nations=nations is not None)
        found, total = await read_counted_page(self._session, listed, at, limit=limit, offset=offset)
        return Found([ListedLot(**row) for row in found], total)

    async def first_due(self, agreement_id: str, limit: int) -> Found[dict[str, Any]]:
        """The first lots of a schedule as they fall due, each the fields of a lot but its
        history, and how many it has, in one statement."""
        at = {"agreement_id": agreement_id}
        read, total = await read_counted_page(self._session, _first_due(), at, limit=limit, offset=0)
        return Found(read, total)

    async def deliveries(self, lot_id: str, limit: int, offset: int) -> Found[dict[str, Any]]:
        lot = delivery_lots
        return await _entries(self._session, lot.c.deliveries, lot.c.id == lot_id, None, limit, offset)

    async def history(self, lot_id: str, limit: int, offset: int) -> Found[dict[str, Any]]:
        lot = delivery_lots
        return await _entries(self._session, lot.c.history, lot.c.id == lot_id, None, limit, offset)

    async def progress(self, sight: Sight, today: date, limit: int, offset: int) -> Found[DeliveryProgress]:
        report = _progress_report(_dialect(self._session), sight)
        rows, total = await _report_page(self._session, report, {"today": today}, limit, offset)
        return Found([DeliveryProgress(**row) for row in rows], total)

    async def by_funder(
        self, sight: Sight, funder: str | None, today: date, limit: int, offset: int
    ) -> Found[FundedDeliveries]:
        report = _funded_report(_dialect(self._session), sight, one_funder=funder is not None)
        at = {"today": today, **({"funder": funder} if funder is not None else {})}
        found, total = await _report_page(self._session, report, at, limit, offset)
        return Found([FundedDeliveries(**x | {"paid_through": PaidThrough(x["paid_through"])}) for x in found], total)


@dataclass(frozen=True)
class _Report:
    """A report's statements, built once per reader: a page of its rows, each with the
    count of rows (`limit`, `offset`), and the count alone. Built anew for each read, a
    report's statement cost as much as the database's adding up of a desk's lots."""

    page: Select[Any]
    count: Select[Any]


def _report(rows_of: FromClause, where: ColumnElement[bool], order: Sequence[Any]) -> _Report:
    total_of = func.count().over().label("_total")
    limit, offset = bindparam("limit", type_=Integer), bindparam("offset", type_=Integer)
    page = select(rows_of, total_of).where(where).order_by(*order).limit(limit).offset(offset)
    return _Report(page, select(func.count()).select_from(rows_of).where(where))


_TODAY = bindparam("today", type_=Date)
"""The day a report's lots fall due by, or not yet."""


@functools.lru_cache(maxsize=REACHES_KEPT)
def _progress_report(dialect: str, sight: Sight) -> _Report:
    """Planned against delivered per contract, nation and where the lots go."""
    rows_of = _progress_rows(dialect, sight)
    return _report(rows_of, true(), [rows_of.c.contract_id, rows_of.c.nation, rows_of.c.deliver_to])


def _progress_rows(dialect: str, sight: Sight) -> Subquery:
    """The rows of planned against delivered: each part of the lots seen added up on its
    own, as its lots are read (`_lots_apart`), then its rows named by where the lots go."""
    lot = delivery_lots
    row = (lot.c.contract_id, lot.c.nation, lot.c.beneficiary)
    parts = [
        select(*row, *_figures(_TODAY)).where(where).group_by(*first, *row)
        for where, first in _lots_apart(dialect, sight)
    ]
    added = _together(parts).subquery("added")
    deliver_to = func.coalesce(added.c.beneficiary, added.c.nation)
    figures = [func.sum(added.c[name]).label(name) for name in _FIGURES]
    return (
        select(added.c.contract_id, added.c.nation, deliver_to.label("deliver_to"), *figures)
        .group_by(added.c.contract_id, added.c.nation, deliver_to)
        .subquery("rows_of")
    )


@functools.lru_cache(maxsize=REACHES_KEPT)
def _funded_report(dialect: str, sight: Sight, *, one_funder: bool) -> _Report:
    """Two kinds of rows, one query: each buying nation's own lots as the report per
    contract and nation shows them (own budget), and each pledging nation's row of every
    contract it pays toward, with all the contract's lots (pledges); every funder's, or
    one's (`funder`)."""
    lot, c = delivery_lots, contracts
    # a call-off has no contract: its row names no instrument
    bought, by_nation = contracts.alias("bought"), _progress_rows(dialect, sight)
    own = select(
        by_nation.c.nation.label("funder"),
        literal_column(f"'{PaidThrough.OWN_BUDGET.value}'").label("paid_through"),
        by_nation.c.contract_id,
        by_nation.c.deliver_to,
        bought.c.funding_instrument,
        *(by_nation.c[name] for name in _FIGURES),
    ).select_from(by_nation.outerjoin(bought, bought.c.id == by_nation.c.contract_id))
    payer = contract_funders
    # a payer by pledges sees the buyers' own forces together, as a partner sees totals
    deliver_to = func.coalesce(delivery_lots.c.beneficiary, literal_column(f"'{BUYERS_OWN_FORCES}'"))
    whole_or_own = [_reached_contracts(sight.whole), *([payer.c.nation == sight.funder] if sight.funder else [])]
    pledged = (
        select(
            payer.c.nation.label("funder"),
            literal_column(f"'{PaidThrough.PLEDGES.value}'").label("paid_through"),
            lot.c.contract_id.label("contract_id"),
            deliver_to.label("deliver_to"),
            c.c.funding_instrument.label("funding_instrument"),
            *_figures(_TODAY),
        )
        .select_from(payer.join(c, c.c.id == payer.c.contract_id).join(lot, lot.c.contract_id == c.c.id))
        .where(_any(whole_or_own))
        .group_by(payer.c.nation, lot.c.contract_id, deliver_to, c.c.funding_instrument)
    )
    rows_of = union_all(own, pledged).subquery()
    where = rows_of.c.funder == bindparam("funder") if one_funder else true()
    order = [rows_of.c.funder, rows_of.c.paid_through, rows_of.c.contract_id, rows_of.c.deliver_to]
    return _report(rows_of, where, order)


async def _report_page(
    session: AsyncSession, report: _Report, at: dict[str, Any], limit: int, offset: int
) -> tuple[list[dict[str, Any]], int]:
    """A page of a report's rows and how many rows it has, from one adding up of the lots.

    The rows are sums over every lot the caller sees, and the count of rows is only known
    once they are added up: asked for in a statement of its own, the database added every
    lot up twice. Past the end no row carries the count, so it is asked for then alone."""
    found = await session.execute(report.page, {**at, "limit": limit, "offset": offset})
    rows = [dict(row._mapping) for row in found.all()]
    if rows:
        total = int(rows[0]["_total"])
    elif offset > 0:
        total = int(await session.scalar(report.count, at) or 0)
    else:
        total = 0
    return [_counted({k: v for k, v in row.items() if k != "_total"}) for row in rows], total


_DUE = (delivery_lots.c.due_date, delivery_lots.c.nation, delivery_lots.c.id)
"""A schedule's order: as its lots fall due."""

_LOT_FIELDS = [c.name for c in delivery_lots.c if c.name not in ("history", "row_version")]
"""What a lot is read with when its history is not wanted: the fields of a lot but that."""


@functools.cache
def _offers_page(*, by_supplier: bool) -> Select[Any]:
    """A page of a procurement's offers (`procurement_id`) in the order they came, and
    their count: every offer, or a supplier's (`supplier_id`)."""
    o = offers
    where = [o.c.procurement_id == bindparam("procurement_id")]
    if by_supplier:
        where.append(o.c.supplier_id == bindparam("supplier_id"))
    return counted_page(list(o.c), where, o.c.id, after=[o.c.submitted_at])


@functools.cache
def _schedule_page(*, some_nations: bool) -> Select[Any]:
    """A page of a schedule (`contract_id`) and its count, its lots as a list shows them:
    every lot, or those of the `nations`."""
    lot = delivery_lots
    where = [lot.c.contract_id == bindparam("contract_id")]
    if some_nations:
        where.append(lot.c.nation.in_(bindparam("nations", expanding=True)))
    due_date, nation, key = _DUE
    return counted_page([lot.c[f.name] for f in fields(ListedLot)], where, key, after=[due_date, nation])


@functools.cache
def _call_offs_page(*, by_nation: bool, by_supplier: bool) -> Select[Any]:
    """A page of a framework's call-offs (`framework_id`) in the order placed, and their
    count: every call-off, or a `nation`'s, or those placed with a supplier (`supplier_id`)."""
    co = call_offs
    where = [co.c.framework_id == bindparam("framework_id")]
    if by_nation:
        where.append(co.c.nation == bindparam("nation"))
    if by_supplier:
        where.append(co.c.supplier_id == bindparam("supplier_id"))
    return counted_page(list(co.c), where, co.c.id, after=[co.c.placed_at])


@functools.cache
def _first_due() -> Select[Any]:
    lot = delivery_lots
    scheduled = lot.c.contract_id == bindparam("agreement_id")
    due_date, nation, key = _DUE
    return counted_page([lot.c[name] for name in _LOT_FIELDS], [scheduled], key, after=[due_date, nation])


_FIGURES = ("planned", "delivered", "due_so_far", "met", "partially_met", "not_met", "open")


def _figures(today: Any) -> list[Any]:
    """What a report adds up of the lots of a row (`LotFigures`), each labelled by its field."""
    lot = delivery_lots
    met = lot.c.delivered >= lot.c.quantity
    started = lot.c.delivered > 0

    def count(condition: ColumnElement[bool]) -> Any:
        return func.count().filter(condition)

    figures = [
        func.sum(lot.c.quantity),
        func.sum(lot.c.delivered),
        func.coalesce(func.sum(lot.c.quantity).filter(lot.c.due_date <= today), 0),
        count(met),
        count(and_(started, ~met)),
        count(and_(~started, ~met, lot.c.due_date < today)),
        count(and_(~started, ~met, lot.c.due_date >= today)),
    ]
    return [figure.label(name) for figure, name in zip(figures, _FIGURES, strict=True)]


def _counted(row: Any) -> dict[str, Any]:
    """A row's fields, its figures as whole numbers (a database may sum into decimals)."""
    return {name: int(value) if name in _FIGURES else value for name, value in row.items()}


@functools.lru_cache(maxsize=REACHES_KEPT)
def _lots_apart(dialect: str, sight: Sight) -> tuple[tuple[ColumnElement[bool], tuple[Any, ...]], ...]:
    """The lots the caller sees, in parts that share no contract or call-off, each with
    the columns its lots are read in order of before a report's row's (contract, nation,
    where the lots go); kept built, as the reaches they are made of are.

    A part is read from one index in the order of a report's rows and added up as it is
    read; lots found by several tests at once (contracts seen whole, frameworks led, a
    nation's own lots) came unordered and were sorted before being added up, which cost a
    lead more than reading them. As no row is made of two parts, the parts' rows need no
    adding up together beyond where the lots go. The parts:

    - the lots of the contracts and call-offs whose every nation the caller sees, but the
      call-offs of the frameworks it leads;
    - the lots of those call-offs, found by their framework: a lead's frameworks hold tens
      of thousands of call-offs, each a look-up when asked by id;
    - its own nation's lots of the others it takes part in."""
    lot, c, line, co = delivery_lots, contracts, contract_lines, call_offs
    whole = sight.whole
    if whole.everything:
        return ((true(), ()),)
    seen_whole: Any = select(c.c.id).where(_reached_contracts(whole))
    if whole.nation or whole.supplier_id:
        seen_whole = union_all(seen_whole, select(co.c.id).where(_own_call_offs(whole)))
    led = _frameworks_led(whole)
    not_led = true() if led is None else or_(lot.c.framework_id.is_(None), lot.c.framework_id.not_in(led))
    parts: list[tuple[ColumnElement[bool], tuple[Any, ...]]] = [(and_(lot.c.contract_id.in_(seen_whole), not_led), ())]
    if led is not None:
        parts.append((lot.c.framework_id.in_(led), (lot.c.framework_id,)))
    if sight.own is not None:
        in_lines = select(line.c.contract_id).where(line.c.nation == sight.own)
        taken_part_in = union_all(in_lines, select(co.c.id).where(co.c.nation == sight.own))
        own = [lot.c.nation == sight.own, lot.c.contract_id.in_(taken_part_in), lot.c.contract_id.not_in(seen_whole)]
        parts.append((and_(*own, not_led), ()))
    return tuple(parts)


class ExpiryNoticeRepository:
    """The horizons told, as plain rows: written once each, never changed."""

    CHUNK = 1_000  # ids asked about in one statement, well inside either database's parameter limit

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def told(self, agreement_ids: Sequence[str]) -> dict[str, set[int]]:
        n = expiry_notices.c
        found: dict[str, set[int]] = defaultdict(set)
        for i in range(0, len(agreement_ids), self.CHUNK):
            chunk = list(agreement_ids[i : i + self.CHUNK])
            query = select(n.agreement_id, n.horizon_years).where(n.agreement_id.in_(chunk))
            for agreement_id, horizon in await self._session.execute(query):
                found[agreement_id].add(int(horizon))
        return dict(found)

    async def add(self, notices: Sequence[ExpiryNotice]) -> None:
        if notices:
            await self._session.execute(insert(expiry_notices), [vars(notice) for notice in notices])


def _releases() -> Select[Any]:
    r = ocds_releases
    of_process = r.c.ocid == bindparam("ocid")
    total = select(select(func.count()).where(of_process).scalar_subquery().label("total")).subquery("counted")
    newest = r.c.date.desc(), r.c.id.desc()
    head = [r.c.id.label("latest_id"), r.c.date, r.c.digest, r.c.sources]
    latest = select(*head).where(of_process).order_by(*newest).limit(1).subquery("latest")
    walk = select(r.c.date, r.c.id, r.c.release).where(of_process).order_by(r.c.date, r.c.id)
    page = walk.limit(bindparam("limit", type_=Integer)).offset(bindparam("offset", type_=Integer)).subquery("page")
    joined = total.outerjoin(latest, true()).outerjoin(page, true())
    figures = [total.c.total, *latest.c]
    return select(*figures, page.c.release).select_from(joined).order_by(page.c.date, page.c.id)


_RELEASES = _releases()
"""A process's latest release as a new one is weighed against it, a page of its releases
in the order published and how many there are: the count's one row outer-joined, so that
a page past the end still counts them."""


class OcdsReleaseRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def page(self, ocid: str, limit: int, offset: int) -> tuple[Latest | None, Found[dict[str, Any]]]:
        """The latest release, the page and the count in one statement."""
        at = {"ocid": ocid, "limit": limit, "offset": offset}
        found = (await self._session.execute(_RELEASES, at)).all()
        first = found[0]
        latest = None if first.latest_id is None else Latest(first.latest_id, first.date, first.digest, first.sources)
        return latest, Found([row.release for row in found if row.release is not None], int(first.total))

    async def add(self, published: PublishedRelease) -> None:
        """Two exports racing to publish the same change make the same release: one is kept."""
        dialect = _dialect(self._session)
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        values = {
            "id": published.id,
            "ocid": published.ocid,
            "date": published.date,
            "digest": published.digest,
            "release": published.release,
            "sources": published.sources,
        }
        await self._session.execute(insert(ocds_releases).values(values).on_conflict_do_nothing())

    async def vouch(self, release_id: str, sources: str) -> None:
        r = ocds_releases
        await self._session.execute(update(r).where(r.c.id == release_id).values(sources=sources))
