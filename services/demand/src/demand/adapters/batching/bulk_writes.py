"""Many rows in one statement, at the speed of the database driver.

The aggregator writes four rows for every need it places (the line, the trail entry, the
need's new status and the idempotency record), hundreds per batch. Executed with many
parameter sets, a SQL expression costs more in building each row's parameters than the
database spends storing it. Here a statement is compiled once per database dialect and
each row is turned into the driver's parameters with the columns' own conversions (dates,
JSON, enumerations, UTC timestamps: as SQLAlchemy itself converts them for the dialect).

On SQLite the list of rows goes to the driver's executemany, and the common types take a
shorter path to the same text (`_SHORTCUTS`, checked against SQLAlchemy's own in the
tests; on PostgreSQL only the empty JSON list does).

On PostgreSQL a statement no longer runs once per row: run so, even pipelined by the
driver, each row cost the server a statement of its own (binding, executor start and end)
and the client a protocol message. Rows to insert are copied in (COPY, in the binary
format), unless they are only a few (`COPIED_FROM`); an update or a delete runs once, each
parameter an array of its values, one per row, and the rows are read from `unnest()` of
those arrays. Inserted from arrays too, the rows cost the client a type check per value as
the driver took the arrays apart.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import date, datetime
from enum import Enum as PyEnum
from operator import itemgetter
from typing import Any, cast
from weakref import WeakKeyDictionary

from sqlalchemy import JSON, Date, DateTime, Delete, Enum, Insert, Table, TypeDecorator, Update, bindparam, func
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.sql import visitors
from sqlalchemy.sql.elements import BindParameter
from sqlalchemy.types import TypeEngine

Statement = Insert | Update | Delete
Rows = Sequence[Mapping[str, Any]]
Processor = Callable[[Any], Any]  # one value to the driver's
Write = Callable[[AsyncConnection, Rows, bool], Awaitable[int]]  # the rows written; with True, how many matched
DriverWrite = Callable[[Any, Rows], Awaitable[int]]  # on asyncpg's connection: how many rows written

# Per dialect (one per engine), per statement and parameter names: how its rows are written.
_prepared: WeakKeyDictionary[Dialect, dict[tuple[str, tuple[str, ...]], Write]] = WeakKeyDictionary()
_on_driver_prepared: WeakKeyDictionary[Dialect, dict[tuple[str, tuple[str, ...]], DriverWrite]] = WeakKeyDictionary()


def bind_converter(kind: TypeEngine[Any], dialect: Dialect) -> Callable[[Any], Any] | None:
    """How a value of a column of type `kind` goes to the driver: SQLAlchemy's conversion
    for the dialect (a decorator's, then the dialect's own type's), or the shortcut giving
    the same result (`_SHORTCUTS`)."""
    standard = kind.dialect_impl(dialect).bind_processor(dialect)
    decorator = kind if isinstance(kind, TypeDecorator) else None
    impl = decorator.impl_instance if decorator is not None else kind
    for base, shortcut in _SHORTCUTS.get(dialect.name, []):
        if isinstance(impl, base):
            convert = _after(
                decorator, dialect, shortcut(impl, dialect, impl.dialect_impl(dialect).bind_processor(dialect))
            )
            return _remembering_the_last(convert) if isinstance(impl, DateTime) else convert
    if standard is not None and isinstance(impl, DateTime):
        return _remembering_the_last(standard)  # a decorator's conversion (to UTC), as on SQLite
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


Shortcut = Callable[[Any, Dialect, Processor | None], Processor]
_SHORTCUTS: dict[str, list[tuple[type[TypeEngine[Any]], Shortcut]]] = {
    "sqlite": [(DateTime, _datetime_text), (Date, _date_text), (JSON, _json_text), (Enum, _enum_value)],
    "postgresql": [(JSON, _json_text)],  # the driver takes the other types as Python has them
}


COPIED_FROM = 16
"""On PostgreSQL, rows inserted by copying from this many on; fewer (a desk's act writes a
trail entry or two) go as an insert prepared once: one round trip to the server, where
copying takes two (the command, then the rows)."""


def _prepare(statement: Statement, keys: tuple[str, ...], dialect: Dialect) -> Write:
    if dialect.name != "postgresql":
        return _per_row(statement, keys, dialect)
    if isinstance(statement, Insert):
        few, many = _per_row(statement, keys, dialect), _copied(statement, keys, dialect)

        async def write(connection: AsyncConnection, rows: Rows, counted: bool) -> int:
            return await (few if len(rows) < COPIED_FROM else many)(connection, rows, counted)

        return write
    return _from_arrays(statement, keys, dialect)


def _per_row(statement: Statement, keys: tuple[str, ...], dialect: Dialect) -> Write:
    sql, converter = _prepare_rows(statement, keys, dialect)

    async def write(connection: AsyncConnection, rows: Rows, counted: bool) -> int:
        parameters = [converter(row) for row in rows]
        if not counted:
            await connection.exec_driver_sql(sql, parameters)
            return 0
        if dialect.supports_sane_multi_rowcount:
            return (await connection.exec_driver_sql(sql, parameters)).rowcount
        # This driver does not count the rows of one statement run many times: run it per row.
        return sum([(await connection.exec_driver_sql(sql, one)).rowcount for one in parameters])

    return write


def _prepare_rows(
    statement: Statement, keys: tuple[str, ...], dialect: Dialect
) -> tuple[str, Callable[[Mapping[str, Any]], Any]]:
    compiled = statement.compile(dialect=dialect, column_keys=list(keys))
    binds = compiled.binds
    converters = [(name, bind_converter(binds[name].type, dialect)) for name in binds]
    if compiled.positiontup is not None:
        processors = dict(converters)
        names = list(compiled.positiontup)
        return compiled.string, _positional(names, [processors[name] for name in names])

    def named(row: Mapping[str, Any]) -> dict[str, Any]:
        return {name: row[name] if convert is None else convert(row[name]) for name, convert in converters}

    return compiled.string, named


def _positional(names: Sequence[str], converters: Sequence[Processor | None]) -> Callable[[Mapping[str, Any]], Any]:
    """A row to the tuple of its values under `names`, each converted by its converter."""
    converted = [(i, convert) for i, convert in enumerate(converters) if convert is not None]
    values = itemgetter(*names)
    single = len(names) == 1

    def positional(row: Mapping[str, Any]) -> tuple[Any, ...]:
        out = [values(row)] if single else list(values(row))
        for i, convert in converted:
            out[i] = convert(out[i])
        return tuple(out)

    return positional


def _copied(statement: Insert, keys: tuple[str, ...], dialect: Dialect) -> Write:
    """A plain insert: the rows copied into the table's columns named by `keys`, each
    value converted for the driver as the statement would have it."""
    copy = _copy(statement, keys, dialect)

    async def write(connection: AsyncConnection, rows: Rows, counted: bool) -> int:
        driver = (await connection.get_raw_connection()).driver_connection
        assert driver is not None
        if not driver.is_in_transaction():
            await connection.exec_driver_sql("SELECT 1")  # SQLAlchemy begins at a statement of its own
        count = await copy(driver, rows)
        return count if counted else 0

    return write


def _copy(statement: Insert, keys: tuple[str, ...], dialect: Dialect) -> DriverWrite:
    table = statement.table
    assert isinstance(table, Table)
    columns = [table.c[key] for key in keys]
    names = [column.name for column in columns]  # a column's key may differ from its name (value_eur)
    record = _positional(keys, [bind_converter(column.type, dialect) for column in columns])

    async def copy(driver: Any, rows: Rows) -> int:
        status = await driver.copy_records_to_table(
            table.name, records=[record(row) for row in rows], columns=names, schema_name=table.schema
        )
        return int(status.split()[-1])  # "COPY <rows>"

    return copy


def _from_arrays(statement: Statement, keys: tuple[str, ...], dialect: Dialect) -> Write:
    """An update or a delete run once, joining `unnest()` of one array per parameter
    (UPDATE ... FROM, DELETE ... USING): each row of the table is matched once at most,
    as the rows given name different rows of the table."""
    sql, arrays = _arrays(statement, dialect)

    async def write(connection: AsyncConnection, rows: Rows, counted: bool) -> int:
        result = await connection.exec_driver_sql(sql, arrays(rows))
        return int(result.rowcount) if counted else 0

    return write


def _arrays(statement: Statement, dialect: Dialect) -> tuple[str, Callable[[Rows], tuple[list[Any], ...]]]:
    """The statement reading its rows from arrays, and the arrays of some rows."""
    kinds: dict[str, TypeEngine[Any]] = {}

    def parameter(bind: BindParameter[Any]) -> None:
        kinds.setdefault(bind.key, bind.type)

    visitors.traverse(statement, {}, {"bindparam": parameter})
    names = list(kinds)
    given = func.unnest(*[bindparam(name, type_=ARRAY(kinds[name])) for name in names])
    table = given.table_valued(*names).render_derived(name="given")

    def from_table(element: Any, **_: Any) -> Any:
        return table.c[element.key] if isinstance(element, BindParameter) and element.key in kinds else None

    arrayed = cast(Statement, visitors.replacement_traverse(statement, {}, from_table))
    compiled = arrayed.compile(dialect=dialect)
    assert compiled.positiontup is not None  # the dialect's parameters are numbered
    columns = [(itemgetter(name), bind_converter(kinds[name], dialect)) for name in compiled.positiontup]

    def arrays(rows: Rows) -> tuple[list[Any], ...]:
        return tuple(
            list(map(value, rows)) if convert is None else [convert(value(row)) for row in rows]
            for value, convert in columns
        )

    return compiled.string, arrays


def _on_driver(statement: Statement, keys: tuple[str, ...], dialect: Dialect) -> DriverWrite:
    if isinstance(statement, Insert):
        return _copy(statement, keys, dialect)
    sql, arrays = _arrays(statement, dialect)

    async def execute(driver: Any, rows: Rows) -> int:
        status = await driver.execute(sql, *arrays(rows))
        return int(status.split()[-1])  # "UPDATE <rows>"

    return execute


async def execute_on_driver(
    driver: Any, dialect: Dialect, key: str, statement: Statement, rows: Sequence[Mapping[str, Any]]
) -> None:
    """As `execute_many` on PostgreSQL, on asyncpg's connection itself (`driver`), beside
    the session: for statements a transaction runs while it goes on with other work
    (`batching.ahead`). The caller sees to it that nothing else uses the connection."""
    if not rows:
        return
    keys = tuple(rows[0])
    prepared = _on_driver_prepared.setdefault(dialect, {})
    if (key, keys) not in prepared:
        prepared[key, keys] = _on_driver(statement, keys, dialect)
    await prepared[key, keys](driver, rows)


async def execute_many(
    session: AsyncSession, key: str, statement: Statement, rows: Sequence[Mapping[str, Any]], *, counted: bool = False
) -> int:
    """Runs `statement` for every row of `rows`, in the session's transaction. The rows
    share their keys: the statement's parameters, or for an insert the columns to fill
    (the others take their server defaults). `key` names the statement: it is compiled
    once per dialect and set of keys. With `counted`, returns the number of rows the
    statement matched in all (0 otherwise)."""
    if not rows:
        return 0
    connection = await session.connection()
    keys = tuple(rows[0])
    prepared = _prepared.setdefault(connection.dialect, {})
    if (key, keys) not in prepared:
        prepared[key, keys] = _prepare(statement, keys, connection.dialect)
    return await prepared[key, keys](connection, rows, counted)
