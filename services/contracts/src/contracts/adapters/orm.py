"""Tables and the classical mapping of contracts onto them."""

from __future__ import annotations

from sqlalchemy import Column, Date, ForeignKey, Integer, MetaData, String, Table
from sqlalchemy.orm import registry, relationship

from bundling_shared.db import UtcDateTime
from bundling_shared.messaging.tables import outbox_table, processed_messages_table
from contracts.domain.model import Contract, ContractLine

metadata = MetaData()
mapper_registry = registry(metadata=metadata)

contracts = Table(
    "contracts",
    metadata,
    Column("id", String(40), primary_key=True),
    # One contract per joint order, whatever happens to redeliveries.
    Column("bundle_id", String(40), nullable=False, unique=True),
    Column("item_code", String(80), nullable=False),
    Column("contracting_authority", String(40), nullable=False),
    Column("window_start", Date, nullable=False),
    Column("window_end", Date, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
)

contract_lines = Table(
    "contract_lines",
    metadata,
    Column("contract_id", String(40), ForeignKey("contracts.id", ondelete="CASCADE"), primary_key=True),
    Column("nation", String(3), primary_key=True),
    Column("quantity", Integer, nullable=False),
)

outbox = outbox_table(metadata)
processed_messages = processed_messages_table(metadata)

_mapped = False


def start_mappers() -> None:
    global _mapped
    if _mapped:
        return
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
    _mapped = True
