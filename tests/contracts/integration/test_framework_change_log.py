"""A framework's change log is a table of its own: an act appends its entries in one
statement and reads none, so that a call-off costs the same on a log of ten entries as on
one of ten thousand; the log is read a page at a time, oldest first, each caller seeing
what it saw when the log was a list on the framework's row. A database of before is
upgraded with every framework's entries moved in order. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import JSON, Date, Integer, String, column, func, insert, inspect, select, table, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bundling_shared.db import UtcDateTime, make_engine, make_session_factory, migrate
from contracts.adapters import orm
from contracts.adapters.unit_of_work import ContractsUnitOfWork
from contracts.entrypoints.app import MIGRATIONS
from contracts.service_layer.frameworks import Sees, create_framework_for_commitment
from contracts.service_layer.unit_of_work import Found
from tests.contracts.events import framework_committed
from tests.contracts.integration.conftest import Api
from tests.contracts.integration.test_framework_totals import OLD_CALL_OFF, _downgrade
from tests.support.api import desk, industry
from tests.support.statements import statements_run
from tests.support.today import TODAY

DUE = (TODAY + timedelta(days=200)).isoformat()


async def framework_with_supplier(api: Api) -> tuple[str, str]:
    """NLD's framework with NOR taking part, Thales its supplier; its log: created, and the
    supplier added. Returns its path and Thales's id."""
    event = framework_committed(yearly={"NLD": [3, 3, 3], "NOR": [2, 2]})
    framework_id = await create_framework_for_commitment(event, api.service.uow())
    assert framework_id is not None
    thales = await api.supplier("THALES-NL", "NLD")
    body = {"supplier_id": thales["id"], "unit_price_eur": "2500000.10"}
    await api.call("POST", f"/v1/frameworks/{framework_id}/suppliers", desk("NLD"), body)
    return f"/v1/frameworks/{framework_id}", thales["id"]


async def page(api: Api, path: str, who: dict[str, str], limit: int = 100, offset: int = 0) -> tuple[int, list[str]]:
    """How many entries the caller sees in all, and of one page each's scope and what it
    says (a call-off's without its id)."""
    found = await api.call("GET", f"{path}/change-log?limit={limit}&offset={offset}", who)
    return found["total"], [f"{e['scope']}: {e['what'].split(';')[0]}" for e in found["items"]]


async def test_the_entries_an_act_appends_are_read_back_a_page_at_a_time_as_each_caller_sees_them(api: Api) -> None:
    path, thales = await framework_with_supplier(api)
    call_off = {"item_code": "MMR", "quantity": 1, "delivery_due": DUE}
    for nation in ("NLD", "NOR", "NLD"):
        await api.call("POST", f"{path}/call-offs", desk(nation), call_off, 201)
    await api.call("POST", f"{path}/call-offs", desk("NOR"), {**call_off, "quantity": 9}, 422)  # refused: not logged

    created, supplier = (
        "all: created: ceiling 13 items, participants NLD, NOR",
        f"all: supplier {thales} added at unit price 2500000.10",
    )
    nld, nor = (f"{n}: {n} called off 1 MMR from {thales} (direct)" for n in ("NLD", "NOR"))
    assert await page(api, path, desk("NLD")) == (5, [created, supplier, nld, nor, nld])  # the lead: every entry
    assert await page(api, path, desk("NLD"), limit=2, offset=2) == (5, [nld, nor])
    assert await page(api, path, desk("NLD"), limit=2, offset=5) == (5, [])
    assert await page(api, path, desk("NOR")) == (3, [created, supplier, nor])  # the whole's and its own part's
    assert await page(api, path, desk("NOR"), limit=1, offset=2) == (3, [nor])
    assert await page(api, path, industry("THALES-NL")) == (2, [created, supplier])  # the whole framework's


LONG_LOG = 2_000


async def test_a_call_off_on_a_long_log_appends_its_entry_in_one_statement_and_reads_none(api: Api) -> None:
    path, thales = await framework_with_supplier(api)
    framework_id = path.rsplit("/", 1)[1]
    at = datetime(2026, 1, 1, tzinfo=UTC).isoformat()
    kept = [{"framework_id": framework_id, "at": at, "by": "desk:NOR", "what": f"entry {n}", "scope": "NOR"}
            for n in range(LONG_LOG)]  # fmt: skip
    async with api.service.engine.begin() as conn:
        await conn.execute(insert(orm.framework_changes), kept)
    call_off = {"item_code": "MMR", "quantity": 1, "delivery_due": DUE}

    with statements_run(api.service.engine) as sent:
        await api.call("POST", f"{path}/call-offs", desk("NOR"), call_off, 201)
    on_the_log = [s for s in sent if "framework_changes" in s or "change_log" in s]
    # one statement writes the entry (on PostgreSQL a part of the call-off's WITH), none reads the log
    assert len(on_the_log) == 1 and "INSERT INTO framework_changes" in on_the_log[0], on_the_log
    assert "FROM framework_changes" not in on_the_log[0] and "change_log" not in on_the_log[0]

    total, last = await page(api, path, desk("NOR"), limit=1, offset=LONG_LOG + 2)
    assert (total, last) == (LONG_LOG + 3, [f"NOR: NOR called off 1 MMR from {thales} (direct)"])


OLD_FRAMEWORKS = table(
    "frameworks", *(column(name, String()) for name in ("id", "item_code", "contracting_authority")),
    *(column(name, JSON()) for name in ("items", "participants", "suppliers", "change_log")),
    column("ceiling_quantity", Integer()), column("start", Date()), column("end", Date()),
    column("row_version", Integer()), column("created_at", UtcDateTime()),
)  # fmt: skip
"""The frameworks table as revision 0010 left it, with the change log on the row."""


def old_framework(framework_id: str, log: list[dict[str, str]]) -> dict[str, Any]:
    return {
        "id": framework_id, "item_code": "MMR", "contracting_authority": "NLD", "items": ["MMR"],
        "participants": {"NLD": 9, "DNK": 5}, "suppliers": {}, "change_log": log, "ceiling_quantity": 14,
        "start": date(2025, 1, 1), "end": date(2029, 12, 31), "row_version": 1,
        "created_at": datetime(2025, 1, 1, tzinfo=UTC),
    }  # fmt: skip


def entry(n: int, scope: str | None) -> dict[str, str]:
    kept = {"at": f"2025-01-01T00:00:{n:02d}+00:00", "by": f"desk:{scope}", "what": f"change {n}"}
    return kept if scope is None else {**kept, "scope": scope}


async def seen_by(engine: AsyncEngine, framework_id: str, sees: Sees) -> Found[dict[str, Any]]:
    """One page of the framework's log as a caller who sees this reads it."""
    orm.start_mappers()
    async with ContractsUnitOfWork(make_session_factory(engine)) as uow:
        return await uow.frameworks.change_log(framework_id, sees.log_entries, 100, 0)


async def test_the_change_logs_kept_before_are_moved_to_their_table_in_order(database_url: str) -> None:
    # the order kept is not the order of the moments: an entry's place in the list is its order
    log = [entry(5, "all"), entry(3, "DNK"), entry(4, None), entry(1, "NLD"), entry(2, "all")]
    engine = make_engine(database_url)
    try:
        await migrate(engine, MIGRATIONS, "0010")
        async with engine.begin() as conn:
            await conn.execute(insert(OLD_FRAMEWORKS), [old_framework("fw-1", log), old_framework("fw-2", [])])
            await conn.execute(insert(OLD_FRAMEWORKS), old_framework("fw-0", [entry(9, "all")]))
            values = {"id": "co-1", "nation": "DNK", "quantity": 1}
            await conn.execute(text(OLD_CALL_OFF.format(price="NULL")), values)
        await migrate(engine, MIGRATIONS)

        assert (await seen_by(engine, "fw-1", Sees(all=True))) == Found(log, 5)
        assert (await seen_by(engine, "fw-1", Sees(all=False, nation="DNK"))) == Found([log[0], log[1], log[4]], 3)
        assert (await seen_by(engine, "fw-1", Sees(all=False, supplier_id="s-1"))) == Found([log[0], log[2], log[4]], 3)
        assert (await seen_by(engine, "fw-0", Sees(all=True))) == Found([entry(9, "all")], 1)
        assert (await seen_by(engine, "fw-2", Sees(all=True))) == Found([], 0)
        async with engine.connect() as conn:
            columns = await conn.run_sync(lambda sync: {c["name"] for c in inspect(sync).get_columns("frameworks")})
            assert "change_log" not in columns
            assert await conn.scalar(select(func.count()).select_from(orm.call_offs)) == 1  # kept, not cascaded

        async with engine.begin() as conn:  # and back: the log on the row again, the call-offs stay
            await conn.run_sync(_downgrade, "0010")
        async with engine.connect() as conn:
            query = select(OLD_FRAMEWORKS.c.id, OLD_FRAMEWORKS.c.change_log).order_by(OLD_FRAMEWORKS.c.id)
            assert [tuple(row) for row in await conn.execute(query)] == [
                ("fw-0", [entry(9, "all")]), ("fw-1", log), ("fw-2", []),
            ]  # fmt: skip
            assert await conn.scalar(select(func.count()).select_from(orm.call_offs)) == 1
    finally:
        await engine.dispose()
