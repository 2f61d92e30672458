"""Tables and the classical mapping of domain objects onto them (the domain stays plain)."""

from __future__ import annotations

from sqlalchemy import Column, Date, Enum, ForeignKey, Index, Integer, MetaData, String, Table, text
from sqlalchemy.orm import registry, relationship

from bundling_shared.db import UtcDateTime
from bundling_shared.messaging.tables import outbox_table, processed_messages_table
from demand.domain.model import Bundle, BundleLine, BundleStatus, EndUser, Need, NeedStatus

metadata = MetaData()
mapper_registry = registry(metadata=metadata)


def _enum(cls: type) -> Enum:
    return Enum(cls, native_enum=False, values_callable=lambda e: [m.value for m in e], length=30)


needs = Table(
    "needs",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("nation", String(3), nullable=False, index=True),
    Column("item_code", String(80), nullable=False, index=True),
    Column("quantity", Integer, nullable=False),
    Column("window_start", Date, nullable=False),
    Column("window_end", Date, nullable=False),
    Column("end_user", _enum(EndUser), nullable=False),
    Column("status", _enum(NeedStatus), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
)

bundles = Table(
    "bundles",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("item_code", String(80), nullable=False, index=True),
    Column("status", _enum(BundleStatus), nullable=False),
    Column("lead", String(40), nullable=True),
    Column("committed_by", String(120), nullable=True),
    Column("revision", Integer, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    # At most one open bundle per item: concurrent aggregators cannot open two.
    Index(
        "uq_bundles_open_item",
        "item_code",
        unique=True,
        postgresql_where=text("status = 'open'"),
        sqlite_where=text("status = 'open'"),
    ),
)

bundle_lines = Table(
    "bundle_lines",
    metadata,
    Column("bundle_id", String(40), ForeignKey("bundles.id", ondelete="CASCADE"), primary_key=True),
    Column("need_id", String(40), ForeignKey("needs.id"), primary_key=True),
    Column("nation", String(3), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("window_start", Date, nullable=False),
    Column("window_end", Date, nullable=False),
)

outbox = outbox_table(metadata)
processed_messages = processed_messages_table(metadata)

_mapped = False


def start_mappers() -> None:
    global _mapped
    if _mapped:
        return
    mapper_registry.map_imperatively(Need, needs)
    mapper_registry.map_imperatively(BundleLine, bundle_lines)
    mapper_registry.map_imperatively(
        Bundle,
        bundles,
        properties={
            "lines": relationship(
                BundleLine, lazy="selectin", cascade="all, delete-orphan", order_by=bundle_lines.c.need_id
            )
        },
        version_id_col=bundles.c.revision,
        version_id_generator=False,
    )
    _mapped = True
