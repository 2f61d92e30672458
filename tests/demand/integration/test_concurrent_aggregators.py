"""Aggregators on different partitions, in different processes, place needs of the same
item at the same time: only one of them opens a bundle for it, the other joins it; two
batches opening bundles of the same items never deadlock, nor does a batch with the
adoption of its item's harmonised specification. On both databases."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from functools import partial
from typing import Any, TypeVar
from uuid import uuid4

import pytest
from sqlalchemy import func, select

from demand.adapters import orm
from demand.adapters.unit_of_work import DemandUnitOfWork
from demand.domain.bundling import HARMONISED
from demand.domain.need import Need
from demand.service_layer import aggregator
from demand.service_layer.specifications import adopt_harmonised_specification
from tests.demand.helpers import Store, opened
from tests.demand.integration.test_running_totals_as_rows import WINDOW, needs_of, registered

T = TypeVar("T")


class Started:
    """The tasks a test starts against a held transaction. On leaving, passed or failed,
    the transaction is let go and every task is cancelled and awaited: none is left
    blocked on a connection or a lock while opened() disposes the engine."""

    def __init__(self, released: asyncio.Event) -> None:
        self._released = released
        self._tasks: list[asyncio.Task[Any]] = []

    def start(self, coro: Coroutine[Any, Any, T]) -> asyncio.Task[T]:
        task = asyncio.create_task(coro)
        self._tasks.append(task)
        return task

    async def __aenter__(self) -> Started:
        return self

    async def __aexit__(self, *_: object) -> None:
        self._released.set()
        for task in self._tasks:
            task.cancel()  # nothing for a task that has finished
        await asyncio.gather(*self._tasks, return_exceptions=True)


class CommitWhenReleased(DemandUnitOfWork):
    """A transaction that stops just before its commit until the test lets it go on."""

    def __init__(self, store: Store) -> None:
        assert isinstance(store, partial)  # DemandUnitOfWork with its session factory
        super().__init__(*store.args)
        self.reached, self.released = asyncio.Event(), asyncio.Event()

    async def commit(self) -> None:
        self.reached.set()
        await self.released.wait()
        await super().commit()


async def bundles_of(store: Store, item_code: str) -> list[tuple[str, int]]:
    async with store() as u:
        rows = await u.session.execute(
            select(orm.bundles.c.id, func.count(orm.bundle_lines.c.need_id))
            .join(orm.bundle_lines, orm.bundle_lines.c.bundle_id == orm.bundles.c.id)
            .where(orm.bundles.c.item_code == item_code)
            .group_by(orm.bundles.c.id)
        )
        return [(bundle_id, lines) for bundle_id, lines in rows]


@pytest.mark.parametrize("path", ["one by one", "batch"])
async def test_the_second_aggregator_waits_for_the_first_bundle_of_an_item_and_joins_it(
    database_url: str, path: str
) -> None:
    async with opened(database_url) as store:
        first, second = await needs_of(store, [("NLD", "VSRAT", 40), ("DEU", "VSRAT", 60)])
        held = CommitWhenReleased(store)
        async with Started(held.released) as tasks:
            one = tasks.start(aggregator.aggregate(registered(first), held))
            await asyncio.wait_for(held.reached.wait(), 10)  # its bundle opened, not yet committed
            other: asyncio.Task[object] = tasks.start(
                aggregator.aggregate_together([registered(second)], store())
                if path == "batch"
                else aggregator.aggregate(registered(second), store())
            )
            await asyncio.sleep(0.5)
            assert not other.done()  # waits to learn whether a bundle of the item is being opened
            held.released.set()
            await asyncio.wait_for(asyncio.gather(one, other), 30)
        ((bundle_id, lines),) = await bundles_of(store, "VSRAT")
        assert lines == 2
        assert other.result() == (None if path == "batch" else bundle_id)  # applied, into that bundle


class PausedAfterFirstOpening(DemandUnitOfWork):
    """A transaction that stops once it has opened its first bundle (the aggregator flushes
    what it opens) until the test lets it go on."""

    def __init__(self, store: Store) -> None:
        assert isinstance(store, partial)
        super().__init__(*store.args)
        self.reached, self.released = asyncio.Event(), asyncio.Event()

    async def flush(self) -> None:
        if not self.reached.is_set():
            self.reached.set()
            await self.released.wait()
        await super().flush()


async def test_batches_opening_bundles_of_the_same_items_in_opposite_orders_do_not_deadlock(
    database_url: str,
) -> None:
    async with opened(database_url) as store:
        vsrat, ammo, ammo_too, vsrat_too = await needs_of(
            store, [("NLD", "VSRAT", 40), ("NLD", "AMMO-155MM", 400), ("DEU", "AMMO-155MM", 600), ("DEU", "VSRAT", 60)]
        )
        held = PausedAfterFirstOpening(store)
        async with Started(held.released) as tasks:
            one = tasks.start(aggregator.aggregate_together([registered(vsrat), registered(ammo)], held))
            await asyncio.wait_for(held.reached.wait(), 10)  # its VSRAT bundle opened, the 155 mm one not yet
            other = tasks.start(aggregator.aggregate_together([registered(ammo_too), registered(vsrat_too)], store()))
            await asyncio.sleep(0.5)
            assert not other.done()  # waits for the items the first batch may open bundles of
            held.released.set()
            await asyncio.wait_for(asyncio.gather(one, other), 30)
        for item_code in ("VSRAT", "AMMO-155MM"):
            ((_, lines),) = await bundles_of(store, item_code)
            assert lines == 2, item_code


async def test_a_harmonised_specification_adopted_while_a_batch_places_needs_of_its_item_waits_for_it(
    database_url: str,
) -> None:
    """Needs of their own specification, which becomes the harmonised one while a batch
    holds the item (it has opened a bundle in another window and will join a need to the
    bundle the adoption places again): the adoption waits for the batch, and then places
    every one of them among the harmonised bundles."""
    async with opened(database_url) as store:
        own = "SPEC-VSRAT-NOR-2025"
        async with store() as u:
            item = await u.catalogue.get("VSRAT")
            later = (WINDOW[0].replace(year=WINDOW[0].year + 10), WINDOW[1].replace(year=WINDOW[1].year + 10))
            needs = [
                Need.register(
                    now=u.clock.now(),
                    item=item,
                    nation=nation,
                    item_code="VSRAT",
                    quantity=quantity,
                    window_start=window[0],
                    window_end=window[1],
                    specification_ref=own,
                )
                for nation, quantity, window in [("NOR", 40, WINDOW), ("DEU", 60, later), ("NLD", 70, WINDOW)]
            ]
            for need in needs:
                u.needs.add(need)
            await u.commit()
        placed_first, opening, joining = needs
        await aggregator.aggregate(registered(placed_first), store())
        held = PausedAfterFirstOpening(store)
        async with Started(held.released) as tasks:
            batch = tasks.start(aggregator.aggregate_together([registered(opening), registered(joining)], held))
            await asyncio.wait_for(held.reached.wait(), 10)  # its bundle of the later window opened
            adoption = tasks.start(
                adopt_harmonised_specification(store(), event_id=uuid4(), item_code="VSRAT", reference=own)
            )
            await asyncio.sleep(0.5)
            assert not adoption.done()  # waits for the batch holding the item
            held.released.set()
            await asyncio.wait_for(asyncio.gather(batch, adoption), 30)
        async with store() as u:
            rows = await u.session.execute(
                select(orm.bundle_lines.c.need_id, orm.bundles.c.variant).join(
                    orm.bundles, orm.bundles.c.id == orm.bundle_lines.c.bundle_id
                )
            )
            variants = dict(rows.tuples().all())
        assert variants == {need.id: HARMONISED for need in needs}
