"""An aggregate read by its key (`by_key`) as `Session.get` reads it, on both databases:
the object the session holds, without a statement; otherwise the stored row; nothing for
a key not stored; an object the session holds expired, read again as it is stored now."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bundling_shared.db import make_session_factory
from bundling_shared.repository import by_key
from demand.adapters import orm
from demand.domain.need import Need
from demand.domain.reference import CatalogueItem
from tests.shared.integration.test_commit_rows import register
from tests.support.statements import statements_run


async def a_need(engine: AsyncEngine) -> str:
    await register(engine, 1, "by-key")
    async with engine.connect() as conn:
        need_id: str = (await conn.execute(select(orm.needs.c.id))).scalar_one()
    return need_id


async def test_the_stored_row_is_read_once_then_the_session_answers(engine: AsyncEngine) -> None:
    need_id = await a_need(engine)
    async with make_session_factory(engine)() as session:
        with statements_run(engine) as sent:
            need = await by_key(session, Need, need_id)
            again = await by_key(session, Need, need_id)
        assert need is not None and need.id == need_id and need.quantity == 100
        assert again is need
        assert len([s for s in sent if s.startswith("SELECT")]) == 1, sent


async def test_a_key_not_stored_reads_nothing(engine: AsyncEngine) -> None:
    async with make_session_factory(engine)() as session:
        assert await by_key(session, Need, "need-not-stored") is None
        assert await by_key(session, CatalogueItem, "NOT-IN-THE-CATALOGUE") is None


async def test_an_expired_object_is_read_again_as_stored_now(engine: AsyncEngine) -> None:
    need_id = await a_need(engine)
    async with make_session_factory(engine)() as session:
        need = await by_key(session, Need, need_id)
        assert need is not None
        async with engine.begin() as other:
            await other.execute(update(orm.needs).where(orm.needs.c.id == need_id).values(quantity=250))
        assert (await by_key(session, Need, need_id)) is need
        assert need.quantity == 100  # held, not expired: the session's object as it was read
        session.expire(need)
        assert (await by_key(session, Need, need_id)) is need
        assert need.quantity == 250
