"""Upgrading a database of the per-item backbone keeps its bundles, as proposed bundles
with running totals per nation, on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import text

from bundling_shared.db import make_engine, migrate
from demand.entrypoints.app import MIGRATIONS

BACKBONE_ROWS = [
    "INSERT INTO needs VALUES ('need-a', 'NLD', 'VSRAT', 5, '2025-01-01', '2026-01-01', 'own_forces', 'bundled',"
    " '2025-01-01 00:00:00')",
    "INSERT INTO needs VALUES ('need-b', 'NOR', 'VSRAT', 7, '2025-02-01', '2026-06-01', 'own_forces', 'bundled',"
    " '2025-01-01 00:00:00')",
    "INSERT INTO bundles VALUES ('bundle-a', 'VSRAT', 'open', NULL, NULL, 2, '2025-01-01 00:00:00')",
    "INSERT INTO bundle_lines VALUES ('bundle-a', 'need-a', 'NLD', 5, '2025-01-01', '2026-01-01'),"
    " ('bundle-a', 'need-b', 'NOR', 7, '2025-02-01', '2026-06-01')",
]


async def test_backbone_bundles_survive_the_upgrade(database_url: str) -> None:
    engine = make_engine(database_url)
    await migrate(engine, MIGRATIONS, "0001")
    async with engine.begin() as conn:
        for statement in BACKBONE_ROWS:
            await conn.execute(text(statement))
    await migrate(engine, MIGRATIONS)
    async with engine.connect() as conn:
        bundle = (
            await conn.execute(text("SELECT status, total_quantity, line_count FROM bundles WHERE id = 'bundle-a'"))
        ).one()
        shares = (
            await conn.execute(text("SELECT nation, quantity, need_count FROM bundle_shares ORDER BY nation"))
        ).all()
        needs = (await conn.execute(text("SELECT id, bundle_id FROM needs ORDER BY id"))).all()
        items = await conn.scalar(text("SELECT COUNT(*) FROM catalogue_items"))
    await engine.dispose()
    assert tuple(bundle) == ("proposed", 12, 2)
    assert [tuple(s) for s in shares] == [("NLD", 5, 1), ("NOR", 7, 1)]
    assert [tuple(n) for n in needs] == [("need-a", "bundle-a"), ("need-b", "bundle-a")]
    assert items is not None and items >= 9


async def test_whole_euro_budgets_become_cents(database_url: str) -> None:
    engine = make_engine(database_url)
    await migrate(engine, MIGRATIONS, "0002")
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO needs (id, nation, item_code, quantity, window_start, window_end, end_user, status,"
                " created_at, budget_ceiling_eur) VALUES ('need-a', 'NLD', 'VSRAT', 5, '2025-01-01', '2026-01-01',"
                " 'own_forces', 'submitted', '2025-01-01 00:00:00', 250000000), ('need-b', 'NOR', 'VSRAT', 7,"
                " '2025-01-01', '2026-01-01', 'own_forces', 'submitted', '2025-01-01 00:00:00', NULL)"
            )
        )
    await migrate(engine, MIGRATIONS)
    async with engine.connect() as conn:
        budgets = (await conn.execute(text("SELECT id, budget_ceiling_cents FROM needs ORDER BY id"))).all()
    await engine.dispose()
    assert [tuple(b) for b in budgets] == [("need-a", 25_000_000_000), ("need-b", None)]
