"""A framework keeps what its nations called off in totals of its own, so that a call-off
costs the same on a framework holding ten call-offs as on one holding ten thousand: placing
one reads none of the others. A database of before is upgraded with the totals written
from the call-offs it holds. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, func, select, text

from bundling_shared.db import make_engine, migrate
from contracts.adapters import orm
from contracts.entrypoints.app import MIGRATIONS
from contracts.service_layer.frameworks import create_framework_for_commitment
from tests.contracts.events import framework_committed
from tests.contracts.integration.conftest import Api
from tests.support.api import desk
from tests.support.statements import statements_run
from tests.support.today import TODAY

DUE = (TODAY + timedelta(days=200)).isoformat()


async def totals(api: Api, framework_id: str) -> tuple[int, Decimal, dict[str, int]]:
    f = orm.frameworks
    query = select(f.c.called_off_quantity, f.c.called_off_value_eur, f.c.called_off_by_nation)
    async with api.service.engine.connect() as conn:
        quantity, value, by_nation = (await conn.execute(query.where(f.c.id == framework_id))).one()
    return quantity, value, by_nation


async def test_a_call_off_is_placed_without_reading_the_frameworks_other_call_offs(api: Api) -> None:
    event = framework_committed(yearly={"NLD": [3, 3, 3], "NOR": [2, 2]})
    framework_id = await create_framework_for_commitment(event, api.service.uow())
    assert framework_id is not None
    thales = await api.supplier("THALES-NL", "NLD")
    path = f"/v1/frameworks/{framework_id}"
    body = {"supplier_id": thales["id"], "unit_price_eur": "2500000.10"}
    await api.call("POST", f"{path}/suppliers", desk("NLD"), body)
    call_off = {"item_code": "MMR", "quantity": 1, "delivery_due": DUE}
    for nation in ("NLD", "NOR", "NLD"):
        await api.call("POST", f"{path}/call-offs", desk(nation), call_off, 201)

    with statements_run(api.service.engine) as sent:
        await api.call("POST", f"{path}/call-offs", desk("NOR"), {**call_off, "quantity": 3}, 201)
    on_call_offs = [s for s in sent if "call_offs" in s]
    # the call-off's insert (on PostgreSQL a part of one WITH with its log entry and event), and no read
    assert len(on_call_offs) == 1 and "INSERT INTO call_offs" in on_call_offs[0], on_call_offs
    assert "FROM call_offs" not in on_call_offs[0]

    assert await totals(api, framework_id) == (6, Decimal("15000000.60"), {"NLD": 2, "NOR": 4})
    seen = await api.call("GET", path, desk("NOR"))
    assert (seen["remaining_quantity"], seen["remaining_share"]) == (7, 0)
    refused = await api.call("POST", f"{path}/call-offs", desk("NOR"), call_off, 422)
    assert refused["detail"] == "call-off of 1 exceeds NOR's remaining share of 0 items"
    assert (await api.call("GET", f"{path}/call-offs?limit=2&offset=2", desk("NLD")))["total"] == 4


OLD_FRAMEWORK = (
    "INSERT INTO frameworks (id, bundle_id, item_code, items, contracting_authority, participants,"
    ' ceiling_quantity, ceiling_value_eur, "start", "end", suppliers, row_version, change_log, created_at)'
    " VALUES (:id, NULL, 'MMR', '[\"MMR\"]', 'NLD', '{\"NLD\": 9, \"DNK\": 5}', 14, 35000000.00,"
    " '2025-01-01', '2029-12-31', '{}', 1, '[]', '2025-01-01 00:00:00')"
)
OLD_CALL_OFF = (
    "INSERT INTO call_offs (id, framework_id, nation, item_code, quantity, supplier_id, unit_price_eur,"
    " delivery_due, mode, competition, placed_at) VALUES (:id, 'fw-1', :nation, 'MMR', :quantity, 's-1', {price},"
    " '2027-01-01', 'direct', '[]', '2025-02-01 00:00:00')"
)
"""A call-off kept before; its price written in the statement, as a number of either database."""


def _downgrade(connection: Connection, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", MIGRATIONS)
    config.attributes["connection"] = connection
    command.downgrade(config, revision)


async def test_the_totals_of_frameworks_kept_before_are_written_from_their_call_offs(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        await migrate(engine, MIGRATIONS, "0009")
        async with engine.begin() as conn:
            for framework_id in ("fw-1", "fw-2"):
                await conn.execute(text(OLD_FRAMEWORK), {"id": framework_id})
            placed = [("NLD", 1, "2500000.10"), ("NLD", 1, "2500000.10"), ("DNK", 1, "2500000.10"), ("DNK", 4, "NULL")]
            for n, (nation, quantity, price) in enumerate(placed):
                values = {"id": f"co-{n}", "nation": nation, "quantity": quantity}
                await conn.execute(text(OLD_CALL_OFF.format(price=price)), values)
        await migrate(engine, MIGRATIONS)
        f = orm.frameworks
        query = select(f.c.id, f.c.called_off_quantity, f.c.called_off_value_eur, f.c.called_off_by_nation)
        async with engine.connect() as conn:
            written = [tuple(row) for row in (await conn.execute(query.order_by(f.c.id))).all()]
        assert written == [
            ("fw-1", 7, Decimal("7500000.30"), {"DNK": 5, "NLD": 2}),
            ("fw-2", 0, Decimal("0.00"), {}),
        ]

        async with engine.begin() as conn:  # and back: the call-offs stay
            await conn.run_sync(_downgrade, "0009")
        async with engine.connect() as conn:
            assert await conn.scalar(select(func.count()).select_from(orm.call_offs)) == 4
    finally:
        await engine.dispose()
