"""Many rows in one statement, at the speed of the database driver.

The aggregator writes four rows for every need it places (the line, the trail entry, the
need's new status and the idempotency record), hundreds per batch. Executed with many
parameter sets, a SQL expression costs more in building each row's parameters than the
database spends storing it. Here a statement is compiled once per database dialect and
each row is turned into the driver's parameters with the columns' own conversions (dates,
JSON, enumerations, UTC timestamps: as SQLAlchemy itself converts them for the dialect).

On SQLite the list of rows goes to the driver's executemany, and the common types take a
shorter path to the same text (`_SQLITE_SHORTCUTS`, checked against SQLAlchemy's own in
the tests). On PostgreSQL the statement runs once for all the rows: each parameter
becomes an array of its values, one per row, and the rows are read from `unnest()` of
those arrays. Run once per row, even pipelined by the driver, each row cost the server a
statement of its own (binding, executor start, its own WAL record per row) and the client
a protocol message per row; as arrays, the values go in a few compact messages and the
server inserts or updates them all in one pass.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from enum import Enum as PyEnum
from operator import itemgetter
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import JSON, Date, DateTime, Delete, Enum, Insert, TypeDecorator, Update, bindparam, func, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import visitors
from sqlalchemy.sql.elements import BindParameter
from sqlalchemy.types import TypeEngine

Statement = Insert | Update | Delete
Rows = Sequence[Mapping[str, Any]]
Converter = Callable[[Rows], Any]  # the rows to the driver's parameters: a list of rows, or one set of arrays
Processor = Callable[[Any], Any]  # one value to the driver's

# Per dialect (one per engine), per statement and parameter names: the SQL, the converter
# and whether the statement runs once per row.
_prepared: WeakKeyDictionary[Dialect, dict[tuple[str, tuple[str, ...]], tuple[str, Converter, bool]]] = (
    WeakKeyDictionary()
)


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


def _prepare(statement: Statement, keys: tuple[str, ...], dialect: Dialect) -> tuple[str, Converter, bool]:
    if dialect.name == "postgresql":
        sql, convert = _prepare_arrays(statement, keys, dialect)
        return sql, convert, False
    sql, row_converter = _prepare_rows(statement, keys, dialect)
    return sql, lambda rows: [row_converter(row) for row in rows], True


def _prepare_rows(
    statement: Statement, keys: tuple[str, ...], dialect: Dialect
) -> tuple[str, Callable[[Mapping[str, Any]], Any]]:
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


def _prepare_arrays(statement: Statement, keys: tuple[str, ...], dialect: Dialect) -> tuple[str, Converter]:
    """The statement reading its rows from `unnest()` of one array per parameter: an
    insert takes its columns from it (INSERT ... SELECT), an update or a delete joins it
    (UPDATE ... FROM, DELETE ... USING), matching each row of the table once at most as
    the rows given name different rows of the table."""
    if isinstance(statement, Insert):
        kinds = {key: statement.table.c[key].type for key in keys}
    else:
        kinds = {}

        def parameter(bind: BindParameter[Any]) -> None:
            kinds.setdefault(bind.key, bind.type)

        visitors.traverse(statement, {}, {"bindparam": parameter})
    names = list(kinds)
    given = func.unnest(*[bindparam(name, type_=ARRAY(kinds[name])) for name in names])
    table = given.table_valued(*names).render_derived(name="given")
    if isinstance(statement, Insert):
        arrayed: Any = statement.from_select([statement.table.c[key] for key in keys], select(*table.c))
    else:

        def from_table(element: Any, **_: Any) -> Any:
            return table.c[element.key] if isinstance(element, BindParameter) and element.key in kinds else None

        arrayed = visitors.replacement_traverse(statement, {}, from_table)
    compiled = arrayed.compile(dialect=dialect)
    assert compiled.positiontup is not None  # the dialect's parameters are numbered
    columns = [(itemgetter(name), bind_converter(kinds[name], dialect)) for name in compiled.positiontup]

    def arrays(rows: Rows) -> tuple[list[Any], ...]:
        return tuple(
            list(map(value, rows)) if convert is None else [convert(value(row)) for row in rows]
            for value, convert in columns
        )

    return compiled.string, arrays


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
    dialect = connection.dialect
    keys = tuple(rows[0])
    prepared = _prepared.setdefault(dialect, {})
    if (key, keys) not in prepared:
        prepared[key, keys] = _prepare(statement, keys, dialect)
    sql, convert, per_row = prepared[key, keys]
    parameters = convert(rows)
    if not counted:
        await connection.exec_driver_sql(sql, parameters)
        return 0
    if not per_row or dialect.supports_sane_multi_rowcount:
        return (await connection.exec_driver_sql(sql, parameters)).rowcount
    # This driver does not count the rows of one statement run many times: run it per row.
    return sum([(await connection.exec_driver_sql(sql, one)).rowcount for one in parameters])
