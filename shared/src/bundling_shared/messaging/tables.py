"""The outbox and processed-messages tables each service keeps in its own database."""

from __future__ import annotations

from sqlalchemy import Column, Index, MetaData, Table, text
from sqlalchemy.types import JSON, BigInteger, Integer, String, Text

from bundling_shared.db import UtcDateTime


def outbox_table(metadata: MetaData) -> Table:
    """Events waiting to be published, written in the same transaction as the state change."""
    return Table(
        "outbox",
        metadata,
        Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
        Column("event_id", String(36), nullable=False, unique=True),
        Column("event_type", String(120), nullable=False),
        Column("topic", String(200), nullable=False),
        Column("message_key", String(200), nullable=False),
        Column("body", Text, nullable=False),
        Column("headers", JSON, nullable=False),
        Column("created_at", UtcDateTime(), nullable=False),
        Column("published_at", UtcDateTime(), nullable=True),
        Index(
            "ix_outbox_pending",
            "id",
            postgresql_where=text("published_at IS NULL"),
            sqlite_where=text("published_at IS NULL"),
        ),
    )


def processed_messages_table(metadata: MetaData) -> Table:
    """Events a consumer has already applied; the primary key turns a redelivery into a no-op."""
    return Table(
        "processed_messages",
        metadata,
        Column("consumer", String(100), primary_key=True),
        Column("event_id", String(36), primary_key=True),
        Column("processed_at", UtcDateTime(), nullable=False),
    )
