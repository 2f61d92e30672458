"""A coordinator runs the bundles it leads, not every bundle: its nation or agency is the
bundle's lead (the nominated lead, or while none is nominated the proposed one). Of a
bundle its nation is in but does not lead it sees what that nation's desk sees; of any
other bundle, nothing at all (404, as if it did not exist)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from bundling_shared.auth import Role
from tests.demand.helpers import DEMAND_DAY, aggregate_all, lines_of, need_body
from tests.support.api import bearer, coordinator, desk

Demand = tuple[Any, httpx.AsyncClient]
ADMIN = bearer(Role.ADMIN, org="platform")
SOON = (DEMAND_DAY.date() + timedelta(days=30)).isoformat()

# Every act of running a bundle, with a body that would succeed for its lead.
RUNNING = [
    ("cancel", {"reason": "not needed"}),
    ("commit", {}),
    ("close", {"reason": "enough"}),
    ("open", {"deadline": SOON}),
    ("sme-share", {"share": 0.2}),
    ("unit-price", {"unit_price": {"amount": "3500.00"}}),
    ("lead", {"lead": "NSPA"}),
]


def nation_coordinator(nation: str) -> dict[str, str]:
    return bearer(Role.COORDINATOR, nation=nation)


@pytest.fixture
async def fin_led(demand: Demand) -> dict[str, Any]:
    """FIN (300) and EST (100) in one bundle, FIN the proposed lead; LTU in none."""
    service, client = demand
    needs = {}
    for nation, quantity in (("FIN", 300), ("EST", 100)):
        response = await client.post(
            "/v1/needs",
            json=need_body(nation, quantity, budget_ceiling={"amount": 1_000_000}),
            headers=desk(nation),
        )
        assert response.status_code == 201, response.text
        needs[nation] = response.json()
    ltu = await client.post("/v1/needs", json=need_body("LTU", 50, item="VSRAT"), headers=desk("LTU"))
    assert ltu.status_code == 201
    needs["LTU"] = ltu.json()
    await aggregate_all(service)
    (bundle,) = [
        b for b in (await client.get("/v1/bundles", headers=ADMIN)).json()["items"] if b["item_code"] == "AMMO-155MM"
    ]
    assert bundle["proposed_lead"] == "FIN" and bundle["lead"] is None
    return {"bundle": bundle, "needs": needs}


@pytest.mark.parametrize(("act", "body"), RUNNING)
async def test_a_coordinator_of_a_nation_not_in_the_bundle_cannot_run_it_nor_learn_it_exists(
    demand: Demand, fin_led: dict[str, Any], act: str, body: dict[str, Any]
) -> None:
    _, client = demand
    bid = fin_led["bundle"]["id"]
    for outsider in (nation_coordinator("LTU"), coordinator("NSPA")):
        response = await client.post(f"/v1/bundles/{bid}/{act}", json=body, headers=outsider)
        assert response.status_code == 404, (act, response.text)
        assert response.json()["detail"] == f"bundle {bid} not found"  # as for a bundle that is not there
    after = (await client.get(f"/v1/bundles/{bid}", headers=ADMIN)).json()
    assert after["status"] == "proposed" and after["revision"] == fin_led["bundle"]["revision"]


async def test_an_outsider_coordinator_sees_neither_the_bundle_nor_its_needs(
    demand: Demand, fin_led: dict[str, Any]
) -> None:
    _, client = demand
    bid = fin_led["bundle"]["id"]
    ltu = nation_coordinator("LTU")
    assert (await client.get(f"/v1/bundles/{bid}", headers=ltu)).status_code == 404
    assert (await client.get(f"/v1/bundles/{bid}/trail", headers=ltu)).status_code == 404
    listed = (await client.get("/v1/bundles", headers=ltu)).json()
    assert [b["item_code"] for b in listed["items"]] == ["VSRAT"] and listed["total"] == 1  # LTU's own
    for nation in ("FIN", "EST"):
        need_id = fin_led["needs"][nation]["id"]
        assert (await client.get(f"/v1/needs/{need_id}", headers=ltu)).status_code == 404
        assert (await client.get(f"/v1/needs/{need_id}/history", headers=ltu)).status_code == 404
    needs = (await client.get("/v1/needs", headers=ltu)).json()
    assert [n["nation"] for n in needs["items"]] == ["LTU"] and needs["total"] == 1
    assert (await client.get("/v1/needs", params={"nation": "FIN"}, headers=ltu)).json()["total"] == 0
    agency = coordinator("NSPA")
    assert (await client.get("/v1/bundles", headers=agency)).json()["total"] == 0
    assert (await client.get("/v1/needs", headers=agency)).json()["total"] == 0


async def test_the_lead_sees_its_bundle_in_full_and_runs_it(demand: Demand, fin_led: dict[str, Any]) -> None:
    _, client = demand
    bid = fin_led["bundle"]["id"]
    fin = nation_coordinator("FIN")
    full = (await client.get(f"/v1/bundles/{bid}", headers=fin)).json()
    assert sorted(line["nation"] for line in await lines_of(client, bid, fin)) == ["EST", "FIN"]
    assert full["line_count"] == 2
    assert Decimal(str(full["total_value_eur"])) == 2_000_000
    listed = (await client.get("/v1/bundles", headers=fin)).json()
    assert [b["id"] for b in listed["items"]] == [bid] and listed["total"] == 1
    est_need = fin_led["needs"]["EST"]["id"]
    assert (await client.get(f"/v1/needs/{est_need}", headers=fin)).status_code == 200  # in the bundle it leads
    assert sorted(n["nation"] for n in (await client.get("/v1/needs", headers=fin)).json()["items"]) == ["EST", "FIN"]
    cancelled = await client.post(f"/v1/bundles/{bid}/cancel", json={"reason": "regrouping"}, headers=fin)
    assert cancelled.status_code == 200, cancelled.text


async def test_a_coordinator_of_a_nation_in_the_bundle_sees_what_its_desk_sees_and_runs_nothing(
    demand: Demand, fin_led: dict[str, Any]
) -> None:
    _, client = demand
    bid = fin_led["bundle"]["id"]
    est = nation_coordinator("EST")
    as_coordinator = (await client.get(f"/v1/bundles/{bid}", headers=est)).json()
    as_desk = (await client.get(f"/v1/bundles/{bid}", headers=desk("EST"))).json()
    assert as_coordinator == as_desk
    assert [line["nation"] for line in await lines_of(client, bid, est)] == ["EST"]
    assert await lines_of(client, bid, est) == await lines_of(client, bid, desk("EST"))
    assert as_coordinator["total_value_eur"] is None
    trail = (await client.get(f"/v1/bundles/{bid}/trail", headers=est)).json()["items"]
    assert trail == (await client.get(f"/v1/bundles/{bid}/trail", headers=desk("EST"))).json()["items"]
    fin_need = fin_led["needs"]["FIN"]["id"]
    assert (await client.get(f"/v1/needs/{fin_need}", headers=est)).status_code == 404
    for act, body in RUNNING:
        if act == "lead":
            continue  # no lead is nominated yet: a nation in the bundle may propose one (below)
        response = await client.post(f"/v1/bundles/{bid}/{act}", json=body, headers=est)
        assert response.status_code == 403, (act, response.text)


async def test_a_nation_in_the_bundle_nominates_an_agency_which_then_runs_it_alone(
    demand: Demand, fin_led: dict[str, Any]
) -> None:
    _, client = demand
    bid = fin_led["bundle"]["id"]
    nominated = await client.post(f"/v1/bundles/{bid}/lead", json={"lead": "NSPA"}, headers=nation_coordinator("EST"))
    assert nominated.status_code == 200, nominated.text
    agency = coordinator("NSPA")
    assert [b["id"] for b in (await client.get("/v1/bundles", headers=agency)).json()["items"]] == [bid]
    assert sorted(line["nation"] for line in await lines_of(client, bid, agency)) == ["EST", "FIN"]
    assert len((await client.get("/v1/needs", headers=agency)).json()["items"]) == 2
    # Once nominated, the lead is the agency's to hand on; the nations' coordinators run nothing.
    for who in (nation_coordinator("FIN"), nation_coordinator("EST")):
        assert (await client.post(f"/v1/bundles/{bid}/lead", json={"lead": "FIN"}, headers=who)).status_code == 403
        assert (await client.post(f"/v1/bundles/{bid}/commit", json={}, headers=who)).status_code == 403
    committed = await client.post(f"/v1/bundles/{bid}/commit", json={}, headers=agency)
    assert committed.status_code == 200, committed.text
    assert committed.json()["lead"] == "NSPA"
    assert (await client.get(f"/v1/bundles/{bid}", headers=agency)).status_code == 200


async def test_a_desk_runs_no_bundle_and_an_admin_runs_any(demand: Demand, fin_led: dict[str, Any]) -> None:
    _, client = demand
    bid = fin_led["bundle"]["id"]
    assert (
        await client.post(f"/v1/bundles/{bid}/cancel", json={"reason": "x"}, headers=desk("FIN"))
    ).status_code == 403
    assert (
        await client.post(f"/v1/bundles/{bid}/cancel", json={"reason": "x"}, headers=desk("LTU"))
    ).status_code == 404
    assert (await client.post(f"/v1/bundles/{bid}/cancel", json={"reason": "x"}, headers=ADMIN)).status_code == 200


async def test_only_a_desk_answers_for_its_nation_and_anyone_else_is_refused_not_failed(
    demand: Demand, fin_led: dict[str, Any]
) -> None:
    """A coordinator or the admin speaks for no nation in a participation: refused (403 to
    one who sees the bundle, 404 to one who does not), never an error of the service."""
    _, client = demand
    bid = fin_led["bundle"]["id"]
    body = {"decision": "confirm", "quantity": 10}
    expected = {
        "FIN coordinator (lead)": (nation_coordinator("FIN"), 403),
        "admin": (ADMIN, 403),
        "NSPA coordinator": (coordinator("NSPA"), 404),
        "a company": (bearer(Role.INDUSTRY, org="NAMMO"), 404),
    }
    for who, (headers, status) in expected.items():
        response = await client.post(f"/v1/bundles/{bid}/participation", json=body, headers=headers)
        assert response.status_code == status, (who, response.text)
