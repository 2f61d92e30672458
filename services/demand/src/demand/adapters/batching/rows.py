"""Rows read straight into plain objects, for the batches of the aggregator and the pages
of needs.

A batch of need events reads hundreds of needs in one query, a page fifty. SQLAlchemy
converts every value of every row with its column type's general-purpose result
processor: on SQLite, where dates are text, a regular expression per date, and a chain
of decorators per JSON value. Here the columns are selected with their processors turned
off (coerced to no type) and each value gets the one conversion its column needs, the
same on SQLite and PostgreSQL: the driver's value is used as it is when it already has
the column's Python type (asyncpg's dates and booleans), converted when it is SQLite's
text or integer. JSON is read as its text on both.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Sequence
from datetime import date, datetime
from enum import Enum as PyEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Enum,
    Text,
    TypeDecorator,
    any_,
    bindparam,
    cast,
    type_coerce,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import NullType

Convert = Callable[[Any], Any]


def one_of(column: Column[Any], values: Collection[Any], dialect: Dialect) -> ColumnElement[bool]:
    """`column IN (values)`, as a batch asks for its rows. On PostgreSQL the values go as
    one array (`column = ANY(...)`): the statement's text no longer changes with their
    number, so it is compiled and prepared once, where a list of hundreds of parameters
    was spelt out at every execution."""
    if dialect.name == "postgresql":
        return column == any_(bindparam(f"{column.key}_among", list(values), type_=ARRAY(column.type)))
    return column.in_(list(values))


def _date(value: Any) -> Any:
    return date.fromisoformat(value) if isinstance(value, str) else value


def _boolean(value: Any) -> Any:
    return None if value is None else bool(value)


def _enumeration(enum_class: type[PyEnum]) -> Convert:
    members = {member.value: member for member in enum_class}
    return lambda value: None if value is None else members[value]


def _json(decorator: TypeDecorator[Any] | None, dialect: Dialect) -> Convert:
    def convert(value: Any) -> Any:
        if value == "[]":  # most needs have no yearly quantities and no deviations
            value = []
        elif isinstance(value, str | bytes):
            value = json.loads(value)
        return value if decorator is None else decorator.process_result_value(value, dialect)

    return convert


def _datetime(value: Any) -> Any:
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def _decorated(decorator: TypeDecorator[Any], dialect: Dialect) -> Convert:
    """A decorated scalar (amounts in cents, moments in UTC): the driver's value, as its
    column's type reads it (a moment is SQLite's text), then the decorator's reading."""
    if isinstance(decorator.impl_instance, DateTime):
        return lambda value: decorator.process_result_value(_datetime(value), dialect)
    return lambda value: decorator.process_result_value(value, dialect)


def _converter(column: Column[Any], dialect: Dialect) -> Convert | None:
    kind = column.type
    decorator = kind if isinstance(kind, TypeDecorator) else None
    if decorator is not None:
        kind = decorator.impl_instance
    if isinstance(kind, JSON):
        return _json(decorator, dialect)
    if decorator is not None:
        return _decorated(decorator, dialect)
    if isinstance(kind, Enum) and kind.enum_class is not None:
        return _enumeration(kind.enum_class)
    if isinstance(kind, Boolean):
        return _boolean
    if isinstance(kind, Date):
        return _date
    return None  # strings and numbers come from both drivers as Python has them


def _as_read(column: Column[Any]) -> ColumnElement[Any]:
    """JSON as its text, the same on both databases: most values are the empty list, "[]",
    which then needs no decoding at all, where asyncpg's codec parsed every value."""
    kind = column.type.impl_instance if isinstance(column.type, TypeDecorator) else column.type
    return cast(column, Text) if isinstance(kind, JSON) else column


class PlainReader:
    """Selects `columns` without result processors and turns each row into `make(*values)`."""

    def __init__(self, columns: Sequence[Column[Any]], make: Callable[..., Any]) -> None:
        self.columns = columns
        self.selected: list[ColumnElement[Any]] = [type_coerce(_as_read(c), NullType()).label(c.key) for c in columns]
        self._make = make
        self._converters: dict[str, list[tuple[int, Convert]]] = {}

    def rows(self, dialect: Dialect, rows: Sequence[Sequence[Any]]) -> list[Any]:
        if (converters := self._converters.get(dialect.name)) is None:
            converters = []
            for i, column in enumerate(self.columns):
                if (convert := _converter(column, dialect)) is not None:
                    converters.append((i, convert))
            self._converters[dialect.name] = converters
        make = self._make
        made = []
        for row in rows:
            values = list(row)
            for i, convert in converters:
                values[i] = convert(values[i])
            made.append(make(*values))
        return made
