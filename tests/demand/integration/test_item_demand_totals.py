"""The demand sheet reads an item's running totals (`item_demand`), which triggers on
`needs` keep in step with every write: a need registered as a draft or submitted, amended,
withdrawn, set aside by the aggregator's bulk statement, deleted. After each step they
equal what summing every need of the item gives, on SQLite and PostgreSQL; and a database
upgraded with needs already in it starts with totals that add up."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import Text, and_, case, cast, delete, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from bundling_shared.db import make_engine, migrate
from demand.adapters import orm
from demand.adapters.repository import NOT_DEMAND
from demand.domain.need import AlikeNeeds, EndUser, Need, NeedStatus, YearQuantity
from demand.entrypoints.app import MIGRATIONS
from tests.demand.helpers import Store, opened

ITEM = "AMMO-155MM"


def in_order(found: Sequence[AlikeNeeds]) -> list[AlikeNeeds]:
    return sorted(found, key=repr)


async def every_need_summed(session: AsyncSession) -> list[AlikeNeeds]:
    """The item's demand summed need by need, in the same groups."""
    c = orm.needs.c
    yearly = cast(c.yearly, Text)
    each = case((and_(c.recurring, yearly == "[]"), c.quantity), else_=0)
    alike = (c.nation, c.end_user, c.window_start, c.window_end, c.recurring, yearly, each)
    query = (
        select(*alike, func.count(), func.sum(c.quantity))
        .where(c.item_code == ITEM, c.status.not_in(NOT_DEMAND))
        .group_by(*alike)
    )
    return in_order(
        [
            AlikeNeeds(nation, EndUser(end_user), start, end, bool(recurring), orm.yearly_of(y), count, int(q))
            for nation, end_user, start, end, recurring, y, _, count, q in await session.execute(query)
        ]
    )


async def check(uow: Store) -> list[AlikeNeeds]:
    """The totals as the demand sheet reads them, once they equal the sum over needs."""
    async with uow() as u:
        kept = in_order(await u.needs.demand_of_item(ITEM))
        assert kept == await every_need_summed(u.session)
    return kept


async def register(uow: Store, nation: str, quantity: int, **terms: object) -> Need:
    async with uow() as u:
        need = Need.register(
            now=u.clock.now(),
            nation=nation,
            item_code=ITEM,
            quantity=quantity,
            window_start=terms.pop("window_start", date(2027, 1, 1)),  # type: ignore[arg-type]
            window_end=terms.pop("window_end", date(2029, 12, 31)),  # type: ignore[arg-type]
            item=await u.catalogue.get(ITEM),
            **terms,  # type: ignore[arg-type]
        )
        u.needs.add(need)
        await u.commit()
    return need


async def test_the_totals_follow_every_write_of_a_need(database_url: str) -> None:
    async with opened(database_url) as uow:
        assert await check(uow) == []
        one_off = await register(uow, "NLD", 100)
        await register(uow, "NLD", 50)  # the same group: counted together
        await register(uow, "DEU", 30, end_user=EndUser.UKRAINE)
        recurring = await register(uow, "POL", 36, recurring=True)
        await register(uow, "POL", 24, recurring=True)  # spread need by need: a group of its own
        yearly = [YearQuantity(2027, 10), YearQuantity(2028, 20)]
        await register(uow, "CZE", 30, yearly=yearly)
        draft = await register(uow, "FIN", 40, draft=True)  # not demand yet
        kept = await check(uow)
        assert sum(a.count for a in kept) == 6 and sum(a.quantity for a in kept) == 270
        assert next(a for a in kept if a.nation == "NLD").count == 2

        async with uow() as u:
            item = await u.catalogue.get(ITEM)
            stored = {n.id: n for n in [await u.needs.get(x.id) for x in (one_off, recurring, draft)] if n}
            stored[one_off.id].amend({"quantity": 120}, item, u.clock.now())
            stored[recurring.id].amend({"window_end": date(2030, 12, 31)}, item, u.clock.now())
            stored[draft.id].submit(u.clock.now())
            await u.commit()
        kept = await check(uow)
        assert sum(a.quantity for a in kept) == 270 + 20 + 40

        async with uow() as u:
            withdrawn = await u.needs.get(one_off.id)
            assert withdrawn is not None
            withdrawn.withdraw(u.clock.now())
            await u.commit()
        kept = await check(uow)
        assert next(a for a in kept if a.nation == "NLD").count == 1

        async with uow() as u:  # as the aggregator sets needs aside and bundles others: statements, not objects
            await u.session.execute(
                update(orm.needs).where(orm.needs.c.nation == "POL").values(status=NeedStatus.UNPLACEABLE)
            )
            await u.session.execute(
                update(orm.needs).where(orm.needs.c.nation == "CZE").values(status=NeedStatus.BUNDLED, version=2)
            )
            await u.commit()
        kept = await check(uow)
        assert {a.nation for a in kept} == {"NLD", "DEU", "CZE", "FIN"}

        async with uow() as u:
            await u.session.execute(delete(orm.need_versions))
            await u.session.execute(delete(orm.needs).where(orm.needs.c.nation == "DEU"))
            await u.commit()
        kept = await check(uow)
        assert {a.nation for a in kept} == {"NLD", "CZE", "FIN"}

        async with uow() as u:  # a rolled back change leaves the totals as they were
            await u.session.execute(update(orm.needs).values(status=NeedStatus.WITHDRAWN))
        assert await check(uow) == kept


async def test_an_upgraded_database_starts_with_totals_that_add_up(database_url: str) -> None:
    engine = make_engine(database_url)
    await migrate(engine, MIGRATIONS, "0006")
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO needs (id, nation, item_code, quantity, window_start, window_end, end_user, status,"
                " created_at) VALUES"
                " ('need-a', 'NLD', :item, 5, '2027-01-01', '2028-12-31', 'own_forces', 'bundled', '2026-01-01'),"
                " ('need-b', 'NLD', :item, 7, '2027-01-01', '2028-12-31', 'own_forces', 'committed', '2026-01-01'),"
                " ('need-c', 'NOR', :item, 9, '2027-01-01', '2028-12-31', 'ukraine', 'submitted', '2026-01-01'),"
                " ('need-d', 'NOR', :item, 11, '2027-01-01', '2028-12-31', 'ukraine', 'withdrawn', '2026-01-01')"
            ),
            {"item": ITEM},
        )
    await migrate(engine, MIGRATIONS)
    await engine.dispose()
    async with opened(database_url) as uow:
        kept = await check(uow)
    assert [(a.nation, a.end_user, a.count, a.quantity) for a in kept] == [
        ("NLD", EndUser.OWN_FORCES, 2, 12),
        ("NOR", EndUser.UKRAINE, 1, 9),
    ]
