"""The part every repository shares: aggregates of one kind, as one session tracks them.

An aggregate is added to the session and read back by its key as the one object the
session holds for that row, so a handler that loads it twice changes one object. The
queries an aggregate needs besides are its repository's own.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any, Generic, TypeVar

from sqlalchemy import Column, Insert, Table, insert, update
from sqlalchemy import inspect as mapping_of
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import make_transient_to_detached

AggregateT = TypeVar("AggregateT")


class SessionRepository(Generic[AggregateT]):
    kind: type[AggregateT]

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    def add(self, aggregate: AggregateT) -> None:
        self._session.add(aggregate)

    async def get(self, key: str) -> AggregateT | None:
        return await self._session.get(self.kind, key)


_COLUMNS: dict[type[Any], tuple[tuple[str, str, bool], ...]] = {}


def _columns_of(kind: type[Any]) -> tuple[tuple[str, str, bool], ...]:
    """Per attribute of a mapped class: its name, its column's key, and whether the
    column has a default of its own (read from the mapping once per class)."""
    known = _COLUMNS.get(kind)
    if known is None:
        columns = [(prop.key, prop.columns[0]) for prop in mapping_of(kind).column_attrs]
        known = _COLUMNS[kind] = tuple(
            (name, c.key, c.server_default is not None or c.default is not None) for name, c in columns
        )
    return known


def row_of(aggregate: object) -> dict[str, Any]:
    """The row a mapped object is stored as, keyed by its table's columns. An attribute
    left unset is left out, so that the column's default applies as in a flush."""
    row: dict[str, Any] = {}
    for attribute, column, defaulted in _columns_of(type(aggregate)):
        value = getattr(aggregate, attribute)
        if value is None and defaulted:
            continue
        row[column] = value
    return row


async def claim(session: AsyncSession, key: Column[str], value: str, unchanged: Column[Any]) -> None:
    """The row whose `key` is `value` is this transaction's to change until it ends, by a
    write that changes nothing (`unchanged` set to itself), before the row is read: on
    PostgreSQL it locks the row, on SQLite it takes the database's write lock. Acts on
    the same aggregate at once then take turns, each reading what the one before wrote,
    instead of reading the same state and starting over."""
    statement = update(key.table).where(key == value).values({unchanged: unchanged})
    await (await session.connection()).execute(statement)


@functools.cache
def insert_into(table: Table) -> Insert:
    """The plain insert into `table`, built once: a statement used again is found in
    SQLAlchemy's cache of compiled statements by a key it remembers, not one it works out
    anew for every request."""
    return insert(table)


Rows = tuple[Insert, list[dict[str, Any]]]
"""Rows to insert with one statement, keyed by their columns (one shape of row)."""


def rows_of(table: Table, objects: Sequence[object]) -> list[Rows]:
    """The inserts that write `objects` as plain rows: one statement per shape of row (the
    columns given), as `insert_rows` runs them or a unit of work's commit does."""
    shapes: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for obj in objects:
        row = row_of(obj)
        shapes.setdefault(tuple(row), []).append(row)
    return [(insert_into(table), rows) for rows in shapes.values()]


async def insert_rows(session: AsyncSession, table: Table, objects: Sequence[object]) -> None:
    """New objects written as plain rows in the session's transaction, without the
    bookkeeping of a flush. Written, each joins the session as the object stored in its
    row: a later change to it is flushed as to any object the session loaded."""
    connection = await session.connection()
    for statement, rows in rows_of(table, objects):
        await connection.execute(statement, rows[0] if len(rows) == 1 else rows)
    for obj in objects:
        make_transient_to_detached(obj)
        session.add(obj)
