"""A page of a long ordered list and how many the list holds, read in one statement.

A bundle's trail and its lines grow to tens of thousands of rows, and their readers jump
to the last page as often as to the first: that is where the latest decisions are. With
`OFFSET` a last page is found by stepping past every row before it, 10^4 rows read to
answer 50. Read backwards from the end, the same page steps past none; but the offset
from the end is only known from the count, and a count read in a statement of its own
may see rows appended after it (or miss ones appended before the page is read), so
the page would skip or repeat a row. Here the count and the page are one statement, one
snapshot on every database: the count, then whichever of two reads starts at the nearer
end, the other one limited to no row.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Column, ColumnElement, Integer, Select, and_, bindparam, case, func, select, true, union_all
from sqlalchemy.ext.asyncio import AsyncSession

_TOTAL, _KEY = "_total", "_key"  # the first two columns of a counted page


def counted_page(
    columns: Sequence[ColumnElement[Any]],
    where: Sequence[ColumnElement[bool]],
    key: Column[Any],
    identified_with: Sequence[ColumnElement[bool]] = (),
    *,
    after: Sequence[Column[Any]] = (),
    newest_first: bool = False,
) -> Select[Any]:
    """The rows of `columns` that `where` lets through, in the order of `after` (columns of
    the table read, such as the moment a row was written: none, or not unique) and then of
    `key` (a column of that table, unique among the rows `where` lets through), the last
    first with `newest_first`, from `:offset` on, at most `:limit` of them, each row led by
    how many there are in all and its key. A page past the end is one row of the count and
    nothing else (`None` columns).

    Each end is walked for the keys (and `after`) alone, then the page's rows are read by
    their keys: an index on the columns `where` tests, `after` and `key` answers the walk by
    itself, and with no row to read the database cannot be tempted into walking the whole
    table in that order instead (the limits are only known once the count is, so its
    planner guesses them). A row is read by its key and `identified_with`, the tests of
    `where` on the other columns of a unique index that `key` ends (none when `key` is
    unique in the table): a lookup the database makes one row at a time whatever it knows
    of the table's contents. Built once per list and kept: building it costs more than the
    database takes to answer it."""
    limit, offset = bindparam("limit", type_=Integer), bindparam("offset", type_=Integer)
    total = select(func.count().label("n")).select_from(key.table).where(*where).cte("total")
    n = total.c.n

    def of_total(expression: ColumnElement[Any]) -> ColumnElement[Any]:
        return select(expression).select_from(total).scalar_subquery()

    left = n - offset  # rows from the page's first to the list's end; fewer before it: from the start
    from_start = case((offset < left, limit), else_=0)
    from_end = case((and_(offset >= left, left > 0), case((left < limit, left), else_=limit)), else_=0)
    skipped_at_end = case((left - limit > 0, left - limit), else_=0)
    walked = [*(column.label(f"_after_{i}") for i, column in enumerate(after)), key.label(_KEY)]
    walk = select(*walked).where(*where)
    forwards, backwards = [*after, key], [column.desc() for column in (*after, key)]
    start, end = (backwards, forwards) if newest_first else (forwards, backwards)
    head = walk.order_by(*start).limit(of_total(from_start)).offset(offset).subquery("head")
    tail = walk.order_by(*end).limit(of_total(from_end)).offset(of_total(skipped_at_end)).subquery("tail")
    # No page holds more than `:limit` keys: said again where the planner can read it, it
    # reads each page's rows by their keys instead of every row of the list to join them.
    keys = select(union_all(select(head), select(tail)).subquery("ends")).limit(limit).subquery("page")
    rows = total.outerjoin(keys, true()).outerjoin(key.table, and_(key == keys.c[_KEY], *identified_with))
    order = [keys.c[label.name] for label in walked]
    return (
        select(n.label(_TOTAL), keys.c[_KEY], *columns)
        .select_from(rows)
        .order_by(*(column.desc() for column in order) if newest_first else order)
    )


async def read_counted_page(
    session: AsyncSession, statement: Select[Any], parameters: dict[str, Any], *, limit: int, offset: int
) -> tuple[list[dict[str, Any]], int]:
    """The page's rows, each by the names of `counted_page`'s columns, and the count."""
    found = (await session.execute(statement, {**parameters, "limit": limit, "offset": offset})).all()
    total = int(found[0][0]) if found else 0
    names = list(found[0]._fields[2:]) if found else []
    return [dict(zip(names, row[2:], strict=True)) for row in found if row[1] is not None], total
