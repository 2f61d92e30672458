"""Many rows in one statement, at the speed of the database driver.

The aggregator writes four rows for every need it places (the line, the trail entry, the
need's new status and the idempotency record), hundreds per batch. Executed with many
parameter sets, a SQL expression costs more in building each row's parameters than the
database spends storing it. Here a statement is compiled once per database dialect, each
row is turned into the driver's parameters with the columns' own conversions (dates,
JSON, enumerations, UTC timestamps: as SQLAlchemy itself would convert them) and the
whole list is handed to the driver's executemany.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from operator import itemgetter
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import Delete, Insert, Update
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncSession

Statement = Insert | Update | Delete
Converter = Callable[[Mapping[str, Any]], Any]

# Per dialect (one per engine), per statement and parameter names: the SQL and the converter.
_prepared: WeakKeyDictionary[Dialect, dict[tuple[str, tuple[str, ...]], tuple[str, Converter]]] = WeakKeyDictionary()


def _prepare(statement: Statement, keys: tuple[str, ...], dialect: Dialect) -> tuple[str, Converter]:
    compiled = statement.compile(dialect=dialect, column_keys=list(keys))
    binds = compiled.binds
    converters = [(name, binds[name].type.bind_processor(dialect)) for name in binds]
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
