"""The money side of bundling, through the API on both databases: CV90 vehicles for
Ukraine bought through a Swedish fund the Netherlands and Denmark pay into, and 155 mm
ammunition bought through Czechia with financial support pledged by eighteen nations,
the Netherlands' 250 M EUR among them. Amounts add up to the cent; a contributor sees its
own pledge and the totals, the lead every pledge; bad money is refused with the reason."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import uuid4

import httpx
import pytest

from bundling_shared.clock import FixedClock
from demand.service_layer.contracted import signed_with_supplier
from tests.demand.helpers import ADMIN, aggregate_all, coordinator_of, lead, outbox_events
from tests.demand.integration.test_bundles_api import Demand, bundles, register
from tests.support.api import desk

# Eighteen European nations pledging to the 155 mm batch bought through Czechia.
SUPPORTERS = ["NLD", "DEU", "DNK", "SWE", "FIN", "NOR", "BEL", "EST", "LVA", "LTU", "POL", "PRT", "ESP",
              "FRA", "ITA", "AUT", "IRL", "LUX"]  # fmt: skip


async def pledge(client: httpx.AsyncClient, nation: str, amount: str, **to: Any) -> dict[str, Any]:
    body = {"nation": nation, "amount": {"amount": amount, "currency": "EUR"}, **to}
    response = await client.post("/v1/pledges", json=body, headers=desk(nation))
    assert response.status_code == 201, response.text
    made: dict[str, Any] = response.json()
    return made


async def act(client: httpx.AsyncClient, path: str, headers: dict[str, str], body: Any = None) -> dict[str, Any]:
    response = await client.post(path, json=body if body is not None else {}, headers=headers)
    assert response.is_success, response.text
    answer: dict[str, Any] = response.json()
    return answer


async def test_cv90_through_a_swedish_fund_for_ukraine(demand: Demand) -> None:
    service, client = demand
    sweden = coordinator_of("SWE")
    fund = await act(
        client,
        "/v1/funds",
        sweden,
        {
            "lead": "SWE",
            "purpose": "CV90 infantry fighting vehicles for Ukraine",
            "item_codes": ["CV90"],
            "beneficiary": "UKR",
        },
    )
    fid = fund["id"]
    assert (fund["status"], fund["lead"], fund["beneficiary"], fund["balance_eur"]) == ("open", "SWE", "UKR", "0.00")
    nld = await pledge(client, "NLD", "400000000.00", fund_id=fid, beneficiary="UKR")
    dnk = await pledge(client, "DNK", "123456789.01", fund_id=fid, beneficiary="UKR")
    assert (nld["status"], nld["for_own_forces"], nld["amount"]["amount"]) == ("pledged", False, "400000000.00")

    # Confirmed by each contributor, recorded paid by the fund's lead: neither in the other's place.
    assert (await client.post(f"/v1/pledges/{nld['id']}/paid", json={}, headers=desk("NLD"))).status_code == 403
    assert (await client.post(f"/v1/pledges/{nld['id']}/confirm", json={}, headers=desk("DNK"))).status_code == 404
    assert (await client.post(f"/v1/pledges/{nld['id']}/confirm", json={}, headers=sweden)).status_code == 403
    for made in (nld, dnk):
        await act(client, f"/v1/pledges/{made['id']}/confirm", desk(made["nation"]))
        await act(client, f"/v1/pledges/{made['id']}/paid", sweden)
    refused = await client.post(f"/v1/pledges/{nld['id']}/withdraw", json={"reason": "late"}, headers=desk("NLD"))
    assert refused.status_code == 409 and "paid" in refused.text  # paid money is not taken back

    # Sweden buys the vehicles: its own joint order, paid from the fund as far as it holds.
    await register(client, "SWE", 40, item="CV90", end_user="ukraine", budget_ceiling={"amount": "600000000.00"})
    await aggregate_all(service)
    (order,) = [b for b in await bundles(client) if b["item_code"] == "CV90"]
    await act(client, f"/v1/bundles/{order['id']}/commit", sweden, {})
    (committed,) = await outbox_events(service, "demand.joint_order.committed")
    assert [(x["nation"], x["quantity"], x["ukraine_quantity"]) for x in committed["payload"]["lines"]] == [
        ("SWE", 40, 40)
    ]  # for Ukraine, into the contract
    too_much = await client.post(
        f"/v1/funds/{fid}/purchases",
        json={"bundle_id": order["id"], "amount": {"amount": "523456789.02"}},
        headers=sweden,
    )
    assert too_much.status_code == 409 and "holds 523456789.01 EUR" in too_much.text
    bought = await client.post(
        f"/v1/funds/{fid}/purchases",
        json={"bundle_id": order["id"], "amount": {"amount": "500000000.00"}, "note": "first 40 vehicles"},
        headers=sweden,
    )
    assert bought.status_code == 201, bought.text
    led = bought.json()
    assert (led["money"]["paid_eur"], led["spent_eur"], led["balance_eur"]) == (
        "523456789.01",
        "500000000.00",
        "23456789.01",
    )
    assert [p["bundle_id"] for p in led["purchases"]] == [order["id"]]
    assert sorted(p["nation"] for p in led["pledges"]) == ["DNK", "NLD"]  # its lead sees every pledge

    as_nld = (await client.get(f"/v1/funds/{fid}", headers=desk("NLD"))).json()
    assert [p["nation"] for p in as_nld["pledges"]] == ["NLD"]  # its own pledge, and the totals
    assert as_nld["contributors"] == ["DNK", "NLD"] and as_nld["money"]["paid_eur"] == "523456789.01"
    assert "123456789.01" not in json_of(as_nld)  # not Denmark's amount
    outsider = (await client.get(f"/v1/funds/{fid}", headers=desk("POL"))).json()
    assert outsider["pledges"] == [] and outsider["balance_eur"] == "23456789.01"

    closed = await act(client, f"/v1/funds/{fid}/close", sweden, {"reason": "all vehicles ordered"})
    assert closed["status"] == "closed"
    late = await client.post(
        "/v1/pledges", json={"nation": "FIN", "amount": {"amount": "1.00"}, "fund_id": fid}, headers=desk("FIN")
    )
    assert late.status_code == 409 and "closed" in late.text
    kinds = [
        e["event_type"]
        for e in await outbox_events(service)
        if e["event_type"].startswith(("demand.pledge", "demand.fund"))
    ]
    assert kinds == ["demand.fund.opened", "demand.pledge.made", "demand.pledge.made"] + [
        "demand.pledge.confirmed", "demand.pledge.paid"] * 2 + ["demand.fund.closed"]  # fmt: skip


def json_of(body: Any) -> str:
    return json.dumps(body)


async def test_155mm_through_czechia_with_eighteen_nations_pledging(demand: Demand) -> None:
    service, client = demand
    await register(client, "CZE", 180_000, budget_ceiling={"amount": "900000000.00"})
    await aggregate_all(service)
    (batch,) = await bundles(client)
    bid = batch["id"]
    amounts = {nation: ("250000000.00" if nation == "NLD" else f"{1_000_000 + i}.{i:02d}")
               for i, nation in enumerate(SUPPORTERS)}  # fmt: skip
    made = {nation: await pledge(client, nation, amount, bundle_id=bid, beneficiary="UKR")
            for nation, amount in amounts.items()}  # fmt: skip
    for nation in SUPPORTERS[:10]:
        await act(client, f"/v1/pledges/{made[nation]['id']}/confirm", desk(nation))
    await act(client, f"/v1/pledges/{made['LUX']['id']}/withdraw", desk("LUX"), {"reason": "budget moved"})

    standing = sum(Decimal(a) for n, a in amounts.items() if n != "LUX")
    confirmed = sum(Decimal(amounts[n]) for n in SUPPORTERS[:10])
    czechia = coordinator_of("CZE")
    money = (await client.get(f"/v1/bundles/{bid}", headers=czechia)).json()["money"]
    assert Decimal(money["pledged_eur"]) == standing and Decimal(money["confirmed_eur"]) == confirmed
    assert money["contributor_count"] == 17 and money["paid_eur"] == "0.00"
    assert Decimal(money["value_eur"]) == Decimal("900000000.00")
    assert Decimal(money["gap_eur"]) == Decimal("900000000.00") - confirmed

    as_buyer = (await client.get(f"/v1/bundles/{bid}", headers=desk("CZE"))).json()["money"]
    assert (as_buyer["value_eur"], as_buyer["gap_eur"]) == (None, None)  # the budget is its coordinators'
    nld = (await client.get(f"/v1/pledges/{made['NLD']['id']}", headers=desk("NLD"))).json()
    assert nld["amount"]["amount"] == "250000000.00" and nld["beneficiary"] == "UKR"
    assert Decimal(nld["recipient_money"]["pledged_eur"]) == standing  # the totals, though it buys nothing
    assert (await client.get(f"/v1/pledges/{made['NLD']['id']}", headers=desk("DEU"))).status_code == 404
    assert (await client.get(f"/v1/bundles/{bid}", headers=desk("NLD"))).status_code == 404  # buys nothing in it

    mine = (await client.get("/v1/pledges", headers=desk("DEU"))).json()
    assert [p["nation"] for p in mine["items"]] == ["DEU"] and mine["total"] == 1
    led = (await client.get("/v1/pledges", params={"bundle_id": bid, "limit": 100}, headers=czechia)).json()
    assert led["total"] == 18
    withdrawn = (await client.get("/v1/pledges", params={"status": "withdrawn"}, headers=czechia)).json()
    assert [p["nation"] for p in withdrawn["items"]] == ["LUX"] and withdrawn["items"][0]["status_reason"]
    assert (await client.get("/v1/pledges", headers=coordinator_of("EDA"))).json()["total"] == 0
    everything = (await client.get("/v1/pledges", params={"limit": 100}, headers=ADMIN)).json()
    assert everything["total"] == 18

    await act(client, f"/v1/bundles/{bid}/commit", czechia, {})
    (order,) = await outbox_events(service, "demand.joint_order.committed")
    assert order["payload"]["funded_by"] == sorted(SUPPORTERS[:10])  # who pays: confirmed pledges, no amounts
    assert "250000000" not in json_of(order)


@pytest.mark.parametrize(
    ("amount", "field"),
    [
        ({"amount": "-5.00"}, "amount"),
        ({"amount": "0.00"}, "amount"),
        ({"amount": "10.001"}, "amount"),
        ({"amount": "10.00", "currency": "USD"}, "currency"),
        ({"amount": "1" * 20}, "amount"),
        ({"amount": 12.345}, "amount"),
    ],
)
async def test_bad_money_is_refused_with_the_reason(demand: Demand, amount: dict[str, Any], field: str) -> None:
    service, client = demand
    await register(client, "CZE", 10)
    await aggregate_all(service)
    (batch,) = await bundles(client)
    refused = await client.post(
        "/v1/pledges", json={"nation": "NLD", "amount": amount, "bundle_id": batch["id"]}, headers=desk("NLD")
    )
    assert refused.status_code == 422 and field in refused.text, refused.text
    assert (await client.get("/v1/pledges", headers=ADMIN)).json()["total"] == 0


async def test_a_pledge_goes_to_one_known_recipient_for_its_own_nation(demand: Demand) -> None:
    _, client = demand
    body = {"nation": "NLD", "amount": {"amount": "10.00"}}
    wrong = [
        ({}, "one bundle or one fund"),
        ({"bundle_id": "bundle-x", "fund_id": "fund-x"}, "one bundle"),
        ({"bundle_id": "bundle-x"}, "no bundle bundle-x"),
        ({"fund_id": "fund-x"}, "no fund fund-x"),
    ]
    for to, why in wrong:
        refused = await client.post("/v1/pledges", json={**body, **to}, headers=desk("NLD"))
        assert refused.status_code == 422 and why in refused.text, refused.text
    other = await client.post("/v1/pledges", json={**body, "fund_id": "fund-x"}, headers=desk("DEU"))
    assert other.status_code == 422 and "pledges for its own nation only" in other.text
    agency = await client.post(
        "/v1/funds",
        json={"lead": "SWE", "purpose": "p", "item_codes": ["CV90"], "beneficiary": "UKR"},
        headers=coordinator_of("NSPA"),
    )
    assert agency.status_code == 422 and "opens funds NSPA leads" in agency.text
    assert (
        await client.post(
            "/v1/funds",
            json={"lead": "SWE", "purpose": "p", "item_codes": ["NOPE-1"], "beneficiary": "UKR"},
            headers=coordinator_of("SWE"),
        )
    ).status_code == 422


async def test_a_bundle_is_valued_at_its_estimated_then_its_awarded_unit_price(
    demand: Demand, clock: FixedClock
) -> None:
    service, client = demand
    clock.at = datetime(2025, 12, 31, 10, 0, tzinfo=UTC)  # EDIRPA's last day: a grant with an amount
    for nation in ("NLD", "DEU", "CZE"):
        await register(client, nation, 100)
    await aggregate_all(service)
    (listed,) = await bundles(client)
    bid, its_lead = listed["id"], await lead(client, listed["id"])
    assert listed["value_basis"] == "budget ceilings"

    estimated = await act(client, f"/v1/bundles/{bid}/unit-price", its_lead, {"unit_price": {"amount": "3500.00"}})
    assert (estimated["unit_price_eur"], estimated["value_basis"], estimated["total_value_eur"]) == (
        "3500.00",
        "estimated unit price",
        "1050000.00",
    )
    edirpa = {f["instrument"]: f for f in estimated["funding"]}["EDIRPA"]
    assert (
        edirpa["max_contribution_eur"] == "157500.00"
        and edirpa["calculation"] == "15 % x 1,050,000.00 EUR = 157,500.00 EUR"
    )
    as_nld = (await client.get(f"/v1/bundles/{bid}", headers=desk("NLD"))).json()
    nld_edirpa = {f["instrument"]: f for f in as_nld["funding"]}["EDIRPA"]
    assert (
        as_nld["total_value_eur"] is None and nld_edirpa["max_contribution_eur"] is None
    )  # partners' values stay theirs
    assert nld_edirpa["nation_contributions"] == [
        {"nation": "NLD", "value_eur": "350000.00", "max_contribution_eur": "52500.00"}
    ]

    await act(client, f"/v1/bundles/{bid}/commit", its_lead, {})
    clock.at = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # signed after EDIRPA ended: kept under its commit day
    assert await signed_with_supplier(
        service.uow(),
        event_id=uuid4(),
        bundle_id=bid,
        organisation="BIGCO",
        sme=False,
        unit_price_eur=Decimal("3000.00"),
    )
    signed = (await client.get(f"/v1/bundles/{bid}", headers=ADMIN)).json()
    kept = {f["instrument"]: f for f in signed["funding"]}["EDIRPA"]
    assert (signed["value_basis"], signed["total_value_eur"], kept["max_contribution_eur"]) == (
        "awarded unit price",
        "900000.00",
        "135000.00",
    )
    again = await client.post(f"/v1/bundles/{bid}/unit-price", json={"unit_price": {"amount": "1.00"}}, headers=ADMIN)
    assert again.status_code == 409 and "awarded unit price" in again.text
    trail = (await client.get(f"/v1/bundles/{bid}/trail", headers=ADMIN)).json()["items"]
    kinds = [t["kind"] for t in trail]
    assert "unit_price_estimated" in kinds and "unit_price_awarded" in kinds


@pytest.mark.parametrize(
    ("price", "field"),
    [
        ({"amount": "-5.00"}, "unit_price.amount"),
        ({"amount": "0.00"}, "unit_price.amount"),
        ({"amount": "10.001"}, "unit_price.amount"),
        ({"amount": "10.00", "currency": "USD"}, "unit_price.currency"),
        ({"amount": "1" * 20}, "unit_price.amount"),
        ({"amount": "10000000000.01"}, "unit_price.amount"),
    ],
)
async def test_a_bad_unit_price_is_refused_with_the_reason(demand: Demand, price: dict[str, Any], field: str) -> None:
    service, client = demand
    await register(client, "CZE", 10)
    await aggregate_all(service)
    (listed,) = await bundles(client)
    refused = await client.post(
        f"/v1/bundles/{listed['id']}/unit-price", json={"unit_price": price}, headers=await lead(client, listed["id"])
    )
    assert refused.status_code == 422 and field in refused.text, refused.text
    assert (await client.get(f"/v1/bundles/{listed['id']}", headers=ADMIN)).json()["unit_price_eur"] is None


async def test_the_patriot_joint_order_with_its_co_funding_in_euros(demand: Demand, clock: FixedClock) -> None:
    service, client = demand
    clock.at = datetime(2025, 12, 30, 10, 0, tzinfo=UTC)  # EDIRPA, SAFE and EDIP all in force
    missiles = {"NLD": 300, "DEU": 400, "ESP": 200, "ROU": 100}
    for nation, quantity in missiles.items():
        await register(client, nation, quantity, item_code="PATRIOT-PAC2")
    await aggregate_all(service)
    (listed,) = await bundles(client, item_code="PATRIOT-PAC2")
    bid, its_lead = listed["id"], await lead(client, listed["id"])
    estimated = await act(client, f"/v1/bundles/{bid}/unit-price", its_lead, {"unit_price": {"amount": "5600000.00"}})
    assert (estimated["total_quantity"], estimated["total_value_eur"]) == (1000, "5600000000.00")
    funding = {f["instrument"]: f for f in estimated["funding"]}
    assert funding["EDIRPA"]["max_contribution_eur"] == "300000000.00" and "capped" in funding["EDIRPA"]["calculation"]
    parts = {p["nation"]: p["max_contribution_eur"] for p in funding["EDIRPA"]["nation_contributions"]}
    assert parts == {"DEU": "120000000.00", "ESP": "60000000.00", "NLD": "90000000.00", "ROU": "30000000.00"}
    assert funding["SAFE"]["support"] == "loan" and funding["SAFE"]["max_contribution_eur"] is None
    assert funding["EDIP"]["qualifies"] and funding["EDIP"]["max_contribution_eur"] == "840000000.00"
    assert funding["EDIP"]["calculation"] == "15 % x 5,600,000,000.00 EUR = 840,000,000.00 EUR"
    assert "25 % under conditions" in funding["EDIP"]["reason"]

    deadline = {"deadline": "2026-01-15", "minimum_nations": 4}
    await act(client, f"/v1/bundles/{bid}/open", its_lead, deadline)
    for nation in missiles:
        await act(
            client,
            f"/v1/bundles/{bid}/participation",
            desk(nation),
            {"decision": "confirm", "funding_instrument": "EDIRPA"},
        )
    committed = await act(client, f"/v1/bundles/{bid}/commit", its_lead, {})
    clock.at = datetime(2026, 2, 1, 9, 0, tzinfo=UTC)
    kept = (await client.get(f"/v1/bundles/{bid}", headers=desk("ROU"))).json()
    rou = {f["instrument"]: f for f in kept["funding"]}["EDIRPA"]
    assert committed["status"] == "committed" and rou["qualifies"] and rou["assessed_on"] == "2025-12-30"
    assert rou["nation_contributions"] == [
        {"nation": "ROU", "value_eur": "560000000.00", "max_contribution_eur": "30000000.00"}
    ]


async def test_a_pledge_sent_again_with_its_idempotency_key_is_made_once(demand: Demand) -> None:
    service, client = demand
    await register(client, "CZE", 10)
    await aggregate_all(service)
    (batch,) = await bundles(client)
    body = {"nation": "NLD", "amount": {"amount": "250000000.00"}, "bundle_id": batch["id"], "beneficiary": "UKR"}
    keyed = desk("NLD") | {"idempotency-key": "nld-pledge-0001"}
    first = await client.post("/v1/pledges", json=body, headers=keyed)
    again = await client.post("/v1/pledges", json=body, headers=keyed)
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    other = await client.post("/v1/pledges", json=body | {"amount": {"amount": "1.00"}}, headers=keyed)
    assert other.status_code == 422 and "different request" in other.text
    # The same key on a need is another request's key: needs and pledges keep theirs apart.
    need = {"nation": "NLD", "item_code": "VSRAT", "quantity": 5,
            "delivery_window": {"start": "2026-01-01", "end": "2027-12-31"}}  # fmt: skip
    assert (await client.post("/v1/needs", json=need, headers=keyed)).status_code == 201
    listed = (await client.get("/v1/pledges", headers=ADMIN)).json()
    assert listed["total"] == 1 and listed["items"][0]["id"] == first.json()["id"]
    assert len(await outbox_events(service, "demand.pledge.made")) == 1


async def test_a_page_of_funds_shows_each_funds_own_totals(demand: Demand) -> None:
    _, client = demand
    opened = []
    for lead_nation, item in (("SWE", "CV90"), ("DEU", "PATRIOT-PAC2"), ("CZE", "AMMO-155MM")):
        body = {"lead": lead_nation, "purpose": f"{item} for Ukraine", "item_codes": [item], "beneficiary": "UKR"}
        opened.append(await act(client, "/v1/funds", coordinator_of(lead_nation), body))
    await pledge(client, "NLD", "400000000.00", fund_id=opened[0]["id"], beneficiary="UKR")
    await pledge(client, "DNK", "150000000.01", fund_id=opened[0]["id"], beneficiary="UKR")
    await pledge(client, "NLD", "0.99", fund_id=opened[1]["id"], beneficiary="UKR")
    listed = {f["id"]: f["money"] for f in (await client.get("/v1/funds", headers=desk("FIN"))).json()["items"]}
    assert [listed[f["id"]]["pledged_eur"] for f in opened] == ["550000000.01", "0.99", "0.00"]
    assert [listed[f["id"]]["contributor_count"] for f in opened] == [2, 1, 0]


async def test_of_a_funds_lead_its_coordinators_see_every_pledge_its_desk_its_own(demand: Demand) -> None:
    _, client = demand
    body = {"lead": "SWE", "purpose": "CV90 for Ukraine", "item_codes": ["CV90"], "beneficiary": "UKR"}
    fund = await act(client, "/v1/funds", coordinator_of("SWE"), body)
    await pledge(client, "NLD", "400000000.00", fund_id=fund["id"], beneficiary="UKR")
    await pledge(client, "SWE", "10.00", fund_id=fund["id"], beneficiary="UKR")
    url = f"/v1/funds/{fund['id']}"
    by_coordinator = (await client.get(url, headers=coordinator_of("SWE"))).json()
    by_desk = (await client.get(url, headers=desk("SWE"))).json()
    assert sorted(p["nation"] for p in by_coordinator["pledges"]) == ["NLD", "SWE"]
    assert [p["nation"] for p in by_desk["pledges"]] == ["SWE"]
    assert by_desk["money"]["pledged_eur"] == by_coordinator["money"]["pledged_eur"] == "400000010.00"


async def test_who_paid_into_a_fund_that_paid_toward_an_order_pays_toward_it(demand: Demand) -> None:
    service, client = demand
    sweden = coordinator_of("SWE")
    body = {"lead": "SWE", "purpose": "CV90 for Ukraine", "item_codes": ["CV90"], "beneficiary": "UKR"}
    fund = await act(client, "/v1/funds", sweden, body)
    for nation, amount in (("NLD", "400000000.00"), ("DNK", "100000000.00"), ("FIN", "5.00")):
        made = await pledge(client, nation, amount, fund_id=fund["id"], beneficiary="UKR")
        if nation != "FIN":  # Finland's pledge is never confirmed: it pays nothing yet
            await act(client, f"/v1/pledges/{made['id']}/confirm", desk(nation))
            await act(client, f"/v1/pledges/{made['id']}/paid", sweden)
    await register(client, "SWE", 40, item="CV90", end_user="ukraine")
    await aggregate_all(service)
    (order,) = [b for b in await bundles(client) if b["item_code"] == "CV90"]
    purchase = {"bundle_id": order["id"], "amount": {"amount": "450000000.00"}}
    await act(client, f"/v1/funds/{fund['id']}/purchases", sweden, purchase)
    await act(client, f"/v1/bundles/{order['id']}/commit", sweden, {})
    (committed,) = await outbox_events(service, "demand.joint_order.committed")
    assert committed["payload"]["funded_by"] == ["DNK", "NLD"]
    assert "400000000" not in json_of(committed)
