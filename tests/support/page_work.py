"""What a page's statement costs the database besides its count, on either database: what
tells a page read from the nearer end from one that steps past every row before it."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from sqlalchemy import Select
from sqlalchemy.dialects import sqlite
from sqlalchemy.ext.asyncio import AsyncEngine


async def page_work(database_url: str, engine: AsyncEngine, statement: Select[Any], values: dict[str, Any]) -> int:
    """PostgreSQL: the rows the walks to the page's keys (the scans under a `LIMIT`; the
    count is a scan of its own, and reading the page's rows by their keys costs the same
    wherever the page lies) returned or passed over, from `EXPLAIN ANALYZE`. SQLite: the
    virtual machine's steps, counted by its progress handler on a connection of its own to
    the same file."""
    if database_url.startswith("postgresql"):
        compiled = statement.compile(engine)
        bound = {**compiled.params, **values}
        async with engine.connect() as conn:
            explained = await conn.exec_driver_sql(
                f"EXPLAIN (ANALYZE, FORMAT JSON) {compiled}", tuple(bound[name] for name in compiled.positiontup or [])
            )
            plan = explained.scalar_one()
        tree = plan if isinstance(plan, list) else json.loads(plan)
        return _rows_walked(tree[0]["Plan"], under_limit=False)
    compiled = statement.compile(dialect=sqlite.dialect())
    bound = {**compiled.params, **values}
    steps = 0

    def counted() -> int:
        nonlocal steps
        steps += 1
        return 0

    with sqlite3.connect(database_url.split("///", 1)[1]) as db:
        db.set_progress_handler(counted, 10)
        db.execute(str(compiled), [bound[name] for name in compiled.positiontup or []]).fetchall()
    return steps


def _rows_walked(node: dict[str, Any], under_limit: bool) -> int:
    under_limit = under_limit or node["Node Type"] == "Limit"
    own = 0
    if under_limit and "Scan" in node["Node Type"] and node["Node Type"] != "CTE Scan":
        passed = sum(int(node.get(f"Rows Removed by {what}", 0)) for what in ("Filter", "Index Recheck"))
        own = (int(node["Actual Rows"]) + passed) * int(node["Actual Loops"])
    return own + sum(_rows_walked(child, under_limit) for child in node.get("Plans", []))
