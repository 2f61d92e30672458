"""Nothing accepted is lost: a need the bundling engine cannot place becomes `unplaceable`,
with the reason on the need and in its history, an event that names its nation, and a
place in the desk's list; it is never left `submitted` for ever behind a dead letter.
Dead letters are for records that cannot be read at all."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import httpx
import pytest
from pydantic import TypeAdapter
from sqlalchemy.ext.asyncio import AsyncEngine

from bundling_shared.events.demand import NeedEvent
from demand.adapters.batching.cache import BundlesInBatch
from demand.adapters.repository import BundleRepository
from demand.domain.bundle import BundleState
from demand.domain.need import Need, NeedStatus, new_id
from demand.service_layer import aggregator
from demand.service_layer.aggregator import NeedChange
from demand.service_layer.unit_of_work import UowFactory
from tests.demand.helpers import DEMAND_DAY, need_body, outbox_events, yearly
from tests.demand.integration.test_batch_aggregation import (
    POLICY,
    aggregator_on_kafka,
    new_needs,
    open_store,
    processed,
    processed_reach,
    publish,
    read_all,
    record,
    registered,
    until,
)
from tests.support.api import desk

Demand = tuple[Any, httpx.AsyncClient]
ENGINE_LIMIT = 10**9  # units per need the engine holds


def too_large(database_url: str) -> int:
    """More than the engine holds, and as much as the database's column stores: two of them
    overflowed a bundle's 64-bit total on SQLite; PostgreSQL's column stops at 2^31."""
    return 2**62 if database_url.startswith("sqlite") else 2_000_000_000


async def stored_as_is(uow: UowFactory, nation: str, quantity: int) -> Need:
    """A submitted need written around the API's bounds (an older release, a direct insert)."""
    need = Need(
        id=new_id("need"),
        nation=nation,
        item_code="AMMO-155MM",
        quantity=quantity,
        window_start=date(2027, 1, 1),
        window_end=date(2028, 12, 31),
        created_at=DEMAND_DAY,
        updated_at=DEMAND_DAY,
    )
    async with uow() as u:
        u.needs.add(need)
        await u.commit()
    return need


async def status_of(uow: UowFactory, need_id: str) -> tuple[NeedStatus, str | None]:
    async with uow() as u:
        need = await u.needs.get(need_id)
        assert need is not None
        return need.status, need.status_reason


async def test_needs_too_large_for_the_engine_are_set_aside_with_their_reason_and_the_desk_is_told(
    demand: Demand, database_url: str
) -> None:
    service, client = demand
    uow = service.uow
    (fine,) = await new_needs(uow, [("NLD", "AMMO-155MM", 100, 0)])
    huge = [await stored_as_is(uow, nation, too_large(database_url)) for nation in ("FIN", "EST")]
    events: list[NeedChange] = [registered(fine), *(registered(n) for n in huge)]

    assert await aggregator.aggregate_batch(events, uow(), POLICY) == []

    assert (await status_of(uow, fine.id))[0] is NeedStatus.BUNDLED
    for need in huge:
        status, reason = await status_of(uow, need.id)
        assert status is NeedStatus.UNPLACEABLE
        assert reason is not None and "1,000,000,000" in reason
        seen = (await client.get(f"/v1/needs/{need.id}", headers=desk(need.nation))).json()
        assert (seen["status"], seen["status_reason"]) == ("unplaceable", reason)
        history = (await client.get(f"/v1/needs/{need.id}/history", headers=desk(need.nation))).json()["items"]
        assert history[-1]["change"] == f"unplaceable: {reason}" and history[-1]["snapshot"]["status"] == "unplaceable"
        listed = (await client.get("/v1/needs", params={"status": "unplaceable"}, headers=desk(need.nation))).json()
        assert [n["id"] for n in listed["items"]] == [need.id]
    told = await outbox_events(service, "demand.need.unplaceable")
    assert sorted((e["nation"], e["payload"]["need_id"]) for e in told) == sorted((n.nation, n.id) for n in huge)
    assert all(e["payload"]["reason"] and e["aggregate_id"] == e["payload"]["need_id"] for e in told)
    assert await processed(service.engine) == 3
    sheet = (await client.get("/v1/demand-sheet/AMMO-155MM", headers=desk("NLD"))).json()
    assert sheet["total_quantity"] == 100  # set aside: not counted as demand


async def test_a_need_set_aside_is_placed_once_its_desk_amends_it(demand: Demand) -> None:
    service, client = demand
    need = await stored_as_is(service.uow, "FIN", ENGINE_LIMIT + 1)
    await aggregator.aggregate(registered(need), service.uow())
    assert (await status_of(service.uow, need.id))[0] is NeedStatus.UNPLACEABLE
    amended = await client.patch(f"/v1/needs/{need.id}", json={"quantity": 500}, headers=desk("FIN"))
    assert amended.status_code == 200, amended.text
    (event,) = [e for e in await outbox_events(service, "demand.need.amended") if e["payload"]["need_id"] == need.id]
    await aggregator.aggregate(aggregator_event(event), service.uow())
    assert await status_of(service.uow, need.id) == (NeedStatus.BUNDLED, None)


def aggregator_event(body: dict[str, Any]) -> NeedChange:
    event: NeedChange = TypeAdapter(NeedEvent).validate_python(body)
    return event


async def test_a_need_whose_placement_keeps_failing_is_set_aside_with_the_error_not_dead_lettered(
    demand: Demand, monkeypatch: pytest.MonkeyPatch
) -> None:
    service, _ = demand
    uow = service.uow
    a, b = await new_needs(uow, [("NLD", "NLAW", 40, 0), ("DEU", "MMR", 60, 0)])
    # The store fails for the one item, in a batch and in the placement one by one after it.
    for kind in (BundleRepository, BundlesInBatch):
        candidates = kind.candidates

        async def out_of_order(bundles: Any, item_code: str, candidates: Any = candidates) -> Sequence[BundleState]:
            if item_code == "MMR":
                raise RuntimeError("the bundle store is out of order")
            result: Sequence[BundleState] = await candidates(bundles, item_code)
            return result

        monkeypatch.setattr(kind, "candidates", out_of_order)
    assert await aggregator.aggregate_batch([registered(a), registered(b)], uow(), POLICY) == []
    assert (await status_of(uow, a.id))[0] is NeedStatus.BUNDLED
    status, reason = await status_of(uow, b.id)
    assert status is NeedStatus.UNPLACEABLE and reason is not None and "out of order" in reason
    (told,) = await outbox_events(service, "demand.need.unplaceable")
    assert told["nation"] == "DEU" and told["payload"]["need_id"] == b.id
    assert await processed(service.engine) == 2


async def test_the_api_refuses_a_need_whose_yearly_quantities_add_up_to_more_than_the_engine_holds(
    demand: Demand,
) -> None:
    _, client = demand
    body = need_body(
        "NLD",
        None,
        delivery_window={"start": "2027-01-01", "end": "2028-12-31"},
        yearly_quantities=yearly((2027, ENGINE_LIMIT), (2028, ENGINE_LIMIT)),
    )
    response = await client.post("/v1/needs", json=body, headers=desk("NLD"))
    assert response.status_code == 422, response.text
    assert "1,000,000,000" in response.text


async def test_on_the_broker_needs_too_large_are_set_aside_and_nothing_is_dead_lettered(
    kafka_bootstrap: str, database_url: str
) -> None:
    async with open_store(database_url) as (engine, uow):
        await _on_the_broker(kafka_bootstrap, database_url, engine, uow)


async def _on_the_broker(kafka_bootstrap: str, database_url: str, engine: AsyncEngine, uow: UowFactory) -> None:
    (fine,) = await new_needs(uow, [("NLD", "AMMO-155MM", 100, 0)])
    huge = [await stored_as_is(uow, nation, too_large(database_url)) for nation in ("FIN", "EST")]
    async with aggregator_on_kafka(kafka_bootstrap, uow) as needs_topic:
        await publish(kafka_bootstrap, needs_topic, [record(registered(n)) for n in (huge[0], fine, huge[1])], b"k")
        await until(processed_reach(engine, 3))
        assert await read_all(kafka_bootstrap, needs_topic + ".dlq", 1, timeout=2) == []
    assert (await status_of(uow, fine.id))[0] is NeedStatus.BUNDLED
    assert [(await status_of(uow, n.id))[0] for n in huge] == [NeedStatus.UNPLACEABLE] * 2
