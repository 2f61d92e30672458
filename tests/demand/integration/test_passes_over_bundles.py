"""The passes over many bundles in one transaction (the publication of bundle changes, the
deadline reminders) leave alone a bundle another transaction holds, on PostgreSQL where
two can write at once: waiting for it while holding others, a pass could wait for a batch
of needs that waits for the pass, and the database would end one of them. The bundle left
alone is taken at the next pass."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select

from demand.adapters import orm
from demand.service_layer import aggregator
from demand.service_layer.bundles import remind_deadlines
from demand.service_layer.publication import publish_due
from tests.demand.helpers import Store, opened
from tests.demand.integration.test_running_totals_as_rows import needs_of, registered
from tests.support import infra

pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)

PASS_SECONDS = 10  # ample for a pass over two bundles; waiting for the held one, it never ends


async def two_bundles(store: Store) -> tuple[str, str]:
    """A bundle of VSRAT and one of 155 mm ammunition, both with changes not yet published."""
    for need in await needs_of(store, [("NLD", "VSRAT", 40), ("DEU", "AMMO-155MM", 400)]):
        await aggregator.aggregate(registered(need), store())
    async with store() as u:
        ids = dict((await u.session.execute(select(orm.bundles.c.item_code, orm.bundles.c.id))).tuples().all())
    return ids["VSRAT"], ids["AMMO-155MM"]


async def pending(store: Store) -> set[str]:
    """The bundles with changes not yet published."""
    async with store() as u:
        query = select(orm.bundles.c.id).where(orm.bundles.c.pending_since.is_not(None))
        return set((await u.session.scalars(query)).all())


async def test_the_publication_leaves_a_held_bundle_to_its_next_pass(database_url: str) -> None:
    async with opened(database_url) as store:
        vsrat, _ = await two_bundles(store)

        async def publish() -> int:
            later = store().clock.now() + timedelta(hours=1)
            return await publish_due(store(), now=later, quiet=timedelta(0), max_wait=timedelta(0))

        async with infra.row_held(database_url, "bundles", vsrat):
            assert await asyncio.wait_for(publish(), PASS_SECONDS) == 1
        assert await pending(store) == {vsrat}
        assert await asyncio.wait_for(publish(), PASS_SECONDS) == 1
        assert await pending(store) == set()


async def test_the_deadline_reminders_leave_a_held_bundle_to_their_next_look(database_url: str) -> None:
    async with opened(database_url) as store:
        vsrat, ammo = await two_bundles(store)
        for bundle_id in (vsrat, ammo):
            async with store() as u:
                bundle = await u.bundles.get(bundle_id)
                assert bundle is not None
                today = u.clock.today()
                bundle.open_for_accession(
                    deadline=today + timedelta(days=3), minimum_nations=1, today=today, now=u.clock.now()
                )
                await u.commit()

        async def remind() -> int:
            return await remind_deadlines(store(), days_ahead=7)

        async with infra.row_held(database_url, "bundles", vsrat):
            assert await asyncio.wait_for(remind(), PASS_SECONDS) == 1
        async with store() as u:
            reminded = dict(
                (await u.session.execute(select(orm.bundles.c.id, orm.bundles.c.deadline_reminded))).tuples().all()
            )
        assert reminded[vsrat] is None and reminded[ammo] is not None
        assert await asyncio.wait_for(remind(), PASS_SECONDS) == 1
        assert await remind() == 0  # once per deadline
