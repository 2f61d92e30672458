"""Idempotent consumption: remember applied event ids in the handler's own transaction."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from sqlalchemy import Table, insert, select
from sqlalchemy.ext.asyncio import AsyncSession


async def already_processed(session: AsyncSession, table: Table, consumer: str, event_id: UUID) -> bool:
    row = await session.execute(
        select(table.c.event_id).where(table.c.consumer == consumer, table.c.event_id == str(event_id))
    )
    return row.first() is not None


async def mark_processed(session: AsyncSession, table: Table, consumer: str, event_id: UUID) -> None:
    """Record the event; a concurrent duplicate fails on the primary key and rolls back."""
    await session.execute(
        insert(table).values(consumer=consumer, event_id=str(event_id), processed_at=datetime.now(UTC))
    )
