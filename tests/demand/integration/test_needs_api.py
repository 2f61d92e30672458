"""Needs through the API on a real database: all fields, lifecycle, versioned amendments,
idempotency keys and clear 422s."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from tests.demand.helpers import ADMIN, aggregate_all, lead, need_body, outbox_events, yearly
from tests.support.api import desk

Demand = tuple[Any, httpx.AsyncClient]


async def test_a_need_keeps_every_field(demand: Demand) -> None:
    _, client = demand
    body = need_body(
        "NLD",
        None,
        yearly_quantities=yearly((2025, 10_000), (2026, 15_000)),
        end_user="ukraine",
        budget_ceiling={"amount": 250_000_000, "currency": "EUR"},
        deviations=[{"description": "Dutch lot marking", "compatible": True}],
        priority="urgent",
        preferred_funding="EDIRPA",
    )
    created = await client.post("/v1/needs", json=body, headers=desk("NLD"))
    assert created.status_code == 201, created.text
    need = created.json()
    assert need["quantity"] == 25_000
    assert need["yearly_quantities"] == yearly((2025, 10_000), (2026, 15_000))
    assert need["budget_ceiling"] == {"amount": "250000000.00", "currency": "EUR"}
    assert need["specification_ref"] == "SPEC-155MM-JBMOU"
    assert need["priority"] == "urgent" and need["preferred_funding"] == "EDIRPA"
    assert need["end_user"] == "ukraine" and need["status"] == "submitted" and need["version"] == 1
    fetched = (await client.get(f"/v1/needs/{need['id']}", headers=desk("NLD"))).json()
    assert fetched == need
    listed = (await client.get("/v1/needs", headers=desk("NLD"))).json()  # read as plain rows
    assert listed["items"] == [need]


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (need_body("NLD", 0), "greater than or equal to 1"),
        (need_body("NLD", 0), '"field":"body.quantity","rule":"greater_than_equal"'),
        (need_body("NLD", -3), '"field":"body.quantity","rule":"greater_than_equal"'),
        (need_body("NLD", delivery_window={"start": "2027-01-01", "end": "2026-01-01"}), "before it starts"),
        (need_body("NLD", item="PHASER"), "item PHASER is not in the catalogue"),
        (need_body("CZE"), "cannot register a need for CZE"),
        (need_body("NLD", budget_ceiling={"amount": 5, "currency": "USD"}), "budgets are kept in EUR"),
        (need_body("NLD", budget_ceiling={"amount": 0}), "budget ceiling must be positive"),
        (need_body("NLD", None, yearly_quantities=yearly((2025, 5), (2025, 6))), "each year may appear once"),
        (need_body("NLD", preferred_funding="LOTTERY"), "unknown funding instrument"),
    ],
)
async def test_bad_needs_get_a_422_with_the_reason(demand: Demand, body: dict[str, Any], reason: str) -> None:
    service, client = demand
    response = await client.post("/v1/needs", json=body, headers=desk("NLD"))
    assert response.status_code == 422
    assert reason in response.text
    assert await outbox_events(service) == []


async def test_the_same_idempotency_key_creates_one_need_and_answers_the_same(demand: Demand) -> None:
    service, client = demand
    headers = desk("NLD") | {"idempotency-key": "nld-2025-0001"}
    first = await client.post("/v1/needs", json=need_body("NLD", 700), headers=headers)
    again = await client.post("/v1/needs", json=need_body("NLD", 700), headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    other = await client.post("/v1/needs", json=need_body("NLD", 800), headers=headers)
    assert other.status_code == 422 and "different request" in other.text
    # another nation's identical key is its own
    cze = await client.post(
        "/v1/needs", json=need_body("CZE", 700), headers=desk("CZE") | {"idempotency-key": "nld-2025-0001"}
    )
    assert cze.status_code == 201
    listed = (await client.get("/v1/needs", headers=desk("NLD"))).json()
    assert listed["total"] == 1
    assert len(await outbox_events(service, "demand.need.registered")) == 2


async def test_concurrent_requests_with_one_key_still_create_one_need(demand: Demand) -> None:
    _, client = demand
    headers = desk("DNK") | {"idempotency-key": "race"}
    answers = await asyncio.gather(
        *(client.post("/v1/needs", json=need_body("DNK", 5), headers=headers) for _ in range(4))
    )
    assert {a.status_code for a in answers} == {201}
    assert len({a.json()["id"] for a in answers}) == 1
    assert (await client.get("/v1/needs", headers=desk("DNK"))).json()["total"] == 1


async def test_a_draft_is_not_bundled_until_submitted(demand: Demand) -> None:
    service, client = demand
    draft = (await client.post("/v1/needs", json=need_body("NLD", draft=True), headers=desk("NLD"))).json()
    assert draft["status"] == "draft"
    assert await outbox_events(service) == []
    submitted = await client.post(f"/v1/needs/{draft['id']}/submit", headers=desk("NLD"))
    assert submitted.status_code == 200 and submitted.json()["status"] == "submitted"
    again = await client.post(f"/v1/needs/{draft['id']}/submit", headers=desk("NLD"))
    assert again.status_code == 409
    await aggregate_all(service)
    assert (await client.get(f"/v1/needs/{draft['id']}", headers=desk("NLD"))).json()["status"] == "bundled"


async def test_amendments_are_versioned_with_history_and_checked(demand: Demand) -> None:
    service, client = demand
    need = (await client.post("/v1/needs", json=need_body("NLD", 100), headers=desk("NLD"))).json()
    amended = await client.patch(
        f"/v1/needs/{need['id']}", json={"quantity": 150, "priority": "high"}, headers=desk("NLD")
    )
    assert amended.status_code == 200 and amended.json()["version"] == 2
    bad = await client.patch(f"/v1/needs/{need['id']}", json={"quantity": -1}, headers=desk("NLD"))
    assert bad.status_code == 422 and "greater than or equal to 1" in bad.text
    history = (await client.get(f"/v1/needs/{need['id']}/history", headers=desk("NLD"))).json()["items"]
    assert [(h["version"], h["change"]) for h in history] == [(1, "registered"), (2, "amended: priority, quantity")]
    assert history[0]["snapshot"]["quantity"] == 100 and history[1]["snapshot"]["quantity"] == 150
    for offset, versions in ((1, [2]), (0, [1]), (2, [])):  # a page and the count: one statement
        page = (
            await client.get(
                f"/v1/needs/{need['id']}/history", params={"limit": 1, "offset": offset}, headers=desk("NLD")
            )
        ).json()
        assert [h["version"] for h in page["items"]] == versions and page["total"] == 2
    amendments = await outbox_events(service, "demand.need.amended")
    assert [e["payload"]["changed"] for e in amendments] == [["priority", "quantity"]]


async def test_withdrawn_and_committed_needs_no_longer_change(demand: Demand) -> None:
    service, client = demand
    need = (await client.post("/v1/needs", json=need_body("NLD", 100), headers=desk("NLD"))).json()
    withdrawn = await client.post(
        f"/v1/needs/{need['id']}/withdraw", json={"reason": "budget cut"}, headers=desk("NLD")
    )
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"
    again = await client.patch(f"/v1/needs/{need['id']}", json={"quantity": 5}, headers=desk("NLD"))
    assert again.status_code == 409 and "can no longer be amended" in again.text
    events = await outbox_events(service, "demand.need.withdrawn")
    assert events[0]["payload"]["reason"] == "budget cut"

    ordered = (await client.post("/v1/needs", json=need_body("NLD", 100, item="CV90"), headers=desk("NLD"))).json()
    await aggregate_all(service)
    bundle_id = (await client.get(f"/v1/needs/{ordered['id']}", headers=desk("NLD"))).json()["bundle_id"]
    committed = await client.post(f"/v1/bundles/{bundle_id}/commit", json={}, headers=await lead(client, bundle_id))
    assert committed.status_code == 200
    assert (await client.get(f"/v1/needs/{ordered['id']}", headers=desk("NLD"))).json()["status"] == "committed"
    amend = await client.patch(f"/v1/needs/{ordered['id']}", json={"quantity": 5}, headers=desk("NLD"))
    assert amend.status_code == 409 and "committed" in amend.text
    withdraw = await client.post(f"/v1/needs/{ordered['id']}/withdraw", json={}, headers=desk("NLD"))
    assert withdraw.status_code == 409 and "committed" in withdraw.text


async def test_needs_filter_and_page(demand: Demand) -> None:
    _, client = demand
    for item, qty in [("AMMO-155MM", 1), ("VSRAT", 2), ("VSRAT", 3)]:
        await client.post("/v1/needs", json=need_body("NLD", qty, item=item), headers=desk("NLD"))
    await client.post("/v1/needs", json=need_body("NLD", 4, end_user="ukraine"), headers=desk("NLD"))
    for_ukraine = (await client.get("/v1/needs", params={"end_user": "ukraine"}, headers=desk("NLD"))).json()
    assert [n["quantity"] for n in for_ukraine["items"]] == [4]
    across = (await client.get("/v1/needs", params={"limit": 3}, headers=ADMIN)).json()
    assert (across["total"], len(across["items"])) == (4, 3)  # the total counts beyond the page, unfiltered too
    page = (await client.get("/v1/needs", params={"item_code": "VSRAT", "limit": 1}, headers=desk("NLD"))).json()
    assert page["total"] == 2 and [n["quantity"] for n in page["items"]] == [2]
    second = (
        await client.get("/v1/needs", params={"item_code": "VSRAT", "limit": 1, "offset": 1}, headers=desk("NLD"))
    ).json()
    assert [n["quantity"] for n in second["items"]] == [3]
    assert (await client.get("/v1/needs", params={"status": "bundled"}, headers=desk("NLD"))).json()["total"] == 0


async def test_a_registered_need_and_its_event_commit_together(demand: Demand) -> None:
    service, client = demand
    response = await client.post("/v1/needs", json=need_body("NLD", 10_000), headers=desk("NLD"))
    assert response.status_code == 201
    need = response.json()
    events = await outbox_events(service)
    assert len(events) == 1
    assert events[0]["event_type"] == "demand.need.registered"
    assert events[0]["payload"]["need_id"] == need["id"] and events[0]["aggregate_id"] == need["id"]
