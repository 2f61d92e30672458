"""Tables and the classical mapping of domain objects onto them (the domain stays plain)."""

from __future__ import annotations

import functools

from sqlalchemy import Column, ForeignKey, Index, MetaData, Table, UniqueConstraint, text
from sqlalchemy.orm import registry
from sqlalchemy.types import JSON, Boolean, Date, Integer, String, Text

from bundling_shared.db import UtcDateTime, text_enum
from bundling_shared.messaging.tables import outbox_table, processed_messages_table
from notifications.domain.delivery import Attempt, Delivery, DeliveryStatus
from notifications.domain.endpoint import Endpoint, EndpointStatus, Owner
from notifications.domain.message import Message
from notifications.domain.supplier import Supplier

metadata = MetaData()
mapper_registry = registry(metadata=metadata)
outbox = outbox_table(metadata)  # EndpointDisabled events on their way to Kafka
processed_messages = processed_messages_table(metadata)


endpoints = Table(
    "endpoints",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("organisation", String(120), nullable=False, index=True),
    Column("url", String(2048), nullable=False),
    Column("description", String(500), nullable=False),
    Column("event_types", JSON, nullable=False),
    Column("secret", String(100), nullable=False),
    Column("previous_secret", String(100), nullable=True),
    Column("previous_secret_expires_at", UtcDateTime(), nullable=True),
    Column("status", text_enum(EndpointStatus), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("item_categories", JSON, nullable=False, server_default=text("'[]'")),
    Column("rate_limit_per_second", Integer, nullable=True),
    Column("failing_since", UtcDateTime(), nullable=True),
    Column("disabled_at", UtcDateTime(), nullable=True),
    Column("disabled_reason", String(300), nullable=True),
    Column("owner", text_enum(Owner), nullable=False, server_default=Owner.INDUSTRY.value),
    # The list of endpoints: one owner's, or every one for the administrator, oldest first.
    Index("ix_endpoints_owner_listed", "owner", "organisation", "created_at", "id"),
    Index("ix_endpoints_listed", "created_at", "id"),
)

messages = Table(
    "messages",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("event_type", String(80), nullable=False, index=True),
    Column("payload", JSON, nullable=False),
    Column("occurred_at", UtcDateTime(), nullable=False),
    # One message per consumed event, even if the inbox were bypassed.
    Column("source_event_id", String(36), nullable=False, unique=True),
    Column("correlation_id", String(100), nullable=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("item_code", String(120), nullable=True),
    Column("audience", String(120), nullable=True),
    Column("other_items", JSON, nullable=False, server_default=text("'[]'")),
    Column("also_for", JSON, nullable=False, server_default=text("'[]'")),
    Column("trace_parent", String(55), nullable=True),
)

deliveries = Table(
    "deliveries",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("message_id", String(40), ForeignKey("messages.id", ondelete="CASCADE"), nullable=False),
    Column("endpoint_id", String(40), ForeignKey("endpoints.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("status", text_enum(DeliveryStatus), nullable=False),
    Column("attempt_count", Integer, nullable=False),
    Column("next_attempt_at", UtcDateTime(), nullable=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    UniqueConstraint("message_id", "endpoint_id", name="uq_deliveries_message_endpoint"),
    # Where a message went, oldest first.
    Index("ix_deliveries_message_created", "message_id", "created_at", "id"),
    # The dispatcher's query: pending deliveries by due time, finished ones left out.
    Index(
        "ix_deliveries_due",
        "next_attempt_at",
        postgresql_where=text("status = 'pending'"),
        sqlite_where=text("status = 'pending'"),
    ),
)

attempts = Table(
    "attempts",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("delivery_id", String(40), ForeignKey("deliveries.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("message_id", String(40), ForeignKey("messages.id", ondelete="CASCADE"), nullable=False),
    Column("endpoint_id", String(40), ForeignKey("endpoints.id", ondelete="CASCADE"), nullable=False),
    Column("at", UtcDateTime(), nullable=False),
    Column("status_code", Integer, nullable=True),
    Column("latency_ms", Integer, nullable=False),
    Column("succeeded", Boolean, nullable=False),
    Column("error", Text, nullable=True),
    Column("response_body", Text, nullable=False),
    # The attempt log, newest first; and its filters by outcome and by message.
    Index("ix_attempts_endpoint_at_id", "endpoint_id", "at", "id"),
    # Every page of the log says how many attempts the endpoint has: counted on the
    # narrowest index, a third fewer bytes to step through than the log's.
    Index("ix_attempts_endpoint", "endpoint_id"),
    Index("ix_attempts_endpoint_outcome_at", "endpoint_id", "succeeded", "at", "id"),
    Index("ix_attempts_endpoint_message_at", "endpoint_id", "message_id", "at", "id"),
)

# The security declarations the contracts service registered, by organisation.
suppliers = Table(
    "suppliers",
    metadata,
    Column("organisation", String(120), primary_key=True),
    Column("supplier_id", String(80), nullable=False),
    Column("country", String(3), nullable=False),
    Column("security_declaration_valid_until", Date, nullable=True),
    Column("updated_at", UtcDateTime(), nullable=False),
)


@functools.cache
def start_mappers() -> None:
    """Once per process, however many services a test starts in it: SQLAlchemy maps a
    class to one table only."""
    mapper_registry.map_imperatively(Endpoint, endpoints)
    mapper_registry.map_imperatively(Message, messages)
    mapper_registry.map_imperatively(Delivery, deliveries)
    mapper_registry.map_imperatively(Attempt, attempts)
    mapper_registry.map_imperatively(Supplier, suppliers)
    # Configured now, not at the first query: objects made before the mapping (the seeded
    # reference data, say) must read their attributes as soon as it exists.
    mapper_registry.configure()
