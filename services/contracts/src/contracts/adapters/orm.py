"""Tables and the classical mapping of the contracts context onto them.

Specifications, procurements, framework contracts and delivery lots carry a row version:
two requests changing the same one at once (two nations agreeing, two call-offs against
one ceiling) cannot both win; the later one fails and is told to retry.

Value lists that are always read and written with their owner (deviations, weights,
change logs, deliveries of a lot) are JSON columns; the domain replaces them rather than
mutating them in place, so every change is seen and saved.
"""

from __future__ import annotations

import functools
from decimal import Decimal
from typing import Any

from sqlalchemy import Column, ForeignKey, MetaData, Table, UniqueConstraint
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import registry, relationship
from sqlalchemy.sql.expression import false
from sqlalchemy.types import JSON, Boolean, Date, Float, Integer, Numeric, String, Text, TypeDecorator

from bundling_shared.db import UtcDateTime
from bundling_shared.messaging.tables import outbox_table, processed_messages_table
from contracts.domain.contract import Contract, ContractLine
from contracts.domain.deliveries import DeliveryLot
from contracts.domain.frameworks import CallOff, FrameworkContract
from contracts.domain.money import eur_or_none, text
from contracts.domain.procurement import Offer, Procurement
from contracts.domain.specifications import Specification
from contracts.domain.suppliers import Supplier

metadata = MetaData()

Eur = Numeric(15, 2, asdecimal=True)
"""EUR with cents, exact: up to one trillion (13 digits before the point)."""


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
mapper_registry = registry(metadata=metadata)
outbox = outbox_table(metadata)
processed_messages = processed_messages_table(metadata)

contracts = Table(
    "contracts",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("bundle_id", String(40), nullable=False),
    Column("item_code", String(80), nullable=False),
    Column("contracting_authority", String(40), nullable=False),
    Column("window_start", Date, nullable=False),
    Column("window_end", Date, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    # "all" for the one contract of a joint order, else the buying nation: one contract
    # per joint order and part, whatever happens to redeliveries.
    Column("part", String(40), nullable=False, server_default="all"),
    Column("supplier_id", String(40), nullable=True),
    Column("unit_price_eur", Eur, nullable=True),
    Column("change_log", JSON, nullable=False, default=list),
    UniqueConstraint("bundle_id", "part", name="uq_contracts_bundle_part"),
)

contract_lines = Table(
    "contract_lines",
    metadata,
    Column("contract_id", String(40), ForeignKey("contracts.id", ondelete="CASCADE"), primary_key=True),
    Column("nation", String(3), primary_key=True),
    Column("quantity", Integer, nullable=False),
)

contract_modes = Table(
    "contract_modes",
    metadata,
    Column("bundle_id", String(40), primary_key=True),
    Column("mode", String(20), nullable=False),
)

# The lead of a bundle not yet committed, as demand announced it when opening the bundle:
# the one whose coordinators decide how the joint order will be contracted.
joint_order_leads = Table(
    "joint_order_leads",
    metadata,
    Column("bundle_id", String(40), primary_key=True),
    Column("lead", String(40), nullable=False),
)

# A committed joint order or framework a rule of the contract refused, with the reason:
# what the bundle's participants find instead of its contract.
uncontracted_commitments = Table(
    "uncontracted_commitments",
    metadata,
    Column("bundle_id", String(40), primary_key=True),
    Column("kind", String(20), nullable=False),
    Column("item_code", String(80), nullable=False),
    Column("lead", String(40), nullable=False),
    Column("nations", JSON, nullable=False),
    Column("reason", Text, nullable=False),
    Column("refused_at", UtcDateTime(), nullable=False),
)

suppliers = Table(
    "suppliers",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("organisation", String(80), nullable=False, unique=True),
    Column("country", String(3), nullable=False),
    Column("sme", Boolean, nullable=False),
    Column("controlled_from_non_associated_country", Boolean, nullable=False),
    Column("industrial_base", String(20), nullable=False),
    Column("security_declaration_valid_until", Date, nullable=True),
)

specifications = Table(
    "specifications",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("reference", String(80), nullable=False),
    Column("version", Integer, nullable=False),
    Column("item_code", String(80), nullable=False),
    Column("title", String(200), nullable=False),
    Column("standards", JSON, nullable=False),
    Column("certification", String(200), nullable=True),
    Column("key_performance", JSON, nullable=False),
    Column("critical_materials", JSON, nullable=False),
    Column("nations", JSON, nullable=False),
    Column("deviations", JSON, nullable=False),
    Column("positions", JSON, nullable=False),
    Column("status", String(20), nullable=False),
    Column("outcome", Text, nullable=True),
    Column("proposed_by", String(80), nullable=False),
    Column("row_version", Integer, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    UniqueConstraint("reference", "version", name="uq_specifications_reference_version"),
)

procurements = Table(
    "procurements",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("item_code", String(80), nullable=False),
    Column("contracting_authority", String(40), nullable=False),
    Column("buyer_nation", String(3), nullable=False),
    Column("nations", JSON, nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("tender_date", Date, nullable=False),
    Column("weights", JSON, nullable=False),
    Column("quality_gates", JSON, nullable=False),
    Column("funding_instrument", String(40), nullable=True),
    Column("standstill_days", Integer, nullable=False),
    Column("bundle_id", String(40), nullable=True),
    Column("status", String(20), nullable=False),
    Column("awarded_offer_id", String(40), nullable=True),
    Column("awarded_supplier_id", String(40), nullable=True),
    Column("standstill_until", Date, nullable=True),
    Column("row_version", Integer, nullable=False),
    Column("evaluation", JSON, nullable=False),
    # Coordinators the lead assigned to run it besides its own.
    Column("coordinators", JSON, nullable=False, server_default="[]"),
    Column("created_at", UtcDateTime(), nullable=False),
)

offers = Table(
    "offers",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("procurement_id", String(40), ForeignKey("procurements.id", ondelete="CASCADE"), nullable=False),
    Column("supplier_id", String(40), nullable=False),
    Column("unit_price_eur", Eur, nullable=False),
    Column("first_delivery", Date, nullable=False),
    Column("monthly_rate", Integer, nullable=False),
    Column("origin_country", String(3), nullable=False),
    Column("eu_component_share", Float, nullable=False),
    Column("non_associated_component_share", Float, nullable=False),
    Column("local_production", JSON, nullable=False),
    Column("licence_transfer", Boolean, nullable=False),
    Column("national_supplier_role", Boolean, nullable=False),
    Column("quality_gates", JSON, nullable=False),
    Column("submitted_at", UtcDateTime(), nullable=False),
    UniqueConstraint("procurement_id", "supplier_id", name="uq_offers_procurement_supplier"),
)

frameworks = Table(
    "frameworks",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("bundle_id", String(40), nullable=True, unique=True),
    Column("item_code", String(80), nullable=False),
    Column("items", JSON, nullable=False),
    Column("contracting_authority", String(40), nullable=False),
    Column("participants", JSON, nullable=False),
    Column("ceiling_quantity", Integer, nullable=False),
    Column("ceiling_value_eur", Eur, nullable=True),
    Column("start", Date, nullable=False),
    Column("end", Date, nullable=False),
    Column("suppliers", PricesBySupplier, nullable=False),
    Column("row_version", Integer, nullable=False),
    Column("change_log", JSON, nullable=False),
    Column("coordinators", JSON, nullable=False, server_default="[]"),
    Column("accession_policy", String(20), nullable=False, server_default="approval_required"),
    Column("pooled_shares", Boolean, nullable=False, server_default=false()),
    # Requests to accede with their state: pending until the lead decides.
    Column("accession_requests", JSON, nullable=False, server_default="[]"),
    Column("created_at", UtcDateTime(), nullable=False),
)

call_offs = Table(
    "call_offs",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("framework_id", String(40), ForeignKey("frameworks.id", ondelete="CASCADE"), nullable=False),
    Column("nation", String(3), nullable=False),
    Column("item_code", String(80), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("supplier_id", String(40), nullable=False),
    Column("unit_price_eur", Eur, nullable=True),
    Column("delivery_due", Date, nullable=False),
    Column("mode", String(20), nullable=False),
    Column("competition", JSON, nullable=False),
    Column("placed_at", UtcDateTime(), nullable=False),
)

delivery_lots = Table(
    "delivery_lots",
    metadata,
    Column("id", String(40), primary_key=True),
    # A contract's or a call-off's id: both are delivered in lots.
    Column("contract_id", String(40), nullable=False, index=True),
    Column("nation", String(3), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("due_date", Date, nullable=False),
    Column("deliveries", JSON, nullable=False),
    Column("forecast_date", Date, nullable=True),
    Column("history", JSON, nullable=False),
    Column("row_version", Integer, nullable=False),
    Column("delay_reported", String(40), nullable=True),
)

# OCDS releases as first published: an export republishes them unchanged and adds a
# release only when the process changed since the latest one.
ocds_releases = Table(
    "ocds_releases",
    metadata,
    Column("id", String(200), primary_key=True),
    Column("ocid", String(160), nullable=False, index=True),
    Column("date", UtcDateTime(), nullable=False),
    Column("digest", String(64), nullable=False),
    Column("release", JSON, nullable=False),
)


@functools.cache
def start_mappers() -> None:
    """Once per process: a class is mapped to its table only once."""
    mapper_registry.map_imperatively(ContractLine, contract_lines)
    mapper_registry.map_imperatively(
        Contract,
        contracts,
        properties={
            "lines": relationship(
                ContractLine, lazy="selectin", cascade="all, delete-orphan", order_by=contract_lines.c.nation
            )
        },
    )
    mapper_registry.map_imperatively(Supplier, suppliers)
    mapper_registry.map_imperatively(Specification, specifications, version_id_col=specifications.c.row_version)
    mapper_registry.map_imperatively(Offer, offers)
    mapper_registry.map_imperatively(
        Procurement,
        procurements,
        version_id_col=procurements.c.row_version,
        properties={
            "offers": relationship(Offer, lazy="selectin", cascade="all, delete-orphan", order_by=offers.c.submitted_at)
        },
    )
    mapper_registry.map_imperatively(CallOff, call_offs)
    mapper_registry.map_imperatively(
        FrameworkContract,
        frameworks,
        version_id_col=frameworks.c.row_version,
        properties={
            "call_offs": relationship(
                CallOff, lazy="selectin", cascade="all, delete-orphan", order_by=call_offs.c.placed_at
            )
        },
    )
    mapper_registry.map_imperatively(DeliveryLot, delivery_lots, version_id_col=delivery_lots.c.row_version)
    # Configured now, not at the first query: objects made before the mapping (the seeded
    # reference data, say) must read their attributes as soon as it exists.
    mapper_registry.configure()
