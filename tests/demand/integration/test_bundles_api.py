"""The bundling engine and the bundle lifecycle through the API and the aggregator, on a
real database: every rule is observed from the outside (HTTP answers, staged events)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import httpx
import pytest
from sqlalchemy import func, select

from bundling_shared.clock import FixedClock
from demand.adapters import orm
from demand.config import DemandSettings
from demand.service_layer.contracted import mark_contracted, signed_with_supplier
from demand.service_layer.publication import publish_due
from demand.service_layer.specifications import adopt_harmonised_specification
from tests.demand.helpers import (
    ADMIN,
    DEMAND_DAY,
    aggregate_all,
    coordinator_of,
    lead,
    lines_of,
    need_body,
    outbox_events,
    publish_now,
    yearly,
)
from tests.support.api import desk

Demand = tuple[Any, httpx.AsyncClient]
SOON = (DEMAND_DAY.date() + timedelta(days=30)).isoformat()


async def register(client: httpx.AsyncClient, nation: str, quantity: int | None = 100, **kw: Any) -> dict[str, Any]:
    response = await client.post("/v1/needs", json=need_body(nation, quantity, **kw), headers=desk(nation))
    assert response.status_code == 201, response.text
    need: dict[str, Any] = response.json()
    return need


async def bundles(client: httpx.AsyncClient, **params: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = (await client.get("/v1/bundles", params=params, headers=ADMIN)).json()["items"]
    return items


async def test_windows_split_bundles_and_every_line_and_decision_says_why(demand: Demand) -> None:
    service, client = demand
    early = {"start": "2025-01-01", "end": "2026-12-31"}
    late = {"start": "2029-01-01", "end": "2030-12-31"}
    await register(client, "NLD", delivery_window=early)
    await register(client, "CZE", delivery_window={"start": "2026-06-01", "end": "2027-12-31"})
    await register(client, "DEU", delivery_window=late)
    await aggregate_all(service)
    found = await bundles(client, item_code="AMMO-155MM")
    assert sorted(b["nations"] for b in found) == [["CZE", "NLD"], ["DEU"]]
    joint = next(b for b in found if b["nations"] == ["CZE", "NLD"])
    joint_lines = await lines_of(client, joint["id"], ADMIN)
    assert len(joint_lines) == 2
    assert all("overlaps" in line["reason"] or "first need" in line["reason"] for line in joint_lines)
    split = next(b for b in found if b["nations"] == ["DEU"])
    trail = (await client.get(f"/v1/bundles/{split['id']}/trail", headers=await lead(client, split["id"]))).json()[
        "items"
    ]
    assert trail[0]["kind"] == "split" and "does not overlap" in trail[0]["reason"]
    assert trail[1]["kind"] == "joined"


async def test_incompatible_deviations_open_a_separate_bundle_and_propose_harmonisation(demand: Demand) -> None:
    service, client = demand
    await register(client, "NLD")
    await register(client, "DEU", deviations=[{"description": "marking", "compatible": True}])
    await register(client, "NOR", deviations=[{"description": "Arctic propellant", "compatible": False}])
    await aggregate_all(service)
    found = await bundles(client)
    assert sorted((b["nations"], b["harmonised"]) for b in found) == [(["DEU", "NLD"], True), (["NOR"], False)]
    proposals = await outbox_events(service, "demand.harmonisation.proposed")
    assert len(proposals) == 1
    payload = proposals[0]["payload"]
    assert payload["nations"] == ["NOR"] and payload["deviations"][0]["description"] == "Arctic propellant"
    assert len(payload["bundle_ids"]) == 2


async def test_amending_moves_a_need_and_withdrawing_takes_it_out(demand: Demand) -> None:
    service, client = demand
    nld = await register(client, "NLD", 100)
    cze = await register(client, "CZE", 300)
    await aggregate_all(service)
    (bundle,) = await bundles(client)
    assert bundle["total_quantity"] == 400
    await client.patch(f"/v1/needs/{nld['id']}", json={"quantity": 250}, headers=desk("NLD"))
    await aggregate_all(service)
    (bundle,) = await bundles(client)
    assert bundle["total_quantity"] == 550 and bundle["line_count"] == 2
    assert len(await lines_of(client, bundle["id"], ADMIN)) == 2
    await client.patch(
        f"/v1/needs/{nld['id']}",
        json={"delivery_window": {"start": "2031-01-01", "end": "2032-01-01"}},
        headers=desk("NLD"),
    )
    await aggregate_all(service)
    found = await bundles(client)
    assert sorted((b["nations"], b["total_quantity"]) for b in found) == [(["CZE"], 300), (["NLD"], 250)]
    await client.post(f"/v1/needs/{cze['id']}/withdraw", json={}, headers=desk("CZE"))
    await aggregate_all(service)
    first = next(b for b in await bundles(client) if b["id"] == bundle["id"])
    assert first["total_quantity"] == 0 and first["nations"] == []
    trail = (await client.get(f"/v1/bundles/{bundle['id']}/trail", headers=await lead(client, bundle["id"]))).json()[
        "items"
    ]
    assert [t["kind"] for t in trail].count("left") == 3


async def test_a_burst_of_changes_publishes_one_update_after_the_quiet_period(demand: Demand) -> None:
    service, client = demand
    for nation in ["NLD", "CZE", "DEU", "DNK", "POL"]:
        await register(client, nation)
    await aggregate_all(service)
    now = service.clock.now()
    assert await publish_due(service.uow(), now=now, quiet=timedelta(hours=1), max_wait=timedelta(hours=2)) == 0
    assert await outbox_events(service, "demand.bundle.updated") == []
    an_hour_on = now + timedelta(hours=1)
    assert (
        await publish_due(service.uow(), now=an_hour_on, quiet=timedelta(minutes=59), max_wait=timedelta(days=1)) == 1
    )  # quiet
    assert await publish_now(service) == 0
    (update,) = await outbox_events(service, "demand.bundle.updated")
    assert update["payload"]["total_quantity"] == 500 and update["payload"]["revision"] == 5
    assert update["payload"]["reason"].startswith("5 change(s)")

    await register(client, "ESP")  # a bundle that keeps changing is published at the latest after the wait
    await aggregate_all(service)
    now = service.clock.now()
    assert await publish_due(service.uow(), now=now, quiet=timedelta(hours=1), max_wait=timedelta(hours=1)) == 0
    assert await publish_due(service.uow(), now=now, quiet=timedelta(hours=1), max_wait=timedelta(0)) == 1
    assert len(await outbox_events(service, "demand.bundle.updated")) == 2


async def test_a_need_event_changes_only_the_bundles_of_its_item(demand: Demand) -> None:
    service, client = demand
    await register(client, "NLD", 10, item="CV90")
    await register(client, "DNK", 20, item="VSRAT")
    await aggregate_all(service)
    (before,) = await bundles(client, item_code="VSRAT")
    await register(client, "SWE", 30, item="CV90")
    await aggregate_all(service)
    (after,) = await bundles(client, item_code="VSRAT")
    (cv90,) = await bundles(client, item_code="CV90")
    assert after == before  # not one value of the other item's bundle changed, not even its revision
    assert (cv90["revision"], cv90["total_quantity"]) == (2, 40)


async def test_bundles_filter_and_page(demand: Demand) -> None:
    service, client = demand
    await register(client, "NLD", 10, item="CV90")
    await register(client, "DNK", 20, item="VSRAT")
    await register(client, "DEU", None, item="MMR", yearly_quantities=yearly((2026, 1), (2027, 1)))
    await aggregate_all(service)
    cv90 = (await bundles(client, item_code="CV90"))[0]
    await client.post(f"/v1/bundles/{cv90['id']}/commit", json={}, headers=await lead(client, cv90["id"]))
    assert [b["item_code"] for b in await bundles(client, status="committed")] == ["CV90"]
    assert [b["item_code"] for b in await bundles(client, kind="framework_contract")] == ["MMR"]
    everything = (await client.get("/v1/bundles", params={"limit": 2}, headers=ADMIN)).json()
    rest = (await client.get("/v1/bundles", params={"limit": 2, "offset": 2}, headers=ADMIN)).json()
    assert everything["total"] == rest["total"] == 3 and (len(everything["items"]), len(rest["items"])) == (2, 1)
    seen = {b["id"] for b in everything["items"]} | {b["id"] for b in rest["items"]}
    assert len(seen) == 3
    own = (await client.get("/v1/bundles", headers=desk("DNK"))).json()
    assert [b["item_code"] for b in own["items"]] == ["VSRAT"]  # a desk lists the bundles it is in


def test_the_quiet_period_and_the_maximum_wait_are_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEMAND_PUBLISH_QUIET_SECONDS", "7.5")
    monkeypatch.setenv("DEMAND_PUBLISH_MAX_WAIT_SECONDS", "90")
    settings = DemandSettings()
    assert (settings.publish_quiet_seconds, settings.publish_max_wait_seconds) == (7.5, 90)


async def test_open_confirm_decline_and_commit_with_the_confirmed_nations(demand: Demand) -> None:
    service, client = demand
    needs = {
        n: await register(client, n, q, item="PATRIOT-PAC2")
        for n, q in [("NLD", 200), ("DEU", 400), ("ESP", 100), ("ROU", 300)]
    }
    await aggregate_all(service)
    (bundle,) = await bundles(client)
    bid = bundle["id"]
    assert bundle["proposed_lead"] == "DEU"
    assert (
        await client.post(f"/v1/bundles/{bid}/open", json={"deadline": SOON}, headers=desk("NLD"))
    ).status_code == 403
    past = await client.post(
        f"/v1/bundles/{bid}/open", json={"deadline": "2020-01-01"}, headers=await lead(client, bid)
    )
    assert past.status_code == 422 and "in the past" in past.text
    opened = await client.post(
        f"/v1/bundles/{bid}/open", json={"deadline": SOON, "minimum_nations": 3}, headers=await lead(client, bid)
    )
    assert opened.status_code == 200 and opened.json()["status"] == "open"
    (notice,) = await outbox_events(service, "demand.bundle.opened")
    assert notice["payload"]["nation_count"] == 4 and notice["payload"]["total_quantity"] == 1000
    told = {k: v for k, v in notice["payload"].items() if k != "nations"}  # the nations asked, for their desks
    assert not any(n in str(told) for n in ("NLD", "ESP", "ROU"))  # no per-nation detail

    async def answer(nation: str, **body: Any) -> httpx.Response:
        return await client.post(f"/v1/bundles/{bid}/participation", json=body, headers=desk(nation))

    assert (await answer("NLD", decision="confirm", funding_instrument="EDIRPA")).status_code == 422  # ended in 2025
    assert (await answer("NLD", decision="confirm", funding_instrument="EDIP")).status_code == 200
    assert (await answer("DEU", decision="confirm", quantity=350)).status_code == 200
    early = await client.post(f"/v1/bundles/{bid}/commit", json={}, headers=await lead(client, bid))
    assert early.status_code == 409 and "minimum is 3" in early.text
    assert (await answer("ESP", decision="decline")).status_code == 200
    assert (await answer("ROU", decision="confirm", quantity=301)).status_code == 422
    assert (await answer("ROU", decision="confirm")).status_code == 200
    committed = await client.post(f"/v1/bundles/{bid}/commit", json={}, headers=await lead(client, bid))
    assert committed.status_code == 200 and committed.json()["lead"] == "DEU"
    (order,) = await outbox_events(service, "demand.joint_order.committed")
    assert order["payload"]["funding_instrument"] == "EDIP"  # the one the nations chose: its procurement's
    assert sorted((x["nation"], x["quantity"]) for x in order["payload"]["lines"]) == [
        ("DEU", 350),
        ("NLD", 200),
        ("ROU", 300),
    ]
    assert order["payload"]["total_quantity"] == 850
    ordered = (await client.get(f"/v1/bundles/{bid}", headers=await lead(client, bid))).json()
    assert (ordered["nations"], ordered["total_quantity"]) == (["DEU", "NLD", "ROU"], 850)  # the order, no more
    assert (await client.get(f"/v1/bundles/{bid}", headers=desk("ESP"))).status_code == 404
    trail = (await client.get(f"/v1/bundles/{bid}/trail", headers=await lead(client, bid))).json()["items"]
    assert [(d["kind"], d["reason"]) for d in trail if d["nation"] == "ESP"][-1] == ("rejected", "did not confirm")
    esp = (await client.get(f"/v1/needs/{needs['ESP']['id']}", headers=desk("ESP"))).json()
    assert esp["status"] == "bundled" and esp["bundle_id"] not in (None, bid)  # still demand: bundled anew
    (elsewhere,) = await bundles(client, status="proposed")
    assert (elsewhere["id"], elsewhere["status"], elsewhere["total_quantity"]) == (esp["bundle_id"], "proposed", 100)
    joined = (await client.get(f"/v1/bundles/{elsewhere['id']}/trail", headers=desk("ESP"))).json()["items"]
    (reason,) = [d["reason"] for d in joined if d["kind"] == "joined"]
    assert reason.startswith(f"bundle {bid} was committed without")
    nld = (await client.get(f"/v1/needs/{needs['NLD']['id']}", headers=desk("NLD"))).json()
    assert nld["status"] == "committed"
    again = await client.post(f"/v1/bundles/{bid}/commit", json={}, headers=await lead(client, bid))
    assert again.status_code == 409 and "already committed" in again.text


async def test_multi_year_demand_commits_as_a_framework_that_others_accede_to_later(demand: Demand) -> None:
    service, client = demand
    plan = yearly((2026, 4), (2027, 4), (2028, 4))
    await register(client, "NLD", None, item="MMR", yearly_quantities=plan, budget_ceiling={"amount": 400_000_000})
    await aggregate_all(service)
    (bundle,) = await bundles(client)
    assert bundle["kind"] == "framework_contract"
    bid = bundle["id"]
    not_yet = await client.post(
        f"/v1/bundles/{bid}/accessions", json={"yearly_quantities": yearly((2027, 2))}, headers=desk("NOR")
    )
    assert not_yet.status_code == 404
    assert (
        await client.post(f"/v1/bundles/{bid}/commit", json={"lead": "NLD"}, headers=await lead(client, bid))
    ).status_code == 200
    (framework,) = await outbox_events(service, "demand.framework.committed")
    assert framework["payload"]["ceiling_quantity"] == 12 and framework["payload"]["ceiling_value_eur"] == 400_000_000
    assert framework["payload"]["start"] == "2026-01-01" and framework["payload"]["end"] == "2028-12-31"
    sheet = (await client.get("/v1/demand-sheet/MMR", headers=desk("NOR"))).json()
    assert [b["id"] for b in sheet["open_bundles"] if b["accession_open"]] == [bid]

    for nation in ("NOR", "DNK", "LTU"):
        acceded = await client.post(
            f"/v1/bundles/{bid}/accessions",
            json={"yearly_quantities": yearly((2027, 2), (2028, 1))},
            headers=desk(nation),
        )
        assert acceded.status_code == 201, acceded.text
        assert [p["nation"] for p in acceded.json()["participation"]] == [nation]
    twice = await client.post(
        f"/v1/bundles/{bid}/accessions", json={"yearly_quantities": yearly((2027, 1))}, headers=desk("NOR")
    )
    assert twice.status_code == 409
    accessions = await outbox_events(service, "demand.accession.confirmed")
    assert [a["payload"]["nation"] for a in accessions] == ["NOR", "DNK", "LTU"]
    (listed,) = (await client.get("/v1/demand-sheet/MMR", headers=desk("EST"))).json()["open_bundles"]
    summary = (await client.get(f"/v1/bundles/{bid}", headers=await lead(client, bid))).json()
    assert (listed["nation_count"], summary["nation_count"]) == (1, 1)  # asking to accede is not being in
    assert (listed["total_quantity"], listed["accession_open"]) == (summary["total_quantity"], True)
    closed = await client.post(
        f"/v1/bundles/{bid}/close", json={"reason": "ceiling reached"}, headers=await lead(client, bid)
    )
    assert closed.status_code == 200 and not closed.json()["accession_open"]
    late = await client.post(
        f"/v1/bundles/{bid}/accessions", json={"yearly_quantities": yearly((2027, 1))}, headers=desk("EST")
    )
    assert late.status_code == 404


async def test_recurring_demand_is_a_framework_with_a_ceiling_and_a_duration_shown_before_and_at_commit(
    demand: Demand,
) -> None:
    service, client = demand
    window = {"start": "2027-01-01", "end": "2030-12-31"}
    await register(client, "NLD", 102, item="MMR", recurring=True, delivery_window=window)
    await register(client, "DNK", None, item="MMR", yearly_quantities=yearly((2027, 10), (2028, 10)))
    await aggregate_all(service)
    (listed,) = await bundles(client)
    proposal = (await client.get(f"/v1/bundles/{listed['id']}", headers=ADMIN)).json()
    assert proposal["kind"] == listed["kind"] == "framework_contract"
    assert (listed["ceiling_quantity"], listed["duration"]) == (proposal["ceiling_quantity"], proposal["duration"])
    assert [(y["year"], y["quantity"]) for y in proposal["yearly_totals"]] == [
        (2027, 36),  # 26 of NLD's 102 spread over four years (the remainder first), and DNK's 10
        (2028, 36),
        (2029, 25),
        (2030, 25),
    ]
    assert proposal["ceiling_quantity"] == 122
    assert proposal["duration"] == {"start": "2027-01-01", "end": "2030-12-31"}
    committed = await client.post(
        f"/v1/bundles/{proposal['id']}/commit", json={}, headers=await lead(client, proposal["id"])
    )
    assert committed.status_code == 200, committed.text
    (framework,) = await outbox_events(service, "demand.framework.committed")
    assert framework["payload"]["ceiling_quantity"] == 122
    assert (framework["payload"]["start"], framework["payload"]["end"]) == ("2027-01-01", "2030-12-31")
    (nld,) = [p for p in framework["payload"]["participants"] if p["nation"] == "NLD"]
    assert [y["quantity"] for y in nld["yearly"]] == [26, 26, 25, 25]


async def test_a_joint_order_has_no_ceiling_nor_duration(demand: Demand) -> None:
    service, client = demand
    await register(client, "DNK", 10, item="CV90")
    await aggregate_all(service)
    (bundle,) = await bundles(client)
    assert (bundle["kind"], bundle["ceiling_quantity"], bundle["duration"]) == ("joint_order", None, None)


async def test_deadlines_are_judged_by_the_services_clock_not_the_calendar(demand: Demand, clock: FixedClock) -> None:
    service, client = demand
    for nation in ("NLD", "DEU"):
        await register(client, nation, item="PATRIOT-PAC2")
    await aggregate_all(service)
    (bundle,) = await bundles(client)
    clock.advance(timedelta(days=10 * 365))
    a_year_after_the_start = (DEMAND_DAY.date() + timedelta(days=365)).isoformat()
    past = await client.post(
        f"/v1/bundles/{bundle['id']}/open",
        json={"deadline": a_year_after_the_start},
        headers=await lead(client, bundle["id"]),
    )
    assert past.status_code == 422 and "in the past" in past.text
    a_month_on = (clock.today() + timedelta(days=30)).isoformat()
    opened = await client.post(
        f"/v1/bundles/{bundle['id']}/open", json={"deadline": a_month_on}, headers=await lead(client, bundle["id"])
    )
    assert opened.status_code == 200 and opened.json()["accession_deadline"] == a_month_on


async def test_a_coordinator_nominates_the_lead_moves_the_deadline_and_cancels_with_a_reason(demand: Demand) -> None:
    service, client = demand
    await register(client, "DNK", 10, item="CV90")
    await register(client, "NLD", 40, item="CV90", end_user="ukraine")
    await aggregate_all(service)
    (bundle,) = await bundles(client)
    bid = bundle["id"]
    assert bundle["proposed_lead"] == "NLD"
    bad = await client.post(f"/v1/bundles/{bid}/lead", json={"lead": "ACME"}, headers=await lead(client, bid))
    assert bad.status_code == 422
    led = await client.post(f"/v1/bundles/{bid}/lead", json={"lead": "SWE"}, headers=await lead(client, bid))
    assert led.json()["proposed_lead"] == "SWE"
    await client.post(f"/v1/bundles/{bid}/open", json={"deadline": SOON}, headers=await lead(client, bid))
    later = (DEMAND_DAY.date() + timedelta(days=60)).isoformat()
    moved = await client.post(f"/v1/bundles/{bid}/deadline", json={"deadline": later}, headers=await lead(client, bid))
    assert moved.json()["accession_deadline"] == later
    assert (
        await client.post(f"/v1/bundles/{bid}/cancel", json={"reason": ""}, headers=await lead(client, bid))
    ).status_code == 422
    cancelled = await client.post(
        f"/v1/bundles/{bid}/cancel", json={"reason": "merged into the Swedish fund"}, headers=await lead(client, bid)
    )
    assert (
        cancelled.json()["status"] == "cancelled"
        and cancelled.json()["cancel_reason"] == "merged into the Swedish fund"
    )
    trail = [
        t["kind"]
        for t in (await client.get(f"/v1/bundles/{bid}/trail", headers=await lead(client, bid))).json()["items"]
    ]
    assert {"lead_nominated", "opened_for_accession", "deadline_set", "cancelled", "rejected"} <= set(trail)
    kept = (await client.get(f"/v1/bundles/{bid}", headers=await lead(client, bid))).json()
    assert (kept["nations"], kept["total_quantity"]) == (["DNK", "NLD"], 50)  # the record of what was cancelled
    (anew,) = await bundles(client, status="proposed")  # the needs still stand: bundled again, together
    assert (anew["nations"], anew["total_quantity"]) == (["DNK", "NLD"], 50)


async def test_a_commit_is_refused_while_a_chosen_funding_needs_nations_that_did_not_confirm(demand: Demand) -> None:
    service, client = demand
    for nation in ("NLD", "DEU", "ESP"):
        await register(client, nation, 100, item="PATRIOT-PAC2")
    await aggregate_all(service)
    (bundle,) = await bundles(client)
    bid = bundle["id"]
    await client.post(
        f"/v1/bundles/{bid}/open", json={"deadline": SOON, "minimum_nations": 2}, headers=await lead(client, bid)
    )
    edip = {"decision": "confirm", "funding_instrument": "EDIP"}  # three EU member states are in it
    assert (await client.post(f"/v1/bundles/{bid}/participation", json=edip, headers=desk("NLD"))).status_code == 200
    for nation, decision in (("DEU", "confirm"), ("ESP", "decline")):
        await client.post(f"/v1/bundles/{bid}/participation", json={"decision": decision}, headers=desk(nation))
    refused = await client.post(f"/v1/bundles/{bid}/commit", json={}, headers=await lead(client, bid))
    assert refused.status_code == 409 and "NLD confirmed with EDIP" in refused.text
    assert (await client.get(f"/v1/bundles/{bid}", headers=await lead(client, bid))).json()[
        "status"
    ] == "open"  # untouched
    plain = {"decision": "confirm"}
    assert (await client.post(f"/v1/bundles/{bid}/participation", json=plain, headers=desk("NLD"))).status_code == 200
    committed = await client.post(f"/v1/bundles/{bid}/commit", json={}, headers=await lead(client, bid))
    assert committed.status_code == 200 and committed.json()["nations"] == ["DEU", "NLD"]


async def test_a_closed_open_bundle_commits_and_releases_who_did_not_answer(demand: Demand) -> None:
    service, client = demand
    for nation in ("NLD", "ESP"):
        await register(client, nation, 100, item="PATRIOT-PAC2")
    await aggregate_all(service)
    (bundle,) = await bundles(client)
    bid = bundle["id"]
    await client.post(
        f"/v1/bundles/{bid}/open", json={"deadline": SOON, "minimum_nations": 1}, headers=await lead(client, bid)
    )
    await client.post(f"/v1/bundles/{bid}/participation", json={"decision": "confirm"}, headers=desk("NLD"))
    await client.post(f"/v1/bundles/{bid}/close", json={"reason": "no more nations"}, headers=await lead(client, bid))
    committed = await client.post(f"/v1/bundles/{bid}/commit", json={}, headers=await lead(client, bid))
    assert committed.status_code == 200, committed.text
    assert committed.json()["nations"] == ["NLD"]


async def test_a_withdrawal_not_yet_applied_holds_the_commit_and_survives_a_cancel(demand: Demand) -> None:
    service, client = demand
    needs = {nation: await register(client, nation, 10, item="CV90") for nation in ("NLD", "DNK", "SWE")}
    await aggregate_all(service)
    (bundle,) = await bundles(client)
    bid = bundle["id"]
    await client.post(f"/v1/needs/{needs['NLD']['id']}/withdraw", json={}, headers=desk("NLD"))
    held = await client.post(f"/v1/bundles/{bid}/commit", json={}, headers=await lead(client, bid))
    assert held.status_code == 409 and "was withdrawn" in held.text  # it would be ordered otherwise

    cancelled = await client.post(
        f"/v1/bundles/{bid}/cancel", json={"reason": "re-plan"}, headers=await lead(client, bid)
    )
    assert cancelled.status_code == 200
    withdrawn = (await client.get(f"/v1/needs/{needs['NLD']['id']}", headers=desk("NLD"))).json()
    assert (withdrawn["status"], withdrawn["bundle_id"]) == ("withdrawn", None)
    await aggregate_all(service)  # the withdrawal arrives: nothing to undo
    (anew,) = await bundles(client, status="proposed")
    assert anew["nations"] == ["DNK", "SWE"]


async def test_a_withdrawn_need_leaves_even_a_closed_bundle(demand: Demand) -> None:
    service, client = demand
    needs = {nation: await register(client, nation, 10, item="CV90") for nation in ("NLD", "DNK")}
    await aggregate_all(service)
    (bundle,) = await bundles(client)
    await client.post(
        f"/v1/bundles/{bundle['id']}/close", json={"reason": "enough"}, headers=await lead(client, bundle["id"])
    )
    await client.patch(f"/v1/needs/{needs['DNK']['id']}", json={"priority": "urgent"}, headers=desk("DNK"))
    await client.post(f"/v1/needs/{needs['NLD']['id']}/withdraw", json={}, headers=desk("NLD"))
    await aggregate_all(service)
    kept = (await client.get(f"/v1/bundles/{bundle['id']}", headers=await lead(client, bundle["id"]))).json()
    assert (kept["nations"], kept["total_quantity"]) == (["DNK"], 10)  # an amendment does not move a need out


async def test_a_closed_bundle_takes_no_more_needs(demand: Demand) -> None:
    service, client = demand
    await register(client, "DNK", 10, item="CV90")
    await aggregate_all(service)
    (bundle,) = await bundles(client)
    closed = await client.post(
        f"/v1/bundles/{bundle['id']}/close", json={"reason": "enough"}, headers=await lead(client, bundle["id"])
    )
    assert closed.status_code == 200
    await register(client, "NLD", 40, item="CV90")
    await aggregate_all(service)
    (other,) = [b for b in await bundles(client) if b["id"] != bundle["id"]]
    assert other["nations"] == ["NLD"]
    assert (await client.get(f"/v1/bundles/{bundle['id']}", headers=await lead(client, bundle["id"]))).json()[
        "nations"
    ] == ["DNK"]


async def test_the_funding_of_a_bundle_is_shown_with_reasons_and_in_euros_each_nation_seeing_its_own_part(
    demand: Demand, clock: FixedClock
) -> None:
    """On 31 December 2025, EDIRPA's last day: 15 % of the nations' budgets, to the cent;
    a coordinator sees the whole, a desk its own part."""
    service, client = demand
    clock.at = datetime(2025, 12, 31, 10, 0, tzinfo=UTC)
    budgets = {"NLD": "1000000.01", "DEU": "333333.33", "CZE": "0.07"}
    for nation, budget in budgets.items():
        await register(client, nation, budget_ceiling={"amount": budget})
    await aggregate_all(service)
    (listed,) = await bundles(client)
    assert listed["qualifies_for"] == ["EDIRPA", "SAFE", "EDIP"]  # the board's column
    bid = listed["id"]
    bundle = (await client.get(f"/v1/bundles/{bid}", headers=ADMIN)).json()
    funding = {f["instrument"]: f for f in bundle["funding"]}
    edirpa = funding["EDIRPA"]
    assert edirpa["qualifies"] and edirpa["co_funding_rate"] == 0.15 and edirpa["support"] == "grant"
    assert (edirpa["eligible_value_eur"], edirpa["max_contribution_eur"]) == ("1333333.41", "200000.01")
    assert edirpa["calculation"] == "15 % x 1,333,333.41 EUR = 200,000.01 EUR"
    assert {p["nation"]: p["max_contribution_eur"] for p in edirpa["nation_contributions"]} == {
        "NLD": "150000.00",
        "DEU": "49999.99",
        "CZE": "0.01",
    }
    assert edirpa["assessed_on"] == "2025-12-31" and "Regulation (EU) 2023/2418" in edirpa["source"]
    assert funding["SAFE"]["support"] == "loan" and funding["SAFE"]["max_contribution_eur"] is None
    assert funding["EDIP"]["qualifies"] and funding["EDIP"]["max_contribution_eur"] == "200000.01"  # 15 % too

    mine = {f["instrument"]: f for f in (await client.get(f"/v1/bundles/{bid}", headers=desk("NLD"))).json()["funding"]}
    assert (mine["EDIRPA"]["eligible_value_eur"], mine["EDIRPA"]["max_contribution_eur"]) == (None, None)
    assert mine["EDIRPA"]["calculation"] is None
    assert mine["EDIRPA"]["nation_contributions"] == [
        {"nation": "NLD", "value_eur": "1000000.01", "max_contribution_eur": "150000.00"}
    ]

    rules = (await client.get("/v1/catalogue/funding-rules", headers=desk("NLD"))).json()
    assert {f["rules_version"] for f in bundle["funding"]} == {rules["version"]} == {"2025-12"}
    assert [r["instrument"] for r in rules["rules"]] == ["EDIRPA", "SAFE", "EDIP"]
    smes = await client.post(f"/v1/bundles/{bid}/sme-share", json={"share": 0.2}, headers=await lead(client, bid))
    raised = {f["instrument"]: f for f in smes.json()["funding"]}["EDIRPA"]
    assert raised["co_funding_rate"] == 0.20 and raised["max_contribution_eur"] == "266666.68"

    committed = await client.post(f"/v1/bundles/{bid}/commit", json={}, headers=await lead(client, bid))
    assert committed.status_code == 200, committed.text
    for nation in ("NLD", "DEU", "CZE"):  # another bundle of the same nations, committed a day later
        await register(client, nation, item="CV90", budget_ceiling={"amount": "100.00"})
    await aggregate_all(service)
    clock.at = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
    later = next(b for b in await bundles(client) if b["item_code"] == "CV90")
    after = await client.post(f"/v1/bundles/{later['id']}/commit", json={}, headers=await lead(client, later["id"]))
    assert after.status_code == 200, after.text
    assert {f["instrument"] for f in after.json()["funding"]} == {"SAFE", "EDIP"}  # rule set 2026-01

    clock.at = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
    kept = {f["instrument"]: f for f in (await client.get(f"/v1/bundles/{bid}", headers=ADMIN)).json()["funding"]}
    assert kept["EDIRPA"]["qualifies"] and kept["EDIRPA"]["max_contribution_eur"] == "266666.68"  # as committed
    assert (kept["EDIRPA"]["assessed_on"], kept["EDIRPA"]["rules_version"]) == ("2025-12-31", "2025-12")


async def test_a_signed_suppliers_sme_flag_sets_the_sme_share_under_the_rules_the_bundle_was_committed_under(
    demand: Demand, clock: FixedClock
) -> None:
    service, client = demand
    clock.at = datetime(2025, 12, 31, 10, 0, tzinfo=UTC)
    for nation in ("NLD", "DEU", "CZE"):
        await register(client, nation, budget_ceiling={"amount": "1000.00"})
    await aggregate_all(service)
    (listed,) = await bundles(client)
    bid = listed["id"]
    committed = await client.post(f"/v1/bundles/{bid}/commit", json={}, headers=await lead(client, bid))
    assert {f["instrument"]: f["co_funding_rate"] for f in committed.json()["funding"]}["EDIRPA"] == 0.15

    clock.at = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)  # signed months later, EDIRPA long over
    event = uuid4()
    assert await signed_with_supplier(service.uow(), event_id=event, bundle_id=bid, organisation="SMALLCO", sme=True)
    assert not await signed_with_supplier(service.uow(), event_id=event, bundle_id=bid, organisation="X", sme=False)
    seen = (await client.get(f"/v1/bundles/{bid}", headers=ADMIN)).json()
    edirpa = {f["instrument"]: f for f in seen["funding"]}["EDIRPA"]
    assert seen["sme_share"] == 1.0 and edirpa["co_funding_rate"] == 0.20 and edirpa["max_contribution_eur"] == "600.00"
    assert (edirpa["assessed_on"], edirpa["rules_version"]) == ("2025-12-31", "2025-12")
    trail = (await client.get(f"/v1/bundles/{bid}/trail", headers=ADMIN)).json()["items"]
    assert trail[-1]["kind"] == "sme_share_signed" and "SMALLCO (an SME)" in trail[-1]["reason"]


async def test_the_funding_rules_in_force_on_a_day_and_their_history(demand: Demand, clock: FixedClock) -> None:
    _, client = demand
    today = (await client.get("/v1/catalogue/funding-rules", headers=desk("NLD"))).json()
    assert today["version"] == "2026-01" and [r["instrument"] for r in today["rules"]] == ["SAFE", "EDIP"]
    last = (await client.get("/v1/catalogue/funding-rules", params={"on": "2025-12-31"}, headers=desk("NLD"))).json()
    edirpa = next(r for r in last["rules"] if r["instrument"] == "EDIRPA")
    assert (edirpa["applies_from"], edirpa["applies_until"], edirpa["min_member_states"]) == (
        "2023-10-27",
        "2025-12-31",
        3,
    )
    assert edirpa["co_funding_rate"] == 0.15 and edirpa["bonus_rate"] == 0.20 and "Art. 9(3)" in edirpa["source"]
    before = await client.get("/v1/catalogue/funding-rules", params={"on": "2023-10-26"}, headers=desk("NLD"))
    assert before.status_code == 404 and "2023-10-27" in before.text
    history = (await client.get("/v1/catalogue/funding-rules/history", headers=desk("NLD"))).json()
    assert [(h["version"], h["valid_from"], h["valid_until"]) for h in history][2:4] == [
        ("2025-12", "2025-12-30", "2025-12-31"),
        ("2026-01", "2026-01-01", "2027-12-31"),
    ]
    assert history[-1]["valid_until"] is None and all(h["change"] for h in history)


async def test_the_demand_sheet_and_the_what_if_preview(demand: Demand) -> None:
    service, client = demand
    await register(client, "NLD", None, yearly_quantities=yearly((2025, 100), (2026, 200)))
    await register(client, "CZE", 50)
    await register(client, "DEU", 70, end_user="ukraine")
    await aggregate_all(service)
    sheet = (await client.get("/v1/demand-sheet/AMMO-155MM", headers=desk("DNK"))).json()
    assert sheet["per_year"] == {"2025": 220, "2026": 200}
    assert sheet["nation_count"] == 3 and sheet["total_quantity"] == 420 and sheet["ukraine_quantity"] == 70
    assert sheet["ukraine_per_year"] == {"2025": 70}  # Germany's need for Ukraine; the rest own forces
    assert len(sheet["open_bundles"]) == 2
    board = {tuple(b["nations"]): b["qualifies_for"] for b in await bundles(client)}
    assert board == {("NLD",): [], ("CZE", "DEU"): ["SAFE"]}  # EDIP needs three states: seen without opening it

    before = len(await outbox_events(service))
    preview = await client.post("/v1/needs/preview", json=need_body("DNK", 30), headers=desk("DNK"))
    assert preview.status_code == 200
    body = preview.json()
    assert body["joins_existing"] and body["would_join"] is None  # DNK is not in it yet: no id
    assert body["nation_count"] == 3 and body["total_quantity"] == 150 and body["kind"] == "joint_order"
    assert {f["instrument"]: f["qualifies"] for f in body["funding"]} == {"SAFE": True, "EDIP": True}
    assert len(await outbox_events(service)) == before
    assert (await client.get("/v1/needs", headers=desk("DNK"))).json()["total"] == 0
    own = (await client.post("/v1/needs/preview", json=need_body("CZE", 30), headers=desk("CZE"))).json()
    assert own["would_join"] is not None
    bad = await client.post("/v1/needs/preview", json=need_body("DNK", 0), headers=desk("DNK"))
    assert bad.status_code == 422


async def test_needs_become_contracted_once_their_bundle_has_a_contract(demand: Demand) -> None:
    service, client = demand
    nld = await register(client, "NLD", 10, item="VSRAT")
    await aggregate_all(service)
    (bundle,) = await bundles(client)
    await client.post(
        f"/v1/bundles/{bundle['id']}/commit", json={"lead": "NSPA"}, headers=await lead(client, bundle["id"])
    )
    event_id = uuid4()
    assert (
        await mark_contracted(service.uow(), event_id=event_id, bundle_id=bundle["id"], contract_id="contract-1") == 1
    )
    assert (
        await mark_contracted(service.uow(), event_id=event_id, bundle_id=bundle["id"], contract_id="contract-1") == 0
    )  # redelivered
    assert (
        await mark_contracted(
            service.uow(), event_id=uuid4(), bundle_id="bundle-of-someone-else", contract_id="contract-2"
        )
        == 0
    )
    need = (await client.get(f"/v1/needs/{nld['id']}", headers=desk("NLD"))).json()
    assert need["status"] == "contracted"
    history = (await client.get(f"/v1/needs/{nld['id']}/history", headers=desk("NLD"))).json()["items"]
    assert history[-1]["change"] == "contracted under contract-1"


async def test_a_harmonised_specification_becomes_the_items_reference_and_needs_bundle_under_it(demand: Demand) -> None:
    service, client = demand
    nor = await register(client, "NOR", specification_ref="SPEC-155MM-NATO-2026")
    other = await register(client, "DNK", specification_ref="SPEC-155MM-DNK")
    await aggregate_all(service)
    deviating, dnk_apart = sorted(await bundles(client), key=lambda b: b["nations"], reverse=True)
    assert deviating["nations"] == ["NOR"] and not deviating["harmonised"]
    event_id = uuid4()
    assert await adopt_harmonised_specification(
        service.uow(), event_id=event_id, item_code="AMMO-155MM", reference="SPEC-155MM-NATO-2026"
    )
    assert not await adopt_harmonised_specification(
        service.uow(), event_id=event_id, item_code="AMMO-155MM", reference="SPEC-155MM-NATO-2026"
    )
    assert not await adopt_harmonised_specification(
        service.uow(), event_id=uuid4(), item_code="PHASER", reference="SPEC-X"
    )
    item = (await client.get("/v1/catalogue/items/AMMO-155MM", headers=desk("NLD"))).json()
    assert item["specification_ref"] == "SPEC-155MM-NATO-2026"
    # Norway stood apart only for its specification, now the reference: placed again, with a
    # reason; Denmark's own specification still differs, its need stays where it was.
    (now_harmonised,) = [b for b in await bundles(client) if b["harmonised"]]
    assert now_harmonised["nations"] == ["NOR"]
    trail = (
        await client.get(f"/v1/bundles/{deviating['id']}/trail", headers=await lead(client, deviating["id"]))
    ).json()["items"]
    assert (
        trail[-1]["kind"] == "left"
        and "SPEC-155MM-NATO-2026 is now the harmonised specification" in trail[-1]["reason"]
    )
    assert (await client.get(f"/v1/needs/{nor['id']}", headers=desk("NOR"))).json()["status"] == "bundled"
    lines = await lines_of(client, dnk_apart["id"], desk("DNK"))
    assert [line["need_id"] for line in lines] == [other["id"]]
    untouched = (
        await client.get(f"/v1/bundles/{dnk_apart['id']}/trail", headers=await lead(client, dnk_apart["id"]))
    ).json()["items"]
    assert "left" not in [t["kind"] for t in untouched]
    need = await register(client, "NLD")
    assert need["specification_ref"] == "SPEC-155MM-NATO-2026"
    await aggregate_all(service)
    harmonised = [b for b in await bundles(client) if b["harmonised"]]
    assert [b["nations"] for b in harmonised] == [["NLD", "NOR"]]


async def test_a_redelivered_need_event_changes_nothing(demand: Demand) -> None:
    service, client = demand
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


async def test_only_a_coordinator_commits_and_only_once(demand: Demand) -> None:
    service, client = demand
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

    orders = [e for e in await outbox_events(service) if e["event_type"] == "demand.joint_order.committed"]
    assert len(orders) == 1
    assert orders[0]["payload"]["lead"] == "NSPA"
    assert {(x["nation"], x["quantity"]) for x in orders[0]["payload"]["lines"]} == {("NLD", 5), ("NOR", 8)}
