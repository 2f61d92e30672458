"""Reference data through the API: nations, the item catalogue, user groups, admin changes."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy import update

from bundling_shared.auth import Role
from demand.adapters.orm import catalogue_items
from demand.adapters.recent_catalogue import FRESH_SECONDS
from tests.demand.helpers import need_body
from tests.support.api import bearer, coordinator, desk, industry

Demand = tuple[Any, httpx.AsyncClient]
ADMIN = bearer(Role.ADMIN, org="platform")


async def test_nations_carry_their_memberships_and_ukraine_is_a_partner(demand: Demand) -> None:
    _, client = demand
    nations = {n["code"]: n for n in (await client.get("/v1/catalogue/nations", headers=desk("NLD"))).json()}
    assert nations["NLD"]["eu"] and nations["NLD"]["nato"]
    assert nations["NOR"]["eea_efta"] and not nations["NOR"]["eu"]
    assert nations["USA"]["nato"] and not nations["USA"]["eu"]
    assert nations["AUT"]["eu"] and not nations["AUT"]["nato"]
    assert nations["UKR"]["partner"]


async def test_the_seeded_catalogue_answers_who_else_operates_an_item(demand: Demand) -> None:
    _, client = demand
    items = {i["code"]: i for i in (await client.get("/v1/catalogue/items", headers=desk("NLD"))).json()["items"]}
    assert {"AMMO-155MM", "VSRAT", "MMR", "PATRIOT-PAC2", "CV90"} <= set(items)
    assert "PzH 2000" in items["AMMO-155MM"]["platforms"]
    ops = (await client.get("/v1/catalogue/items/AMMO-155MM/operators", headers=desk("NLD"))).json()
    assert "NLD" in ops["operators"] and "NLD" not in ops["others"] and "CZE" in ops["others"]
    assert "DEU" in ops["user_groups"]["PzH 2000"]
    cv90 = (await client.get("/v1/catalogue/items/CV90/operators", headers=desk("SWE"))).json()
    assert {"DNK", "NLD"} <= set(cv90["others"])
    assert (await client.get("/v1/catalogue/items/PHASER", headers=desk("NLD"))).status_code == 404


async def test_an_admin_adds_and_retires_items_with_validated_nsn_and_platforms(demand: Demand) -> None:
    _, client = demand
    item = {
        "code": "AMMO-105MM",
        "name": "105 mm artillery ammunition",
        "category": "artillery ammunition",
        "unit": "rounds",
        "nsn": "1315-12-345-6789",
    }
    assert (await client.post("/v1/catalogue/items", json=item, headers=desk("NLD"))).status_code == 403
    assert (await client.post("/v1/catalogue/items", json=item, headers=coordinator())).status_code == 403
    created = await client.post("/v1/catalogue/items", json=item, headers=ADMIN)
    assert created.status_code == 201 and created.json()["nsn"] == "1315-12-345-6789"
    assert (await client.post("/v1/catalogue/items", json=item, headers=ADMIN)).status_code == 409
    bad_nsn = await client.post(
        "/v1/catalogue/items", json={**item, "code": "X-1", "nsn": "1315123456789"}, headers=ADMIN
    )
    assert bad_nsn.status_code == 422 and "NATO Stock Number" in bad_nsn.text
    bad_platform = await client.post(
        "/v1/catalogue/items", json={**item, "code": "X-2", "platforms": ["Tiger"]}, headers=ADMIN
    )
    assert bad_platform.status_code == 422 and "unknown platform" in bad_platform.text

    assert (
        await client.post("/v1/needs", json=need_body("NLD", 5, item="AMMO-105MM"), headers=desk("NLD"))
    ).status_code == 201
    retired = await client.post("/v1/catalogue/items/AMMO-105MM/retire", json={"reason": "superseded"}, headers=ADMIN)
    assert retired.status_code == 200 and retired.json()["retired"]
    refused = await client.post("/v1/needs", json=need_body("NLD", 5, item="AMMO-105MM"), headers=desk("NLD"))
    assert refused.status_code == 422 and "retired: superseded" in refused.text
    listed = [i["code"] for i in (await client.get("/v1/catalogue/items", headers=desk("NLD"))).json()["items"]]
    assert "AMMO-105MM" not in listed
    with_retired = (
        await client.get("/v1/catalogue/items", params={"include_retired": True}, headers=desk("NLD"))
    ).json()["items"]
    assert "AMMO-105MM" in [i["code"] for i in with_retired]


async def test_the_catalogue_lists_one_category(demand: Demand) -> None:
    _, client = demand
    everything = (await client.get("/v1/catalogue/items", headers=desk("NLD"))).json()
    category = everything["items"][0]["category"]
    listed = (await client.get("/v1/catalogue/items", params={"category": category}, headers=desk("NLD"))).json()
    assert listed["items"] and {i["category"] for i in listed["items"]} == {category}
    assert len(listed["items"]) == listed["total"] < everything["total"] == len(everything["items"])


async def test_industry_gets_nothing_from_the_demand_service(demand: Demand) -> None:
    _, client = demand
    for path in [
        "/v1/catalogue/items",
        "/v1/catalogue/nations",
        "/v1/demand-sheet/AMMO-155MM",
        "/v1/needs",
        "/v1/bundles",
    ]:
        assert (await client.get(path, headers=industry("NAMMO"))).status_code == 403, path


async def test_the_catalogue_is_read_a_page_at_a_time_in_the_order_of_the_codes(demand: Demand) -> None:
    _, client = demand
    everything = (await client.get("/v1/catalogue/items", headers=desk("NLD"))).json()
    codes = [i["code"] for i in everything["items"]]
    assert codes == sorted(codes) and everything["total"] == len(codes) > 2
    pages = [
        (await client.get("/v1/catalogue/items", params={"limit": 2, "offset": o}, headers=desk("NLD"))).json()
        for o in range(0, len(codes), 2)
    ]
    assert [i["code"] for page in pages for i in page["items"]] == codes
    assert {(page["limit"], page["total"]) for page in pages} == {(2, len(codes))}


async def test_a_change_to_the_catalogue_reaches_new_needs_at_once_here_and_within_a_second_from_elsewhere(
    demand: Demand,
) -> None:
    service, client = demand
    unknown = await client.post("/v1/needs", json=need_body("NLD", 5, item="AMMO-106MM"), headers=desk("NLD"))
    assert unknown.status_code == 422 and "not in the catalogue" in unknown.text
    item = {"code": "AMMO-106MM", "name": "106 mm recoilless rounds", "category": "ammunition", "unit": "rounds"}
    assert (await client.post("/v1/catalogue/items", json=item, headers=ADMIN)).status_code == 201
    accepted = await client.post("/v1/needs", json=need_body("NLD", 5, item="AMMO-106MM"), headers=desk("NLD"))
    assert accepted.status_code == 201
    # retired by another replica of the service: a write this process does not see
    async with service.engine.begin() as connection:
        await connection.execute(
            update(catalogue_items)
            .where(catalogue_items.c.code == "AMMO-106MM")
            .values(retired_at=datetime.now(UTC), retired_reason="withdrawn from service")
        )
    await asyncio.sleep(FRESH_SECONDS)
    refused = await client.post("/v1/needs", json=need_body("NLD", 5, item="AMMO-106MM"), headers=desk("NLD"))
    assert refused.status_code == 422 and "retired: withdrawn from service" in refused.text
