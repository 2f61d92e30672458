"""Tables and the classical mapping of domain objects onto them (the domain stays plain)."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Column, ForeignKey, Index, MetaData, Table
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import registry
from sqlalchemy.types import JSON, BigInteger, Boolean, Date, Float, Integer, SmallInteger, String, Text, TypeDecorator

from bundling_shared.db import UtcDateTime, required, text_enum
from bundling_shared.messaging.tables import outbox_table, processed_messages_table
from demand.domain.bundle import (
    Bundle,
    BundleKind,
    BundleStatus,
    DecisionKind,
    Participation,
    PriceBasis,
)
from demand.domain.capacity import DeclaredLine
from demand.domain.follow_on import FollowOn
from demand.domain.fund import Fund, FundStatus, Purchase
from demand.domain.funding import Assessment
from demand.domain.need import Deviation, EndUser, Need, NeedStatus, NeedVersion, Priority, YearQuantity
from demand.domain.pledge import Pledge, PledgeStatus
from demand.domain.reference import CatalogueItem

metadata = MetaData()
mapper_registry = registry(metadata=metadata)
outbox = outbox_table(metadata)
processed_messages = processed_messages_table(metadata)


class YearlyJson(TypeDecorator[list[YearQuantity]]):
    """Quantities per year as a JSON list of {year, quantity}."""

    impl = JSON
    cache_ok = True

    def process_bind_param(self, value: list[YearQuantity] | None, dialect: Dialect) -> Any:
        return [{"year": y.year, "quantity": y.quantity} for y in value or []]

    def process_result_value(self, value: Any, dialect: Dialect) -> list[YearQuantity]:
        return yearly_of(value)

    def result_processor(self, dialect: Dialect, coltype: object) -> Callable[[Any], list[YearQuantity]]:
        """`yearly_of` takes the driver's value as it comes (SQLite's text, asyncpg's parsed
        JSON): a page of bundles reads hundreds of shares, and the JSON type's own parsing
        in front of it parsed every empty list."""
        return yearly_of


def yearly_of(value: Any) -> list[YearQuantity]:
    """Quantities per year from their JSON (parsed, or as text). Most needs and shares
    have none, and a list read back costs more to parse than the rest of its row."""
    if value == "[]" or not value:
        return []
    parsed = json.loads(value) if isinstance(value, str) else value
    return [YearQuantity(int(v["year"]), int(v["quantity"])) for v in parsed or []]


class EurCents(TypeDecorator[Decimal]):
    """EUR with cents, kept as a whole number of cents: exact on SQLite too, whose
    NUMERIC columns would hold a binary float, and summed without rounding anywhere."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Decimal | int | None, dialect: Dialect) -> int | None:
        if value is None:
            return None
        cents = Decimal(value).scaleb(2)
        if cents != cents.to_integral_value():
            raise ValueError(f"{value} EUR has fractions of a cent")
        return int(cents)

    def process_result_value(self, value: int | None, dialect: Dialect) -> Decimal | None:
        return eur_of_cents(value)

    def result_processor(self, dialect: Dialect, coltype: object) -> Callable[[int | None], Decimal | None]:
        """One plain function per value read, without the decorator's wrapping around it."""
        return eur_of_cents


def eur_of_cents(value: int | None) -> Decimal | None:
    return None if value is None else Decimal(int(value)).scaleb(-2)


class AssessmentsJson(TypeDecorator[list[Assessment]]):
    """Funding verdicts as JSON: amounts as decimal strings, days as ISO dates, so that
    a kept verdict reads back to the cent."""

    impl = JSON
    cache_ok = True

    MONEY = ("eligible_value_eur", "max_contribution_eur")

    def process_bind_param(self, value: list[Assessment] | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        rows = []
        for a in value:
            row = dict(vars(a))
            row["assessed_on"] = a.assessed_on.isoformat() if a.assessed_on else None
            for key in self.MONEY:
                row[key] = None if row[key] is None else str(row[key])
            rows.append(row)
        return rows

    def process_result_value(self, value: Any, dialect: Dialect) -> list[Assessment] | None:
        if value is None:
            return None
        parsed = json.loads(value) if isinstance(value, str) else value
        found = []
        for row in parsed:
            row = dict(row)
            row["assessed_on"] = date.fromisoformat(row["assessed_on"]) if row.get("assessed_on") else None
            for key in self.MONEY:
                row[key] = None if row.get(key) is None else Decimal(row[key])
            found.append(Assessment(**row))
        return found


class PurchasesJson(TypeDecorator[list[Purchase]]):
    """What a fund bought, as JSON: amounts as decimal strings, moments in UTC."""

    impl = JSON
    cache_ok = True

    def process_bind_param(self, value: list[Purchase] | None, dialect: Dialect) -> Any:
        return [
            {"bundle_id": p.bundle_id, "amount_eur": str(p.amount_eur), "at": p.at.isoformat(), "note": p.note}
            for p in value or []
        ]

    def process_result_value(self, value: Any, dialect: Dialect) -> list[Purchase]:
        parsed = json.loads(value) if isinstance(value, str) else value
        return [
            Purchase(p["bundle_id"], Decimal(p["amount_eur"]), datetime.fromisoformat(p["at"]), p.get("note", ""))
            for p in parsed or []
        ]


class FollowOnJson(TypeDecorator[FollowOn]):
    """What a follow-on round follows on, as JSON: days as ISO dates."""

    impl = JSON
    cache_ok = True

    def process_bind_param(self, value: FollowOn | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        row = dict(vars(value))
        row["starts_on"], row["ends_on"] = value.starts_on.isoformat(), value.ends_on.isoformat()
        row["expected"] = dict(value.expected)
        row["also_follows"] = list(value.also_follows)
        row["yearly"] = {n: [[y.year, y.quantity] for y in years] for n, years in value.yearly.items()}
        return row

    def process_result_value(self, value: Any, dialect: Dialect) -> FollowOn | None:
        if value is None:
            return None
        row = dict(json.loads(value) if isinstance(value, str) else value)
        row["starts_on"], row["ends_on"] = date.fromisoformat(row["starts_on"]), date.fromisoformat(row["ends_on"])
        row["expected"] = {str(n): int(q) for n, q in row["expected"].items()}
        row["also_follows"] = tuple(row.get("also_follows", ()))
        row["yearly"] = {
            str(n): [YearQuantity(int(y), int(q)) for y, q in years] for n, years in row.get("yearly", {}).items()
        }
        return FollowOn(**row)


class DeviationsJson(TypeDecorator[list[Deviation]]):
    impl = JSON
    cache_ok = True

    def process_bind_param(self, value: list[Deviation] | None, dialect: Dialect) -> Any:
        return [{"description": d.description, "compatible": d.compatible} for d in value or []]

    def process_result_value(self, value: Any, dialect: Dialect) -> list[Deviation]:
        return [Deviation(str(v["description"]), bool(v["compatible"])) for v in value or []]


needs = Table(
    "needs",
    metadata,
    Column("id", String(40), primary_key=True),
    required("nation", String(3)),
    required("item_code", String(80)),
    required("quantity", Integer),
    required("window_start", Date),
    required("window_end", Date),
    required("end_user", text_enum(EndUser)),
    required("status", text_enum(NeedStatus)),
    required("created_at", UtcDateTime()),
    required("yearly", YearlyJson(), server_default="[]"),
    required("recurring", Boolean, server_default="0"),
    Column("budget_ceiling_cents", EurCents(), key="budget_ceiling_eur", nullable=True),
    Column("specification_ref", String(80), nullable=True),
    required("deviations", DeviationsJson(), server_default="[]"),
    required("priority", text_enum(Priority), server_default="routine"),
    Column("preferred_funding", String(30), nullable=True),
    required("version", Integer, server_default="1"),
    Column("bundle_id", String(40), nullable=True),
    Column("status_reason", Text, nullable=True),
    Column("updated_at", UtcDateTime(), nullable=True),
    # A list is read in its order, after the one filter it was given if any: a page is the
    # next entries of one of these, not a sort of every need the filter matches. A nation's
    # needs and those in a bundle are also counted under any other filter from the index
    # alone (a desk's list, a lead's).
    Index("ix_needs_listed", "created_at", "id"),
    Index("ix_needs_nation_listed", "nation", "created_at", "id", "status", "item_code", "end_user"),
    Index("ix_needs_in_bundle", "bundle_id", "status", "item_code", "end_user", "nation"),
    Index("ix_needs_item_listed", "item_code", "created_at", "id"),
    Index("ix_needs_status_listed", "status", "created_at", "id"),
    Index("ix_needs_end_user_listed", "end_user", "created_at", "id"),
)

need_versions = Table(
    "need_versions",
    metadata,
    Column("need_id", String(40), ForeignKey("needs.id", ondelete="CASCADE"), primary_key=True),
    Column("version", Integer, primary_key=True),
    required("recorded_at", UtcDateTime()),
    required("recorded_by", String(120)),
    required("change", Text),
    required("snapshot", JSON),
)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("scope", String(120), primary_key=True),
    Column("key", String(200), primary_key=True),
    required("fingerprint", String(64)),
    required("created_at", UtcDateTime()),
    required("status_code", Integer),
    required("body", Text),
)

catalogue_items = Table(
    "catalogue_items",
    metadata,
    Column("code", String(80), primary_key=True),
    required("name", String(200)),
    required("category", String(80), index=True),
    required("unit", String(40)),
    Column("nsn", String(16), nullable=True),
    required("platforms", JSON),
    Column("specification_ref", String(80), nullable=True),
    Column("retired_at", UtcDateTime(), nullable=True),
    Column("retired_reason", Text, nullable=True),
    required("specification_material_risks", JSON, server_default="[]"),
)

bundles = Table(
    "bundles",
    metadata,
    Column("id", String(40), primary_key=True),
    required("item_code", String(80)),
    required("status", text_enum(BundleStatus)),
    Column("lead", String(40), nullable=True),
    Column("committed_by", String(120), nullable=True),
    required("revision", Integer),
    required("created_at", UtcDateTime()),
    required("kind", text_enum(BundleKind), server_default="joint_order"),
    required("variant", String(400), server_default="harmonised"),
    Column("specification_ref", String(80), nullable=True),
    Column("window_start", Date, nullable=True),
    Column("window_end", Date, nullable=True),
    Column("nominated_lead", String(40), nullable=True),
    required("total_quantity", BigInteger, server_default="0"),
    required("line_count", Integer, server_default="0"),
    Column("deadline", Date, nullable=True),
    required("minimum_nations", Integer, server_default="1"),
    Column("sme_share", Float, nullable=True),
    Column("unit_price_cents", EurCents(), key="unit_price_eur", nullable=True),
    Column("unit_price_basis", text_enum(PriceBasis), nullable=True),
    Column("closed_reason", Text, nullable=True),
    Column("cancel_reason", Text, nullable=True),
    Column("deadline_reminded", Date, nullable=True),
    Column("contracting_problem", Text, nullable=True),
    Column("committed_funding", AssessmentsJson(), nullable=True),
    Column("pending_since", UtcDateTime(), nullable=True, index=True),
    Column("changed_at", UtcDateTime(), nullable=True),
    required("published_revision", Integer, server_default="0"),
    Column("follows_on", FollowOnJson(), nullable=True),
    Column("follows_on_id", String(40), nullable=True, index=True),
    Index("ix_bundles_item_status", "item_code", "status"),
    Index("ix_bundles_listed", "created_at", "id"),
    Index("ix_bundles_item_listed", "item_code", "created_at", "id"),
    Index("ix_bundles_status_listed", "status", "created_at", "id"),
    Index("ix_bundles_kind_listed", "kind", "created_at", "id"),
)

bundle_shares = Table(
    "bundle_shares",
    metadata,
    Column("bundle_id", String(40), ForeignKey("bundles.id", ondelete="CASCADE"), primary_key=True),
    Column("nation", String(3), primary_key=True),
    required("quantity", BigInteger),
    required("ukraine_quantity", BigInteger),
    required("value_cents", EurCents(), key="value_eur", server_default="0"),
    required("yearly", YearlyJson()),
    required("need_count", Integer),
    required("participation", text_enum(Participation)),
    Column("confirmed_quantity", BigInteger, nullable=True),
    Column("funding_instrument", String(30), nullable=True),
    Index("ix_bundle_shares_nation", "nation"),
)

bundle_lines = Table(
    "bundle_lines",
    metadata,
    Column("bundle_id", String(40), ForeignKey("bundles.id", ondelete="CASCADE"), primary_key=True),
    Column("need_id", String(40), ForeignKey("needs.id"), primary_key=True),
    required("nation", String(3)),
    required("quantity", Integer),
    required("window_start", Date),
    required("window_end", Date),
    required("yearly", YearlyJson(), server_default="[]"),
    required("ukraine_quantity", Integer, server_default="0"),
    required("value_cents", EurCents(), key="value_eur", server_default="0"),
    required("reason", Text, server_default=""),
    Column("joined_at", UtcDateTime(), nullable=True),
    Index("ix_bundle_lines_nation", "bundle_id", "nation", "need_id"),  # a nation's lines, in order
)

pledges = Table(
    "pledges",
    metadata,
    Column("id", String(40), primary_key=True),
    required("nation", String(3)),
    required("amount_cents", EurCents(), key="amount_eur"),
    required("beneficiary", String(3)),
    Column("bundle_id", String(40), nullable=True),
    Column("fund_id", String(40), nullable=True),
    required("status", text_enum(PledgeStatus)),
    Column("status_reason", Text, nullable=True),
    required("created_at", UtcDateTime()),
    required("updated_at", UtcDateTime()),
    required("version", Integer),
    # A nation's pledges in order; a recipient's summed by status and nation from the index.
    Index("ix_pledges_nation_listed", "nation", "created_at", "id"),
    Index("ix_pledges_listed", "created_at", "id"),
    Index("ix_pledges_bundle", "bundle_id", "status", "nation", "amount_eur"),
    Index("ix_pledges_fund", "fund_id", "status", "nation", "amount_eur"),
)

funds = Table(
    "funds",
    metadata,
    Column("id", String(40), primary_key=True),
    required("lead", String(40)),
    required("purpose", Text),
    required("item_codes", JSON),
    required("beneficiary", String(3)),
    required("status", text_enum(FundStatus)),
    required("purchases", PurchasesJson()),
    Column("closed_reason", Text, nullable=True),
    required("created_at", UtcDateTime()),
    required("updated_at", UtcDateTime()),
    required("version", Integer),
    Index("ix_funds_listed", "created_at", "id"),
    Index("ix_funds_lead", "lead", "created_at", "id"),
)

# The production lines companies declared, as the contracts service told them: the item's
# capacity beside its demand, and when that demand reached each line's minimum.
production_lines = Table(
    "production_lines",
    metadata,
    Column("line_id", String(40), primary_key=True),
    required("organisation", String(80)),
    required("item_code", String(80), index=True),
    required("site", String(200)),
    required("country", String(3)),
    required("earliest_start", Date),
    required("minimum_economic_quantity", BigInteger),
    required("capacity_by_year", YearlyJson()),
    required("inputs", JSON),
    required("material_risks", JSON, server_default="[]"),
    required("revision", Integer),
    Column("unlocked_at", UtcDateTime(), nullable=True),
    Column("unlocked_by_demand", BigInteger, nullable=True),
)

item_demand = Table(
    # Demand per item in groups of needs alike (`AlikeNeeds`), kept by triggers on `needs`
    # (migration 0007) whatever statement changes a need: read by the demand sheet, never
    # written from Python. `each_quantity` is a recurring need's quantity when it is spread
    # need by need, else 0; `slot` splits a group so that writers of one group do not queue.
    "item_demand",
    metadata,
    Column("item_code", String(80), primary_key=True),
    Column("nation", String(3), primary_key=True),
    Column("end_user", String(30), primary_key=True),
    Column("window_start", Date, primary_key=True),
    Column("window_end", Date, primary_key=True),
    Column("recurring", Boolean, primary_key=True),
    Column("yearly", Text, primary_key=True),
    Column("each_quantity", Integer, primary_key=True),
    Column("slot", SmallInteger, primary_key=True),
    required("need_count", Integer),
    required("quantity", BigInteger),
)

bundle_decisions = Table(
    "bundle_decisions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    required("bundle_id", String(40), ForeignKey("bundles.id", ondelete="CASCADE")),
    required("kind", text_enum(DecisionKind)),
    required("reason", Text),
    required("at", UtcDateTime()),
    Column("need_id", String(40), nullable=True),
    Column("nation", String(3), nullable=True),
    # In the order recorded; a nation's reader skips the others' entries on the index alone.
    Index("ix_bundle_decisions_trail", "bundle_id", "id", "nation"),
)


@functools.cache
def start_mappers() -> None:
    """Every bootstrap calls this, and tests bootstrap many services in one process; a
    class can be mapped only once."""
    mapper_registry.map_imperatively(Need, needs)
    mapper_registry.map_imperatively(NeedVersion, need_versions)
    mapper_registry.map_imperatively(CatalogueItem, catalogue_items)
    mapper_registry.map_imperatively(Pledge, pledges, version_id_col=pledges.c.version, version_id_generator=False)
    mapper_registry.map_imperatively(Fund, funds, version_id_col=funds.c.version, version_id_generator=False)
    mapper_registry.map_imperatively(DeclaredLine, production_lines)
    # A bundle's shares are its running totals, changed by every need that joins or
    # leaves: the repository reads and writes them as plain rows (`bundle_shares`), so
    # that placing needs costs no bookkeeping of mapped objects.
    mapper_registry.map_imperatively(
        Bundle,
        bundles,
        version_id_col=bundles.c.revision,
        version_id_generator=False,
    )
    # Configured now, not at the first query: objects made before the mapping (the seeded
    # reference data, say) must read their attributes as soon as it exists.
    mapper_registry.configure()
