"""Helpers for the demand tests: request bodies, the outbox as the aggregator would read
it from Kafka, and publication of pending bundles without waiting."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import select

from bundling_shared.auth import Role
from bundling_shared.db import make_engine, make_session_factory, migrate
from bundling_shared.events.demand import NeedEvent
from bundling_shared.parties import AGENCIES
from demand.adapters import orm
from demand.adapters.unit_of_work import DemandUnitOfWork
from demand.entrypoints.app import MIGRATIONS
from demand.service_layer import aggregator
from demand.service_layer.publication import publish_due
from tests.support.api import bearer

DEMAND_DAY = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)
"""The day the demand service lives on in these tests (a FixedClock): their windows, years
and deadlines are written for it, and it does not move with the calendar they run on."""
WINDOW = {"start": "2025-01-01", "end": "2028-12-31"}
ADMIN = bearer(Role.ADMIN, org="platform")

Store = Callable[[], DemandUnitOfWork]


@asynccontextmanager
async def opened(database_url: str) -> AsyncIterator[Store]:
    """Units of work on a migrated database, without the service around them."""
    orm.start_mappers()
    engine = make_engine(database_url)
    await migrate(engine, MIGRATIONS)
    try:
        yield partial(DemandUnitOfWork, make_session_factory(engine))
    finally:
        await engine.dispose()


def need_body(nation: str, quantity: int | None = 1000, item: str = "AMMO-155MM", **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"nation": nation, "item_code": item, "delivery_window": WINDOW}
    if quantity is not None:
        body["quantity"] = quantity
    return {**body, **overrides}


def yearly(*pairs: tuple[int, int]) -> list[dict[str, int]]:
    return [{"year": y, "quantity": q} for y, q in pairs]


async def outbox_events(service: Any, event_type: str | None = None) -> list[dict[str, Any]]:
    query = select(orm.outbox.c.body).order_by(orm.outbox.c.id)
    if event_type is not None:
        query = query.where(orm.outbox.c.event_type == event_type)
    async with service.engine.connect() as conn:
        rows = (await conn.execute(query)).scalars().all()
    return [TypeAdapter(Any).validate_json(r) for r in rows]


async def aggregate_all(service: Any) -> list[str | None]:
    """Feed every staged need event to the aggregator, in order, as the subscriber would."""
    async with service.engine.connect() as conn:
        rows = (
            (
                await conn.execute(
                    select(orm.outbox.c.body)
                    .where(orm.outbox.c.event_type.like("demand.need.%"))
                    .order_by(orm.outbox.c.id)
                )
            )
            .scalars()
            .all()
        )
    return [await aggregator.aggregate(TypeAdapter(NeedEvent).validate_json(body), service.uow()) for body in rows]


async def publish_now(service: Any) -> int:
    """Publish every pending bundle as if the quiet period had passed."""
    later = service.clock.now() + timedelta(hours=1)
    return await publish_due(service.uow(), now=later, quiet=timedelta(seconds=1), max_wait=timedelta(seconds=5))


def coordinator_of(party: str) -> dict[str, str]:
    """A coordinator speaking for a nation (alpha-3) or an agency."""
    if party in AGENCIES:
        return bearer(Role.COORDINATOR, org=party)
    return bearer(Role.COORDINATOR, nation=party)


async def lead(client: Any, bundle_id: str) -> dict[str, str]:
    """The coordinator who runs the bundle now: that of its lead, nominated or proposed.
    A bundle every need has left has none: only an admin reads it."""
    seen = (await client.get(f"/v1/bundles/{bundle_id}", headers=ADMIN)).json()
    party: str | None = seen["lead"] or seen["proposed_lead"]
    return coordinator_of(party) if party else ADMIN


async def every_item(client: Any, path: str, headers: dict[str, str], **params: Any) -> list[dict[str, Any]]:
    """Every item of a paged list (a bundle's lines or trail, a need's history), page after
    page, as a client reads a long one."""
    items: list[dict[str, Any]] = []
    while True:
        response = await client.get(path, params={**params, "offset": len(items)}, headers=headers)
        assert response.status_code == 200, response.text
        page = response.json()
        items += page["items"]
        if not page["items"] or len(items) >= page["total"]:
            return items


async def lines_of(client: Any, bundle_id: str, headers: dict[str, str], **params: Any) -> list[dict[str, Any]]:
    """The bundle's lines the caller may read."""
    return await every_item(client, f"/v1/bundles/{bundle_id}/lines", headers, **params)


async def trail_of(client: Any, bundle_id: str, headers: dict[str, str]) -> list[dict[str, Any]]:
    """The bundle's trail entries the caller may read, oldest first."""
    return await every_item(client, f"/v1/bundles/{bundle_id}/trail", headers)


async def lead_counts_agree(client: Any, headers: dict[str, str]) -> int:
    """A lead's unfiltered total of needs (the lines of its bundles added up) is the number
    of needs it reads, and the sum of its totals status by status (each counted need by
    need). Returns that number."""
    total = int((await client.get("/v1/needs", headers=headers)).json()["total"])
    by_status = [
        int((await client.get("/v1/needs", params={"status": s}, headers=headers)).json()["total"])
        for s in ("draft", "submitted", "bundled", "committed", "contracted", "withdrawn", "unplaceable")
    ]
    assert total == sum(by_status) == len(await every_item(client, "/v1/needs", headers))
    return total
