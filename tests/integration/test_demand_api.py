"""The demand API on a real database (SQLite and PostgreSQL), broker not involved:
validation, need-to-know, and the transactional outbox and inbox."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from bundling_shared.db import migrate
from demand.adapters import orm
from demand.config import DemandSettings
from demand.entrypoints.app import MIGRATIONS, create_app
from tests.demand.helpers import ADMIN, aggregate_all, coordinator_of, need_body, outbox_events, publish_now
from tests.support.api import desk, industry


@pytest.fixture
async def app_client(database_url: str) -> AsyncIterator[tuple[Any, httpx.AsyncClient]]:
    app = create_app(DemandSettings(database_url=database_url, run_migrations=False))
    service = app.state.service
    await migrate(service.engine, MIGRATIONS)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://demand") as client:
        yield service, client
    await service.engine.dispose()


async def pending_events(service: Any) -> list[Any]:
    return await outbox_events(service)


async def test_every_endpoint_but_health_requires_a_token(app_client: tuple[Any, httpx.AsyncClient]) -> None:
    _, client = app_client
    assert (await client.get("/health")).status_code == 200
    for method, path in [("GET", "/v1/needs"), ("POST", "/v1/needs"), ("GET", "/v1/bundles")]:
        response = await client.request(method, path)
        assert response.status_code == 401, path
    bad = await client.get("/v1/needs", headers={"authorization": "Bearer not-a-jwt"})
    assert bad.status_code == 401 and "invalid token" in bad.json()["detail"]


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (need_body("NLD", 0), '"field":"body.quantity","rule":"greater_than_equal"'),
        (need_body("NLD", -3), '"field":"body.quantity","rule":"greater_than_equal"'),
        (need_body("NLD", delivery_window={"start": "2027-01-01", "end": "2026-01-01"}), "before it starts"),
        (need_body("CZE"), "cannot register a need for CZE"),
    ],
)
async def test_bad_needs_get_a_422_with_the_reason_and_leave_nothing_behind(
    app_client: tuple[Any, httpx.AsyncClient], body: dict[str, Any], reason: str
) -> None:
    service, client = app_client
    response = await client.post("/v1/needs", json=body, headers=desk("NLD"))
    assert response.status_code == 422
    assert reason in response.text
    assert await pending_events(service) == []


async def test_a_registered_need_and_its_event_commit_together(app_client: tuple[Any, httpx.AsyncClient]) -> None:
    service, client = app_client
    response = await client.post("/v1/needs", json=need_body("NLD", 10_000), headers=desk("NLD"))
    assert response.status_code == 201
    need = response.json()
    events = await pending_events(service)
    assert len(events) == 1
    assert events[0]["event_type"] == "demand.need.registered"
    assert events[0]["payload"]["need_id"] == need["id"] and events[0]["aggregate_id"] == need["id"]


async def test_a_desk_sees_only_its_own_needs(app_client: tuple[Any, httpx.AsyncClient]) -> None:
    _, client = app_client
    nld = (await client.post("/v1/needs", json=need_body("NLD"), headers=desk("NLD"))).json()
    await client.post("/v1/needs", json=need_body("CZE"), headers=desk("CZE"))
    assert (await client.get(f"/v1/needs/{nld['id']}", headers=desk("NLD"))).status_code == 200
    assert (await client.get(f"/v1/needs/{nld['id']}", headers=desk("CZE"))).status_code == 404
    assert (await client.get(f"/v1/needs/{nld['id']}", headers=industry("RHEINMETALL"))).status_code == 404
    listed = (await client.get("/v1/needs", headers=desk("CZE"))).json()["items"]
    assert [n["nation"] for n in listed] == ["CZE"]
    assert len((await client.get("/v1/needs", headers=ADMIN)).json()["items"]) == 2


async def test_needs_of_one_item_end_in_one_bundle_and_each_desk_sees_only_its_lines(
    app_client: tuple[Any, httpx.AsyncClient],
) -> None:
    service, client = app_client
    for nation, quantity in [("NLD", 10_000), ("CZE", 25_000), ("DNK", 5_000)]:
        await client.post("/v1/needs", json=need_body(nation, quantity), headers=desk(nation))
    await client.post("/v1/needs", json=need_body("DEU", 40, item="VSRAT"), headers=desk("DEU"))
    await aggregate_all(service)

    bundles = (await client.get("/v1/bundles", headers=coordinator_of("CZE"))).json()["items"]  # the largest share
    ammo = next(b for b in bundles if b["item_code"] == "AMMO-155MM")
    assert ammo["total_quantity"] == 40_000 and ammo["nations"] == ["CZE", "DNK", "NLD"]
    assert len(ammo["lines"]) == 3

    seen_by_nld = (await client.get(f"/v1/bundles/{ammo['id']}", headers=desk("NLD"))).json()
    assert seen_by_nld["total_quantity"] == 40_000
    assert [line["nation"] for line in seen_by_nld["lines"]] == ["NLD"]
    assert (await client.get(f"/v1/bundles/{ammo['id']}", headers=desk("DEU"))).status_code == 404
    assert [b["item_code"] for b in (await client.get("/v1/bundles", headers=desk("DEU"))).json()["items"]] == ["VSRAT"]


async def test_a_redelivered_need_event_changes_nothing(app_client: tuple[Any, httpx.AsyncClient]) -> None:
    service, client = app_client
    await client.post("/v1/needs", json=need_body("NLD", 700), headers=desk("NLD"))
    await aggregate_all(service)
    await aggregate_all(service)
    await publish_now(service)
    bundle = (await client.get("/v1/bundles", headers=ADMIN)).json()["items"][0]
    assert bundle["total_quantity"] == 700 and bundle["revision"] == 1
    async with service.engine.connect() as conn:
        processed = await conn.scalar(select(func.count()).select_from(orm.processed_messages))
        updates = await conn.scalar(
            select(func.count()).select_from(orm.outbox).where(orm.outbox.c.event_type == "demand.bundle.updated")
        )
    assert processed == 1 and updates == 1


async def test_only_a_coordinator_commits_and_only_once(app_client: tuple[Any, httpx.AsyncClient]) -> None:
    service, client = app_client
    await client.post("/v1/needs", json=need_body("NLD", 5, item="VSRAT"), headers=desk("NLD"))
    await client.post("/v1/needs", json=need_body("NOR", 8, item="VSRAT"), headers=desk("NOR"))
    await aggregate_all(service)
    bundle_id = (await client.get("/v1/bundles", headers=ADMIN)).json()["items"][0]["id"]

    assert (await client.post(f"/v1/bundles/{bundle_id}/commit", json={}, headers=desk("NLD"))).status_code == 403
    lead = coordinator_of("NOR")  # the largest share leads while none is nominated
    committed = await client.post(f"/v1/bundles/{bundle_id}/commit", json={"lead": "NSPA"}, headers=lead)
    assert committed.status_code == 200 and committed.json()["status"] == "committed"
    again = await client.post(f"/v1/bundles/{bundle_id}/commit", json={"lead": "NSPA"}, headers=coordinator_of("NSPA"))
    assert again.status_code == 409 and "already committed" in again.json()["detail"]
    missing = await client.post("/v1/bundles/bundle-nope/commit", json={}, headers=lead)
    assert missing.status_code == 404

    orders = [e for e in await pending_events(service) if e["event_type"] == "demand.joint_order.committed"]
    assert len(orders) == 1
    assert orders[0]["payload"]["lead"] == "NSPA"
    assert {(x["nation"], x["quantity"]) for x in orders[0]["payload"]["lines"]} == {("NLD", 5), ("NOR", 8)}
