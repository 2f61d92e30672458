"""Need-to-know on every endpoint: a desk sees its own needs in full and, in a bundle, the
totals, the participating nations and its own lines; anything else answers 404."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tests.demand.helpers import ADMIN, aggregate_all, coordinator_of, lead, lines_of, need_body
from tests.support.api import desk, industry

Demand = tuple[Any, httpx.AsyncClient]


async def test_every_endpoint_but_health_requires_a_token(demand: Demand) -> None:
    _, client = demand
    assert (await client.get("/health")).status_code == 200
    for method, path in [("GET", "/v1/needs"), ("POST", "/v1/needs"), ("GET", "/v1/bundles")]:
        response = await client.request(method, path)
        assert response.status_code == 401, path
    bad = await client.get("/v1/needs", headers={"authorization": "Bearer not-a-jwt"})
    assert bad.status_code == 401 and "invalid token" in bad.json()["detail"]


NEED_ENDPOINTS = [
    ("GET", "/v1/needs/{id}", None),
    ("GET", "/v1/needs/{id}/history", None),
    ("PATCH", "/v1/needs/{id}", {"quantity": 5}),
    ("POST", "/v1/needs/{id}/submit", None),
    ("POST", "/v1/needs/{id}/withdraw", {}),
]

BUNDLE_ENDPOINTS = [
    ("GET", "/v1/bundles/{id}", None),
    ("GET", "/v1/bundles/{id}/lines", None),
    ("GET", "/v1/bundles/{id}/trail", None),
    ("POST", "/v1/bundles/{id}/participation", {"decision": "confirm"}),
    ("POST", "/v1/bundles/{id}/accessions", {"yearly_quantities": [{"year": 2026, "quantity": 1}]}),
]


@pytest.fixture
async def two_nations(demand: Demand) -> dict[str, Any]:
    service, client = demand
    nld = (
        await client.post(
            "/v1/needs",
            json=need_body("NLD", 100, budget_ceiling={"amount": 9_999_999}, priority="urgent", draft=True),
            headers=desk("NLD"),
        )
    ).json()
    await client.post(f"/v1/needs/{nld['id']}/submit", headers=desk("NLD"))
    cze = (
        await client.post(
            "/v1/needs", json=need_body("CZE", 300, budget_ceiling={"amount": 7_777_777}), headers=desk("CZE")
        )
    ).json()
    await aggregate_all(service)
    bundle = (await client.get("/v1/bundles", headers=ADMIN)).json()["items"][0]
    return {"nld": nld, "cze": cze, "bundle": bundle}


@pytest.mark.parametrize(("method", "path", "body"), NEED_ENDPOINTS)
async def test_another_nations_need_answers_404_on_every_need_endpoint(
    demand: Demand, two_nations: dict[str, Any], method: str, path: str, body: dict[str, Any] | None
) -> None:
    _, client = demand
    url = path.format(id=two_nations["nld"]["id"])
    response = await client.request(method, url, json=body, headers=desk("CZE"))
    assert response.status_code == 404, response.text
    assert "9999999" not in response.text
    assert (await client.request(method, url, json=body, headers=industry("RHEINMETALL"))).status_code == 404
    mine = await client.request(method, path.format(id=two_nations["cze"]["id"]), json=body, headers=desk("CZE"))
    assert mine.status_code != 404  # the same call on its own need is answered


@pytest.mark.parametrize(("method", "path", "body"), BUNDLE_ENDPOINTS)
async def test_a_bundle_the_nation_is_not_in_answers_404_on_every_bundle_endpoint(
    demand: Demand, two_nations: dict[str, Any], method: str, path: str, body: dict[str, Any] | None
) -> None:
    _, client = demand
    url = path.format(id=two_nations["bundle"]["id"])
    response = await client.request(method, url, json=body, headers=desk("DEU"))
    assert response.status_code == 404, response.text
    missing = await client.request(method, path.format(id="bundle-nope"), json=body, headers=desk("DEU"))
    assert missing.status_code == 404


async def test_lists_hold_only_what_the_desk_may_see(demand: Demand, two_nations: dict[str, Any]) -> None:
    _, client = demand
    needs = (await client.get("/v1/needs", headers=desk("CZE"))).json()
    assert [n["nation"] for n in needs["items"]] == ["CZE"] and needs["total"] == 1
    asking_for_other = (await client.get("/v1/needs", params={"nation": "NLD"}, headers=desk("CZE"))).json()
    assert asking_for_other["items"] == []
    assert len((await client.get("/v1/needs", headers=ADMIN)).json()["items"]) == 2
    assert (await client.get("/v1/bundles", headers=desk("DEU"))).json()["items"] == []
    assert len((await client.get("/v1/bundles", headers=desk("CZE"))).json()["items"]) == 1


async def test_in_a_bundle_a_desk_sees_totals_nations_and_only_its_own_lines(
    demand: Demand, two_nations: dict[str, Any]
) -> None:
    _, client = demand
    bid = two_nations["bundle"]["id"]
    seen = (await client.get(f"/v1/bundles/{bid}", headers=desk("CZE"))).json()
    assert seen["total_quantity"] == 400 and seen["nations"] == ["CZE", "NLD"]
    assert seen["line_count"] == 1 and "lines" not in seen
    assert [x["nation"] for x in await lines_of(client, bid, desk("CZE"))] == ["CZE"]
    assert await lines_of(client, bid, desk("CZE"), nation="NLD") == []
    assert [p["nation"] for p in seen["participation"]] == ["CZE"]
    assert seen["total_value_eur"] is None
    text = json.dumps(seen)
    assert "9999999" not in text and "urgent" not in text and two_nations["nld"]["id"] not in text
    trail = (await client.get(f"/v1/bundles/{bid}/trail", headers=desk("CZE"))).json()["items"]
    assert {t["nation"] for t in trail} <= {None, "CZE"}
    assert two_nations["nld"]["id"] not in json.dumps(trail)
    full = (await client.get(f"/v1/bundles/{bid}", headers=await lead(client, bid))).json()
    assert full["total_value_eur"] == "17777776.00" and full["line_count"] == 2
    assert len(await lines_of(client, bid, await lead(client, bid))) == 2


async def test_the_demand_sheet_names_no_nation(demand: Demand, two_nations: dict[str, Any]) -> None:
    _, client = demand
    sheet = (await client.get("/v1/demand-sheet/AMMO-155MM", headers=desk("DEU"))).json()
    assert sheet["nation_count"] == 2 and sheet["total_quantity"] == 400
    assert "NLD" not in json.dumps(sheet) and "CZE" not in json.dumps(sheet)


async def test_needs_of_one_item_end_in_one_bundle_and_each_desk_sees_only_its_lines(demand: Demand) -> None:
    service, client = demand
    for nation, quantity in [("NLD", 10_000), ("CZE", 25_000), ("DNK", 5_000)]:
        await client.post("/v1/needs", json=need_body(nation, quantity), headers=desk(nation))
    await client.post("/v1/needs", json=need_body("DEU", 40, item="VSRAT"), headers=desk("DEU"))
    await aggregate_all(service)

    bundles = (await client.get("/v1/bundles", headers=coordinator_of("CZE"))).json()["items"]  # the largest share
    ammo = next(b for b in bundles if b["item_code"] == "AMMO-155MM")
    assert ammo["total_quantity"] == 40_000 and ammo["nations"] == ["CZE", "DNK", "NLD"]
    assert ammo["line_count"] == 3 and len(await lines_of(client, ammo["id"], coordinator_of("CZE"))) == 3

    seen_by_nld = (await client.get(f"/v1/bundles/{ammo['id']}", headers=desk("NLD"))).json()
    assert seen_by_nld["total_quantity"] == 40_000
    assert [line["nation"] for line in await lines_of(client, ammo["id"], desk("NLD"))] == ["NLD"]
    assert (await client.get(f"/v1/bundles/{ammo['id']}", headers=desk("DEU"))).status_code == 404
    assert [b["item_code"] for b in (await client.get("/v1/bundles", headers=desk("DEU"))).json()["items"]] == ["VSRAT"]
