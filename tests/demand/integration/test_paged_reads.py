"""Reads that stay the same size however large a bundle grows: a bundle answers without its
lines, a list of bundles with summaries, and a bundle's lines and trail and a need's history
are read a page at a time, in a stable order, with their total; a page holds at most so
many items."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest

from demand.adapters.repository import BundleRepository
from demand.entrypoints.deps import MAX_BUNDLE_PAGE, MAX_PAGE
from demand.service_layer import views
from tests.demand.helpers import ADMIN, DEMAND_DAY, aggregate_all, coordinator_of, lead, lead_counts_agree, need_body
from tests.support.api import desk

SOON = (DEMAND_DAY.date() + timedelta(days=30)).isoformat()

Demand = tuple[Any, httpx.AsyncClient]


@pytest.fixture
async def bundle(demand: Demand) -> dict[str, Any]:
    """One bundle of five needs, three Dutch and two Czech, registered in turn."""
    service, client = demand
    registered = []
    for nation, quantity in [("NLD", 10), ("CZE", 20), ("NLD", 30), ("CZE", 40), ("NLD", 50)]:
        response = await client.post("/v1/needs", json=need_body(nation, quantity), headers=desk(nation))
        registered.append(response.json()["id"])
    await aggregate_all(service)
    (found,) = (await client.get("/v1/bundles", headers=ADMIN)).json()["items"]
    return {"id": found["id"], "needs": registered}


async def pages(client: httpx.AsyncClient, path: str, headers: dict[str, str], **params: Any) -> list[dict[str, Any]]:
    """Every page of two items, each checked to tell the same total."""
    first = (await client.get(path, params={**params, "limit": 2}, headers=headers)).json()
    read = [first]
    while len(read) * 2 < first["total"]:
        page = (await client.get(path, params={**params, "limit": 2, "offset": len(read) * 2}, headers=headers)).json()
        assert (page["limit"], page["offset"], page["total"]) == (2, len(read) * 2, first["total"])
        read.append(page)
    return read


async def test_a_bundle_answers_without_its_lines_which_are_read_a_page_at_a_time_in_registration_order(
    demand: Demand, bundle: dict[str, Any]
) -> None:
    _, client = demand
    bid, its_lead = bundle["id"], await lead(client, bundle["id"])
    seen = (await client.get(f"/v1/bundles/{bid}", headers=its_lead)).json()
    assert "lines" not in seen and seen["line_count"] == 5 and seen["funding"]
    read = await pages(client, f"/v1/bundles/{bid}/lines", its_lead)
    assert [len(p["items"]) for p in read] == [2, 2, 1] and read[0]["total"] == 5
    lines = [line for page in read for line in page["items"]]
    assert [line["need_id"] for line in lines] == bundle["needs"]
    assert [line["quantity"] for line in lines] == [10, 20, 30, 40, 50] and all(line["reason"] for line in lines)
    czech = (await client.get(f"/v1/bundles/{bid}/lines", params={"nation": "CZE"}, headers=its_lead)).json()
    assert [(x["nation"], x["quantity"]) for x in czech["items"]] == [("CZE", 20), ("CZE", 40)]
    assert czech["total"] == 2
    past = (await client.get(f"/v1/bundles/{bid}/lines", params={"offset": 5}, headers=its_lead)).json()
    assert (past["items"], past["total"]) == ([], 5)


async def test_a_desk_reads_its_own_nations_lines_only_however_it_asks(demand: Demand, bundle: dict[str, Any]) -> None:
    _, client = demand
    bid = bundle["id"]
    as_nld = (await client.get(f"/v1/bundles/{bid}", headers=desk("NLD"))).json()
    assert as_nld["line_count"] == 3
    read = await pages(client, f"/v1/bundles/{bid}/lines", desk("NLD"))
    assert [x["quantity"] for page in read for x in page["items"]] == [10, 30, 50] and read[0]["total"] == 3
    asking: list[dict[str, str | int]] = [{"nation": "CZE"}, {"nation": "CZE", "offset": 0, "limit": MAX_PAGE}]
    for asked in asking:
        other = (await client.get(f"/v1/bundles/{bid}/lines", params=asked, headers=desk("NLD"))).json()
        assert (other["items"], other["total"]) == ([], 0)
    own = (await client.get(f"/v1/bundles/{bid}/lines", params={"nation": "NLD"}, headers=desk("NLD"))).json()
    assert own["total"] == 3
    assert (await client.get(f"/v1/bundles/{bid}/lines", headers=desk("DEU"))).status_code == 404


async def test_a_list_of_bundles_holds_summaries_and_a_write_answers_the_bundle_without_its_lines(
    demand: Demand, bundle: dict[str, Any]
) -> None:
    _, client = demand
    bid, its_lead = bundle["id"], await lead(client, bundle["id"])
    (summary,) = (await client.get("/v1/bundles", headers=its_lead)).json()["items"]
    assert summary["id"] == bid and summary["line_count"] == 5 and summary["total_quantity"] == 150
    assert not {"lines", "funding", "yearly_totals"} & set(summary)
    assert {p["nation"]: p["quantity"] for p in summary["participation"]} == {"CZE": 60, "NLD": 90}
    assert all("yearly_quantities" not in p for p in summary["participation"])
    (own,) = (await client.get("/v1/bundles", headers=desk("CZE"))).json()["items"]
    assert [p["nation"] for p in own["participation"]] == ["CZE"] and own["line_count"] == 2
    planned = await client.post(f"/v1/bundles/{bid}/sme-share", json={"share": 0.2}, headers=its_lead)
    assert planned.status_code == 200 and "lines" not in planned.json() and planned.json()["line_count"] == 5


async def test_a_bundles_trail_and_a_needs_history_are_read_a_page_at_a_time_oldest_first(
    demand: Demand, bundle: dict[str, Any]
) -> None:
    _, client = demand
    bid, its_lead = bundle["id"], await lead(client, bundle["id"])
    read = await pages(client, f"/v1/bundles/{bid}/trail", its_lead)
    trail = [entry for page in read for entry in page["items"]]
    assert len(trail) == read[0]["total"] == 6  # opened, then each need joined
    assert [t["kind"] for t in trail] == ["opened"] + ["joined"] * 5
    assert [t["need_id"] for t in trail[1:]] == bundle["needs"]
    as_nld = await pages(client, f"/v1/bundles/{bid}/trail", desk("NLD"))
    assert [t["nation"] for page in as_nld for t in page["items"]] == [None, "NLD", "NLD", "NLD"]
    need = bundle["needs"][0]
    await client.patch(f"/v1/needs/{need}", json={"priority": "high"}, headers=desk("NLD"))
    versions = await pages(client, f"/v1/needs/{need}/history", desk("NLD"))
    assert [v["version"] for page in versions for v in page["items"]] == [1, 2] and versions[0]["total"] == 2


@pytest.mark.parametrize(
    ("path", "most"),
    [
        ("/v1/needs", MAX_PAGE),
        ("/v1/bundles", MAX_BUNDLE_PAGE),
        ("/v1/bundles/{id}/lines", MAX_PAGE),
        ("/v1/bundles/{id}/trail", MAX_PAGE),
        ("/v1/needs/{need}/history", MAX_PAGE),
        ("/v1/catalogue/items", MAX_PAGE),
    ],
)
async def test_a_page_holds_at_most_so_many_items(demand: Demand, bundle: dict[str, Any], path: str, most: int) -> None:
    _, client = demand
    url = path.format(id=bundle["id"], need=bundle["needs"][0])
    assert (await client.get(url, params={"limit": most}, headers=ADMIN)).status_code == 200
    for refused in (most + 1, 0):
        response = await client.get(url, params={"limit": refused}, headers=ADMIN)
        assert response.status_code == 422 and response.json()["errors"][0]["field"] == "query.limit"


async def test_an_agencys_total_of_needs_is_the_needs_of_the_bundles_it_leads_whatever_happened_to_them(
    demand: Demand,
) -> None:
    """An agency leading bundles reads their needs; its unfiltered total is added up from
    the bundles' line counts, and stays the number of needs it reads after needs leave,
    nations decline at commit and a bundle is cancelled (its lines kept, its needs placed
    again)."""
    service, client = demand
    nspa = coordinator_of("NSPA")
    needs = {}
    for nation, quantity, item in [("NLD", 10, "CV90"), ("DNK", 20, "CV90"), ("SWE", 30, "CV90"),
                                   ("NLD", 40, "VSRAT"), ("NOR", 50, "VSRAT")]:  # fmt: skip
        response = await client.post("/v1/needs", json=need_body(nation, quantity, item=item), headers=desk(nation))
        needs[nation, item] = response.json()["id"]
    await aggregate_all(service)
    found = (await client.get("/v1/bundles", headers=ADMIN)).json()["items"]
    cv90, vsrat = (next(b["id"] for b in found if b["item_code"] == item) for item in ("CV90", "VSRAT"))
    for bid in (cv90, vsrat):
        nominated = await client.post(f"/v1/bundles/{bid}/lead", json={"lead": "NSPA"}, headers=await lead(client, bid))
        assert nominated.status_code == 200, nominated.text
    assert await lead_counts_agree(client, nspa) == 5

    await client.post(f"/v1/needs/{needs['SWE', 'CV90']}/withdraw", json={}, headers=desk("SWE"))
    assert await lead_counts_agree(client, nspa) == 5  # withdrawn, not yet out of the bundle
    await aggregate_all(service)
    assert await lead_counts_agree(client, nspa) == 4

    opened = await client.post(
        f"/v1/bundles/{cv90}/open", json={"deadline": "2027-01-31", "minimum_nations": 1}, headers=nspa
    )
    assert opened.status_code == 200, opened.text
    await client.post(f"/v1/bundles/{cv90}/participation", json={"decision": "confirm"}, headers=desk("NLD"))
    await client.post(f"/v1/bundles/{cv90}/participation", json={"decision": "decline"}, headers=desk("DNK"))
    committed = await client.post(f"/v1/bundles/{cv90}/commit", json={}, headers=nspa)
    assert committed.status_code == 200 and committed.json()["nations"] == ["NLD"], committed.text
    assert await lead_counts_agree(client, nspa) == 3  # Denmark's need placed again, elsewhere

    cancelled = await client.post(f"/v1/bundles/{vsrat}/cancel", json={"reason": "re-plan"}, headers=nspa)
    assert cancelled.status_code == 200, cancelled.text
    assert await lead_counts_agree(client, nspa) == 1  # the cancelled bundle's needs are in a new one


@pytest.mark.parametrize("walk", [True, False], ids=["walking the bundles", "through the shares"])
async def test_a_desks_bundles_are_the_same_pages_whichever_way_the_database_reads_them(
    demand: Demand, monkeypatch: pytest.MonkeyPatch, walk: bool
) -> None:
    """A nation in many bundles has its page found by walking the bundles in their order,
    one in few through its shares: the same bundles, the same totals, filtered or not."""
    service, client = demand
    monkeypatch.setattr(BundleRepository, "DENSE", 1 if walk else 10**9)
    for item, nations in [("AMMO-155MM", "NLD CZE"), ("VSRAT", "NLD"), ("NLAW", "NLD CZE"), ("CV90", "NLD DEU")]:
        for nation in nations.split():
            answer = await client.post("/v1/needs", json=need_body(nation, 100, item), headers=desk(nation))
            assert answer.status_code == 201, answer.text
    await aggregate_all(service)
    every = [b["id"] for b in (await client.get("/v1/bundles", headers=ADMIN)).json()["items"]]
    assert len(every) == 4
    nlaw = next(b for b in (await client.get("/v1/bundles", headers=ADMIN)).json()["items"] if b["item_code"] == "NLAW")
    opened = await client.post(
        f"/v1/bundles/{nlaw['id']}/open", json={"deadline": SOON}, headers=await lead(client, nlaw["id"])
    )
    assert opened.status_code == 200, opened.text

    def ids(read: list[dict[str, Any]]) -> list[str]:
        return [b["id"] for page in read for b in page["items"]]

    assert ids(await pages(client, "/v1/bundles", desk("NLD"))) == every
    czech = await pages(client, "/v1/bundles", desk("CZE"))
    assert ids(czech) == [every[0], every[2]] and czech[0]["total"] == 2
    assert ids(await pages(client, "/v1/bundles", desk("CZE"), status="open")) == [nlaw["id"]]
    proposed = await pages(client, "/v1/bundles", desk("NLD"), status="proposed")
    assert ids(proposed) == [every[0], every[1], every[3]] and proposed[0]["total"] == 3
    assert (await client.get("/v1/bundles", headers=desk("POL"))).json() == {
        "items": [],
        "limit": 20,
        "offset": 0,
        "total": 0,
    }


async def test_the_demand_sheet_shows_so_many_open_bundles_and_counts_them_all(
    demand: Demand, monkeypatch: pytest.MonkeyPatch
) -> None:
    service, client = demand
    monkeypatch.setattr(views, "OPEN_BUNDLES_SHOWN", 2)
    start = DEMAND_DAY.year + 2
    for first in (start, start + 4, start + 8):
        window = {"start": f"{first}-01-01", "end": f"{first + 1}-12-31"}
        body = need_body("NLD", 100, "VSRAT", delivery_window=window)
        assert (await client.post("/v1/needs", json=body, headers=desk("NLD"))).status_code == 201
    await aggregate_all(service)
    every = [b["id"] for b in (await client.get("/v1/bundles", headers=ADMIN)).json()["items"]]
    sheet = (await client.get("/v1/demand-sheet/VSRAT", headers=desk("NLD"))).json()
    assert [b["id"] for b in sheet["open_bundles"]] == every[:2]
    assert sheet["open_bundle_count"] == 3
