"""Many rows in one statement, at the speed of the database driver.

The aggregator writes four rows for every need it places (the line, the trail entry, the
need's new status and the idempotency record), hundreds per batch. Executed with many
parameter sets, a SQL expression costs more in building each row's parameters than the
database spends storing it. Here a statement is compiled once per database dialect, each
row is turned into the driver's parameters with the columns' own conversions (dates,
JSON, enumerations, UTC timestamps: as SQLAlchemy itself converts them for the dialect)
and the whole list is handed to the driver's executemany. On SQLite, where those
conversions format text in Python, the common types take a shorter path to the same text
(`_SQLITE_SHORTCUTS`, checked against SQLAlchemy's own in the tests).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from enum import Enum as PyEnum
from operator import itemgetter
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import JSON, Date, DateTime, Delete, Enum, Insert, TypeDecorator, Update
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import TypeEngine

Statement = Insert | Update | Delete
Converter = Callable[[Mapping[str, Any]], Any]  # a row to the driver's parameters
Processor = Callable[[Any], Any]  # one value to the driver's

# Per dialect (one per engine), per statement and parameter names: the SQL and the converter.
_prepared: WeakKeyDictionary[Dialect, dict[tuple[str, tuple[str, ...]], tuple[str, Converter]]] = WeakKeyDictionary()


def bind_converter(kind: TypeEngine[Any], dialect: Dialect) -> Callable[[Any], Any] | None:
    """How a value of a column of type `kind` goes to the driver: SQLAlchemy's conversion
    for the dialect (a decorator's, then the dialect's own type's), or on SQLite the
    shortcut giving the same result."""
    standard = kind.dialect_impl(dialect).bind_processor(dialect)
    if dialect.name != "sqlite":
        return standard
    decorator = kind if isinstance(kind, TypeDecorator) else None
    impl = decorator.impl_instance if decorator is not None else kind
    for base, shortcut in _SQLITE_SHORTCUTS:
        if isinstance(impl, base):
            convert = _after(
                decorator, dialect, shortcut(impl, dialect, impl.dialect_impl(dialect).bind_processor(dialect))
            )
            return _remembering_the_last(convert) if isinstance(impl, DateTime) else convert
    return standard


def _after(decorator: TypeDecorator[Any] | None, dialect: Dialect, convert: Processor) -> Processor:
    if decorator is None:
        return convert
    before = decorator.process_bind_param
    return lambda value: convert(before(value, dialect))


def _or(standard: Processor | None) -> Processor:
    return standard if standard is not None else (lambda value: value)


def _datetime_text(impl: Any, dialect: Dialect, standard: Processor | None) -> Processor:
    # SQLite's DATETIME text: "YYYY-MM-DD HH:MM:SS.ffffff", an offset left out.
    otherwise = _or(standard)
    return lambda v: v.replace(tzinfo=None).isoformat(" ", "microseconds") if type(v) is datetime else otherwise(v)


def _remembering_the_last(convert: Processor) -> Processor:
    """The rows of a batch mostly share one timestamp (immutable): the last value converted
    is recognised by identity and its text given again."""
    last: list[Any] = [object(), None]

    def remembered(value: Any) -> Any:
        if value is not last[0]:
            last[:] = value, convert(value)
        return last[1]

    return remembered


def _date_text(impl: Any, dialect: Dialect, standard: Processor | None) -> Processor:
    otherwise = _or(standard)
    return lambda v: v.isoformat() if type(v) is date else otherwise(v)


def _json_text(impl: Any, dialect: Dialect, standard: Processor | None) -> Processor:
    otherwise = _or(standard)  # serialises as the dialect's JSON type does, None included
    return lambda v: "[]" if type(v) is list and not v else otherwise(v)


def _enum_value(impl: Any, dialect: Dialect, standard: Processor | None) -> Processor:
    otherwise = _or(standard)
    if impl.enum_class is None:
        return otherwise
    stored = {member: otherwise(member) for member in impl.enum_class}  # SQLAlchemy's own answers
    return lambda v: stored[v] if isinstance(v, PyEnum) and v in stored else otherwise(v)


_SQLITE_SHORTCUTS: list[tuple[type[TypeEngine[Any]], Callable[[Any, Dialect, Processor | None], Processor]]] = [
    (DateTime, _datetime_text),
    (Date, _date_text),
    (JSON, _json_text),
    (Enum, _enum_value),
]


def _prepare(statement: Statement, keys: tuple[str, ...], dialect: Dialect) -> tuple[str, Converter]:
    compiled = statement.compile(dialect=dialect, column_keys=list(keys))
    binds = compiled.binds
    converters = [(name, bind_converter(binds[name].type, dialect)) for name in binds]
    if compiled.positiontup is not None:
        names = list(compiled.positiontup)
        processors = dict(converters)
        converted: list[tuple[int, Callable[[Any], Any]]] = []
        for i, name in enumerate(names):
            if (process := processors[name]) is not None:
                converted.append((i, process))
        values = itemgetter(*names)
        single = len(names) == 1

        def positional(row: Mapping[str, Any]) -> tuple[Any, ...]:
            out = [values(row)] if single else list(values(row))
            for i, convert in converted:
                out[i] = convert(out[i])
            return tuple(out)

        return compiled.string, positional

    def named(row: Mapping[str, Any]) -> dict[str, Any]:
        return {name: row[name] if convert is None else convert(row[name]) for name, convert in converters}

    return compiled.string, named


async def execute_many(
    session: AsyncSession, key: str, statement: Statement, rows: Sequence[Mapping[str, Any]], *, counted: bool = False
) -> int:
    """Runs `statement` once per row of `rows`, in the session's transaction. The rows
    share their keys: the statement's parameters, or for an insert the columns to fill
    (the others take their server defaults). `key` names the statement: it is compiled
    once per dialect and set of keys. With `counted`, returns the number of rows the
    statement matched in all (0 otherwise)."""
    if not rows:
        return 0
    connection = await session.connection()
    dialect = connection.dialect
    keys = tuple(rows[0])
    prepared = _prepared.setdefault(dialect, {})
    if (key, keys) not in prepared:
        prepared[key, keys] = _prepare(statement, keys, dialect)
    sql, convert = prepared[key, keys]
    parameters = [convert(row) for row in rows]
    if not counted:
        await connection.exec_driver_sql(sql, parameters)
        return 0
    if dialect.supports_sane_multi_rowcount:
        return (await connection.exec_driver_sql(sql, parameters)).rowcount
    # This driver does not count the rows of one statement run many times: run it per row.
    return sum([(await connection.exec_driver_sql(sql, one)).rowcount for one in parameters])
