"""The outbox and processed-messages tables each service keeps in its own database."""

from __future__ import annotations

from sqlalchemy import Column, Index, MetaData, Table, text
from sqlalchemy.types import JSON, BigInteger, Integer, String, Text

from bundling_shared.db import UtcDateTime, required


def outbox_table(metadata: MetaData) -> Table:
    """Events waiting to be published, written in the same transaction as the state change."""
    return Table(
        "outbox",
        metadata,
        Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
        required("event_id", String(36), unique=True),
        required("event_type", String(120)),
        required("topic", String(200)),
        required("message_key", String(200)),
        required("body", Text),
        required("headers", JSON),
        required("created_at", UtcDateTime()),
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
        required("processed_at", UtcDateTime()),
    )
