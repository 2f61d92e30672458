"""Tables and the classical mapping of the contracts context onto them.

Specifications, procurements, framework contracts and delivery lots carry a row version:
two requests changing the same one at once (two nations agreeing, two call-offs against
one ceiling) cannot both win; the later one fails and is told to retry.

Value lists that are always read and written with their owner (deviations, weights,
a contract's change log, deliveries of a lot) are JSON columns; the domain replaces them
rather than mutating them in place, so every change is seen and saved. A framework's
change log grows with every call-off, without bound: it is a table of its own, appended to
and read a page at a time, never loaded with the framework.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Column, ColumnElement, ForeignKey, Index, MetaData, Table, UniqueConstraint, and_, event, inspect
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.orm import registry, relationship
from sqlalchemy.schema import SchemaItem
from sqlalchemy.sql.expression import false
from sqlalchemy.sql.expression import text as sql_text
from sqlalchemy.types import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    Enum,
    Float,
    Integer,
    Numeric,
    String,
    Text,
    TypeDecorator,
)

from bundling_shared.db import UtcDateTime, required
from bundling_shared.messaging.tables import outbox_table, processed_messages_table
from bundling_shared.repository import KEPT_AS_ROWS
from contracts.domain.allocation import StockLevel
from contracts.domain.contract import Contract, ContractLine
from contracts.domain.deliveries import DeliveryLot
from contracts.domain.frameworks import CallOff, FrameworkContract
from contracts.domain.materials import Material
from contracts.domain.money import eur_or_none, text
from contracts.domain.national_purchases import NationalPurchase
from contracts.domain.procurement import Offer, Procurement
from contracts.domain.production import ProductionLine, RateStep
from contracts.domain.specifications import Specification
from contracts.domain.suppliers import IndustrialBase, Supplier
from contracts.domain.weighing import Weights

metadata = MetaData()

Eur = Numeric(15, 2, asdecimal=True)
"""EUR with cents, exact: up to one trillion (13 digits before the point)."""
EurSum = Numeric(24, 2, asdecimal=True)
"""A sum of EUR amounts with cents: what a framework without a value ceiling called off
may pass a trillion (a whole ceiling in items, each at the highest price)."""


class _PricesBySupplier(TypeDecorator[dict[str, Decimal | None]]):
    """A framework's suppliers and their unit prices in a JSON object; JSON has no decimal,
    so a price is kept as its text with cents (a number written before is read as well)."""

    impl = JSON
    cache_ok = True

    def process_bind_param(self, value: dict[str, Decimal | None] | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        return {supplier: None if price is None else text(price) for supplier, price in value.items()}

    def process_result_value(self, value: Any, dialect: Dialect) -> dict[str, Decimal | None] | None:
        if value is None:
            return None
        return {supplier: eur_or_none(price) for supplier, price in value.items()}


PricesBySupplier = _PricesBySupplier()


def _values_of(enumeration: type[IndustrialBase]) -> list[str]:
    return [member.value for member in enumeration]


class _WeightsJson(TypeDecorator[Weights]):
    """A procurement's published weights as a JSON object, criterion by criterion."""

    impl = JSON
    cache_ok = True

    def process_bind_param(self, value: Weights | None, dialect: Dialect) -> Any:
        return None if value is None else value.as_dict()

    def process_result_value(self, value: Any, dialect: Dialect) -> Weights | None:
        return None if value is None else Weights(**value)


class _RatesJson(TypeDecorator[list[RateStep]]):
    """A production line's ramp-up as a JSON list of steps: the month as an ISO date."""

    impl = JSON
    cache_ok = True

    def process_bind_param(self, value: list[RateStep] | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        return [{"month": step.month.isoformat(), "units_per_month": step.units_per_month} for step in value]

    def process_result_value(self, value: Any, dialect: Dialect) -> list[RateStep] | None:
        if value is None:
            return None
        return [RateStep(date.fromisoformat(step["month"]), int(step["units_per_month"])) for step in value]


# The aggregates' tables and the columns several tables hold, declared once so that they
# agree wherever they stand.
def _aggregate(name: str, *columns: SchemaItem) -> Table:
    """The table of an aggregate, keyed by the id the aggregate makes itself (a prefix and
    random hex digits: `contract-…`, `fw-…`, `lot-…`)."""
    return Table(name, metadata, Column("id", String(40), primary_key=True), *columns)


def _item_code() -> Column[str]:
    return required("item_code", String(80))


def _authority() -> Column[str]:
    """The lead nation or agency contracting for the others."""
    return required("contracting_authority", String(40))


def _nation(name: str = "nation") -> Column[str]:
    """A nation or a country: its ISO 3166-1 alpha-3 code."""
    return required(name, String(3))


def _quantity() -> Column[int]:
    return required("quantity", Integer)


def _row_version() -> Column[int]:
    return required("row_version", Integer)


def _created_at() -> Column[Any]:
    return required("created_at", UtcDateTime())


def _coordinators() -> Column[Any]:
    """Coordinators the lead assigned to run it besides its own."""
    return required("coordinators", JSON, server_default="[]", info={KEPT_AS_ROWS: True})


mapper_registry = registry(metadata=metadata)
outbox = outbox_table(metadata)
processed_messages = processed_messages_table(metadata)

contracts = _aggregate(
    "contracts",
    required("bundle_id", String(40)),
    _item_code(),
    _authority(),
    required("window_start", Date),
    required("window_end", Date),
    _created_at(),
    # "all" for the one contract of a joint order, else the buying nation: one contract
    # per joint order and part, whatever happens to redeliveries.
    required("part", String(40), server_default="all"),
    Column("supplier_id", String(40), nullable=True),
    Column("unit_price_eur", Eur, nullable=True),
    required("change_log", JSON, default=list),
    required("funded_by", JSON, default=list, server_default="[]", info={KEPT_AS_ROWS: True}),
    Column("funding_instrument", String(40), nullable=True),
    # The signed supplier's obligation: per nation, its share of production, from this offer.
    required("local_production", JSON, default=dict, server_default="{}"),
    Column("local_production_offer_id", String(40), nullable=True),
    UniqueConstraint("bundle_id", "part", name="uq_contracts_bundle_part"),
    # The list of contracts, oldest first: every one, those a lead leads, those a company supplies.
    Index("ix_contracts_listed", "created_at", "id"),
    Index("ix_contracts_authority_listed", "contracting_authority", "created_at", "id"),
    Index("ix_contracts_supplier", "supplier_id"),
    Index("ix_contracts_window_end", "window_end"),  # those nearing their end, looked at for horizons
)

contract_lines = Table(
    "contract_lines",
    metadata,
    Column("contract_id", String(40), ForeignKey("contracts.id", ondelete="CASCADE"), primary_key=True),
    Column("nation", String(3), primary_key=True),
    _quantity(),
    required("ukraine_quantity", Integer, server_default="0"),
    # The contracts a nation takes part in.
    Index("ix_contract_lines_nation", "nation", "contract_id"),
)


def _nations(name: str, owner: str, key: str) -> Table:
    """Nations an object of `owner` names, a row each, and by nation the objects naming it."""
    return Table(
        name,
        metadata,
        Column(key, String(40), ForeignKey(f"{owner}.id", ondelete="CASCADE"), primary_key=True),
        Column("nation", String(3), primary_key=True),
        Index(f"ix_{name}_nation", "nation", key),
    )


# The nations paying toward a contract by pledges (`funded_by`), a row each: written with
# the contract, read by the report by funder. Found as the elements of the JSON list, every
# contract's list was opened and PostgreSQL, guessing a hundred payers a contract, planned
# for fifty thousand rows and a parallel worker where there were a hundred.
contract_funders = _nations("contract_funders", "contracts", "contract_id")

contract_modes = Table(
    "contract_modes",
    metadata,
    Column("bundle_id", String(40), primary_key=True),
    required("mode", String(20)),
)

# The lead of a bundle not yet committed, as demand announced it when opening the bundle:
# the one whose coordinators decide how the joint order will be contracted.
joint_order_leads = Table(
    "joint_order_leads",
    metadata,
    Column("bundle_id", String(40), primary_key=True),
    required("lead", String(40)),
)

# A committed joint order or framework a rule of the contract refused, with the reason:
# what the bundle's participants find instead of its contract.
uncontracted_commitments = Table(
    "uncontracted_commitments",
    metadata,
    Column("bundle_id", String(40), primary_key=True),
    required("kind", String(20)),
    _item_code(),
    required("lead", String(40)),
    required("nations", JSON),
    required("reason", Text),
    required("refused_at", UtcDateTime()),
)

suppliers = _aggregate(
    "suppliers",
    required("organisation", String(80), unique=True),
    _nation("country"),
    required("sme", Boolean),
    required("controlled_from_non_associated_country", Boolean),
    # Kept as the text of its value, in the 20 characters the column was made with.
    required("industrial_base", Enum(IndustrialBase, native_enum=False, values_callable=_values_of, length=20)),
    Column("security_declaration_valid_until", Date, nullable=True),
)

# What a company can make: its rate per month as it ramps up, its minimum economic
# quantity and the inputs it depends on; the revisions it went through, in words.
production_lines = _aggregate(
    "production_lines",
    required("supplier_id", String(40), index=True),
    required("organisation", String(80)),
    _item_code(),
    required("site", String(200)),
    _nation("country"),
    required("earliest_start", Date),
    required("minimum_economic_quantity", BigInteger),
    required("rates", _RatesJson()),
    required("inputs", JSON),
    required("declared_at", UtcDateTime()),
    required("revised_at", UtcDateTime()),
    required("revision", Integer),
    required("history", JSON),
    Index("ix_production_lines_item", "item_code", "declared_at", "id"),
)

# Each nation's stock of an item against the NATO norm, as its desk states it: the
# allocation of a supplier's output ranks by it.
stock_levels = Table(
    "stock_levels",
    metadata,
    Column("nation", String(3), primary_key=True),
    Column("item_code", String(80), primary_key=True),
    required("coverage", Float),
    required("stated_at", UtcDateTime()),
)

# The critical materials and components the nations' specifications and industry's lines
# name: reference data admin and coordinators keep, seeded by the migration that made it.
materials = Table(
    "materials",
    metadata,
    Column("name", String(80), primary_key=True),
    required("category", String(30)),
    required("risk", String(20)),
    required("origins", JSON),
    required("note", Text),
    required("revised_at", UtcDateTime()),
    required("revised_by", String(80)),
)

# A nation's purchases contracted outside the platform, as its desk records them: the
# reports by year count them with the contracts made here. One record per national
# contract number; listed and reported by nation and day signed.
national_purchases = _aggregate(
    "national_purchases",
    _nation(),
    required("reference", String(80)),
    required("supplier_name", String(200)),
    _nation("supplier_country"),
    required("supplier_sme", Boolean),
    Column("supplier_id", String(64), nullable=True),
    required("value_eur", Eur),
    required("signed_on", Date),
    required("description", String(500)),
    required("recorded_at", UtcDateTime()),
    UniqueConstraint("nation", "reference", name="uq_national_purchases_reference"),
    Index("ix_national_purchases_signed", "nation", "signed_on", "id"),
)

specifications = _aggregate(
    "specifications",
    required("reference", String(80)),
    required("version", Integer),
    _item_code(),
    required("title", String(200)),
    required("standards", JSON),
    Column("certification", String(200), nullable=True),
    required("key_performance", JSON),
    required("critical_materials", JSON),
    required("nations", JSON, info={KEPT_AS_ROWS: True}),
    required("deviations", JSON),
    required("positions", JSON),
    required("status", String(20)),
    Column("outcome", Text, nullable=True),
    required("proposed_by", String(80)),
    _row_version(),
    _created_at(),
    UniqueConstraint("reference", "version", name="uq_specifications_reference_version"),
    # The list of specifications by reference and version, those harmonised on their own.
    Index("ix_specifications_status_listed", "status", "reference", "version"),
)

procurements = _aggregate(
    "procurements",
    _item_code(),
    _authority(),
    _nation("buyer_nation"),
    required("nations", JSON, info={KEPT_AS_ROWS: True}),
    _quantity(),
    required("tender_date", Date),
    required("weights", _WeightsJson()),
    required("quality_gates", JSON),
    Column("funding_instrument", String(40), nullable=True),
    required("standstill_days", Integer),
    required("offers_due", Date),
    Column("bundle_id", String(40), nullable=True),
    Column("delivery_start", Date, nullable=True),
    Column("delivery_end", Date, nullable=True),
    required("status", String(20)),
    Column("awarded_offer_id", String(40), nullable=True),
    Column("awarded_supplier_id", String(40), nullable=True),
    Column("standstill_until", Date, nullable=True),
    _row_version(),
    required("evaluation", JSON),
    _coordinators(),
    _created_at(),
    required("procedure", String(40), server_default="open"),
    Column("invited_supplier_id", String(40), nullable=True),
    required("justification", String(500), server_default=""),
    # The tenders companies may still offer to, by item, soonest deadline first.
    Index("ix_procurements_open_by_due", "status", "offers_due", "id"),
)

offers = _aggregate(
    "offers",
    required("procurement_id", String(40), ForeignKey("procurements.id", ondelete="CASCADE")),
    required("supplier_id", String(40)),
    required("unit_price_eur", Eur),
    required("first_delivery", Date),
    required("monthly_rate", Integer),
    _nation("origin_country"),
    required("eu_component_share", Float),
    required("non_associated_component_share", Float),
    required("local_production", JSON),
    required("licence_transfer", Boolean),
    required("national_supplier_role", Boolean),
    required("quality_gates", JSON),
    required("submitted_at", UtcDateTime()),
    UniqueConstraint("procurement_id", "supplier_id", name="uq_offers_procurement_supplier"),
    # A procurement's offers in the order they came.
    Index("ix_offers_procurement_submitted", "procurement_id", "submitted_at", "id"),
)

frameworks = _aggregate(
    "frameworks",
    Column("bundle_id", String(40), nullable=True, unique=True),
    _item_code(),
    required("items", JSON),
    _authority(),
    required("participants", JSON, info={KEPT_AS_ROWS: True}),
    required("ceiling_quantity", Integer),
    Column("ceiling_value_eur", Eur, nullable=True),
    required("start", Date),
    required("end", Date),
    required("suppliers", PricesBySupplier, info={KEPT_AS_ROWS: True}),
    _row_version(),
    _coordinators(),
    required("accession_policy", String(20), server_default="approval_required"),
    required("pooled_shares", Boolean, server_default=false()),
    # Requests to accede with their state: pending until the lead decides.
    required("accession_requests", JSON, server_default="[]"),
    # What was called off so far, in all and per nation: on the framework's row, so that
    # the row version that turns two call-offs at once into a conflict covers every total
    # a call-off is checked against, written in the one statement that checks it.
    required("called_off_quantity", Integer, server_default="0"),
    required("called_off_value_eur", EurSum, server_default="0"),
    required("called_off_by_nation", JSON, server_default="{}"),
    _created_at(),
    # The list of frameworks, oldest first: every one, those a lead leads.
    Index("ix_frameworks_listed", "created_at", "id"),
    Index("ix_frameworks_authority_listed", "contracting_authority", "created_at", "id"),
    Index("ix_frameworks_end", "end"),  # those nearing their end, looked at for horizons
)

PARTICIPANT, COORDINATOR, SUPPLIER, NATION = "participant", "coordinator", "supplier", "nation"
"""How a framework's or a procurement's rows of parties name a party (`relation`)."""


def _parties(name: str, owner: str, key: str) -> Table:
    """Who an object of `owner` names, a row each, by `relation`: its participating nations,
    the coordinators its lead assigned, the companies it was signed with. Written with the
    object (`_kept_as_rows`), read where a caller's lists and reports find what it takes
    part in. Found in the object's JSON lists instead, every object was opened and tested,
    for every page and count, however few of them were the caller's."""
    return Table(
        name,
        metadata,
        Column(key, String(40), ForeignKey(f"{owner}.id", ondelete="CASCADE"), primary_key=True),
        Column("relation", String(12), primary_key=True),
        Column("party", String(80), primary_key=True),
        # The objects a party takes part in, in one relation.
        Index(f"ix_{name}_party", "party", "relation", key),
    )


framework_parties = _parties("framework_parties", "frameworks", "framework_id")
procurement_parties = _parties("procurement_parties", "procurements", "procurement_id")

# The nations a specification harmonises, as the parties above.
specification_nations = _nations("specification_nations", "specifications", "specification_id")

# The horizons ahead of its end at which a contract or framework was told to its parties,
# one row each: a horizon is told once, whatever the service restarts or looks again.
expiry_notices = Table(
    "expiry_notices",
    metadata,
    Column("agreement_id", String(40), primary_key=True),
    Column("horizon_years", Integer, primary_key=True),
    required("kind", String(20)),
    required("told_on", Date),
    required("announced", Boolean),
)

# A framework's change log, one row per entry in the order written: an act appends its
# entries in one statement, whatever the log holds already. `at` is the text the entry was
# written with (the service clock's moment in ISO 8601), shown as written; `scope` is "all"
# or the nation whose part the entry is, empty for an entry kept without one.
framework_changes = Table(
    "framework_changes",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    required("framework_id", String(40), ForeignKey("frameworks.id", ondelete="CASCADE")),
    required("at", String(40)),
    required("by", Text),
    required("what", Text),
    Column("scope", String(40), nullable=True),
    # A page of the log: every entry, or those of the scopes one caller sees, its ids
    # walked on the index alone (`bundling_shared.counted_pages`).
    Index("ix_framework_changes_log", "framework_id", "id", "scope"),
    Index("ix_framework_changes_scope_log", "framework_id", "scope", "id"),
)

call_offs = _aggregate(
    "call_offs",
    required("framework_id", String(40), ForeignKey("frameworks.id", ondelete="CASCADE")),
    _nation(),
    _item_code(),
    _quantity(),
    required("supplier_id", String(40)),
    Column("unit_price_eur", Eur, nullable=True),
    required("delivery_due", Date),
    required("mode", String(20)),
    required("competition", JSON),
    required("placed_at", UtcDateTime()),
    # A framework's call-offs in the order placed: every one, a nation's, a supplier's.
    Index("ix_call_offs_framework_placed", "framework_id", "placed_at", "id"),
    Index("ix_call_offs_framework_nation_placed", "framework_id", "nation", "placed_at", "id"),
    # What each nation called off of each supplier at each price, framework by framework:
    # the reports add it up from the index alone, in its order; the supply risk report
    # reads a lead's call-offs, each with its item and id, from it alone too
    Index(
        "ix_call_offs_framework_prices",
        "framework_id",
        "nation",
        "supplier_id",
        "unit_price_eur",
        "placed_at",
        "quantity",
        "item_code",
        "id",
    ),
    Index("ix_call_offs_framework_supplier_placed", "framework_id", "supplier_id", "placed_at", "id"),
    # The call-offs a nation placed, in every framework: whose lots a desk reads as its own.
    Index("ix_call_offs_nation", "nation", "id"),
    # A supplier's call-offs of an item, in every framework: their lots claim its output.
    Index("ix_call_offs_supplier_item", "supplier_id", "item_code"),
)

_LOT_PROGRESS = ("contract_id", "nation", "beneficiary", "due_date", "quantity", "delivered")
"""What the report of planned against delivered adds up, in the order it groups them:
the lots of a row one after another, added up as they are read."""
_CALL_OFF_LOTS = sql_text("framework_id IS NOT NULL")

delivery_lots = _aggregate(
    "delivery_lots",
    # A contract's or a call-off's id: both are delivered in lots.
    required("contract_id", String(40)),
    _nation(),
    _quantity(),
    required("due_date", Date),
    required("deliveries", JSON),
    Column("forecast_date", Date, nullable=True),
    required("history", JSON),
    _row_version(),
    Column("delay_reported", String(40), nullable=True),
    Column("beneficiary", String(3), nullable=True),
    required("delivered", Integer, server_default="0"),
    # A call-off's framework (none for a contract's lot).
    Column("framework_id", String(40), nullable=True),
    # A schedule in the order lots fall due: every lot, or one nation's; the report adds
    # them up per contract and nation.
    Index("ix_delivery_lots_schedule", "contract_id", "due_date", "nation", "id"),
    Index("ix_delivery_lots_nation_schedule", "contract_id", "nation", "due_date", "id"),
    # The framework after them: a report asks which lots are of a framework it sees whole,
    # and PostgreSQL reads such a report from the index alone only when the index holds it.
    # The lot last: a supplier's allocation reads its every open lot from the index alone.
    Index("ix_delivery_lots_progress", *_LOT_PROGRESS, "framework_id", "id"),
    # The lots of the call-offs of a framework, for the reports of those who see it whole.
    Index(
        "ix_delivery_lots_framework_progress",
        "framework_id",
        *_LOT_PROGRESS,
        sqlite_where=_CALL_OFF_LOTS,
        postgresql_where=_CALL_OFF_LOTS,
    ),
)

# OCDS releases as first published: an export republishes them unchanged and adds a
# release only when the process changed since the latest one.
ocds_releases = Table(
    "ocds_releases",
    metadata,
    Column("id", String(200), primary_key=True),
    required("ocid", String(160)),
    required("date", UtcDateTime()),
    required("digest", String(64)),
    required("release", JSON),
    # The fingerprint of what the release was written from (`ocds.sources_digest`), or of
    # what it was found to say since: an export from sources of this fingerprint is due
    # no new release. None on releases published before fingerprints were kept.
    Column("sources", String(64), nullable=True),
    # A process's releases in the order published.
    Index("ix_ocds_releases_published", "ocid", "date", "id"),
)


def _children(child: type[Any], order_by: Column[Any]) -> Any:
    """An aggregate's list of children: loaded with it, saved and removed with it."""
    return relationship(child, lazy="selectin", cascade="all, delete-orphan", order_by=order_by)


def _map(cls: type[Any], table: Table, **children: Any) -> None:
    """A table with a row version has its rows versioned by it (see above)."""
    mapper_registry.map_imperatively(cls, table, version_id_col=table.c.get("row_version"), properties=children)


def _nothing_logged_yet(framework: FrameworkContract, _: Any) -> None:
    """A framework read from the database holds none of its change log (`framework_changes`):
    only the entries its acts write from then on, which the unit of work appends."""
    framework.change_log = []


@dataclass(frozen=True)
class _Rows:
    """An attribute of an object written out as rows of `table`, one per name it holds (an
    element of its list, a key of its mapping), each keyed by the object's id in column
    `owner` and holding the name in `name`; with `relation` in that column where the
    table keeps several attributes apart."""

    attribute: str
    table: Table
    owner: str
    name: str
    relation: str | None = None

    def rows(self, obj: Any) -> list[dict[str, Any]]:
        fixed = {self.owner: obj.id} | ({"relation": self.relation} if self.relation else {})
        return [fixed | {self.name: name} for name in sorted(set(getattr(obj, self.attribute)))]

    def of(self, obj: Any) -> ColumnElement[bool]:
        mine = self.table.c[self.owner] == obj.id
        return mine if self.relation is None else and_(mine, self.table.c.relation == self.relation)


def _kept_as_rows(cls: type[Any], *kept: _Rows) -> None:
    """Written in the flush that inserts or updates the object, the rows never disagree
    with the lists the object keeps, whichever act changed them; an update rewrites the
    rows of the attributes it changed. The columns are marked `KEPT_AS_ROWS`, so that no
    change of them skips the flush."""

    def written(_: Any, connection: Connection, obj: Any) -> None:
        for part in kept:
            if rows := part.rows(obj):
                connection.execute(part.table.insert(), rows)

    def rewritten(_: Any, connection: Connection, obj: Any) -> None:
        attributes = inspect(obj).attrs
        for part in kept:
            if attributes[part.attribute].history.has_changes():
                connection.execute(part.table.delete().where(part.of(obj)))
                if rows := part.rows(obj):
                    connection.execute(part.table.insert(), rows)

    event.listen(cls, "after_insert", written)
    event.listen(cls, "after_update", rewritten)


@functools.cache
def start_mappers() -> None:
    """Once per process: a class is mapped to its table only once."""
    _map(ContractLine, contract_lines)
    _map(Contract, contracts, lines=_children(ContractLine, contract_lines.c.nation))
    _kept_as_rows(Contract, _Rows("funded_by", contract_funders, "contract_id", "nation"))
    _map(Supplier, suppliers)
    _map(Specification, specifications)
    _kept_as_rows(Specification, _Rows("nations", specification_nations, "specification_id", "nation"))
    _map(ProductionLine, production_lines)
    _map(StockLevel, stock_levels)
    _map(NationalPurchase, national_purchases)
    _map(Material, materials)
    _map(Offer, offers)
    _map(Procurement, procurements, offers=_children(Offer, offers.c.submitted_at))
    _kept_as_rows(
        Procurement,
        *(_Rows(attribute, procurement_parties, "procurement_id", "party", relation)
          for attribute, relation in [("nations", NATION), ("coordinators", COORDINATOR)]),
    )  # fmt: skip
    # A framework's call-offs are not its children: they grow without bound, and the
    # framework keeps what they add up to (see `frameworks`).
    _map(CallOff, call_offs)
    _map(FrameworkContract, frameworks)
    _kept_as_rows(
        FrameworkContract,
        *(_Rows(attribute, framework_parties, "framework_id", "party", relation)
          for attribute, relation in [("participants", PARTICIPANT), ("coordinators", COORDINATOR),
                                      ("suppliers", SUPPLIER)]),
    )  # fmt: skip
    event.listen(FrameworkContract, "load", _nothing_logged_yet)
    _map(DeliveryLot, delivery_lots)
    # Configured now, not at the first query: objects made before the mapping (the seeded
    # reference data, say) must read their attributes as soon as it exists.
    mapper_registry.configure()
