"""The real cases played through the HTTP APIs and the events on the real broker, with
the three services running as separate processes:

- VSRAT: 13 allies' needs end in one joint order run by NSPA;
- 155 mm: needs of 18 nations, Czechia as lead nation;
- Patriot: the Netherlands, Germany, Spain and Romania toward 1,000 missiles;
- CV90: Sweden as lead nation for Denmark and the Netherlands (vehicles for Ukraine);
- Multi Mission Radar: a Dutch framework contract Norway, Denmark and Lithuania accede to.
"""

from __future__ import annotations

import asyncio
import json
import time
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer

from tests.demand.helpers import ADMIN, coordinator_of
from tests.e2e.conftest import Platform
from tests.e2e.test_walking_skeleton import WINDOW, contracted, eventually
from tests.support.api import coordinator, desk, industry
from tests.support.today import TODAY

pytestmark = pytest.mark.e2e

ENVELOPES = {"EDIRPA": Decimal("300000000.00"), "EDIP": Decimal("1200000000.00")}
DEADLINE = (TODAY + timedelta(days=30)).isoformat()
NEXT = TODAY.year + 1


def register(platform: Platform, nation: str, item: str, quantity: int | None = None, **extra: Any) -> str:
    body = {
        "nation": nation,
        "item_code": item,
        "delivery_window": WINDOW,
        **({"quantity": quantity} if quantity is not None else {}),
        **extra,
    }
    response = httpx.post(f"{platform.demand.url}/v1/needs", json=body, headers=desk(nation))
    assert response.status_code == 201, response.text
    need_id: str = response.json()["id"]
    return need_id


def one_bundle(platform: Platform, item: str, nations: set[str]) -> dict[str, Any]:
    def probe() -> dict[str, Any] | None:
        response = httpx.get(f"{platform.demand.url}/v1/bundles", params={"item_code": item}, headers=ADMIN)
        items = response.json()["items"]
        if len(items) == 1 and set(items[0]["nations"]) == nations:
            found: dict[str, Any] = items[0]
            return found
        return None

    return eventually(probe, 60, f"one {item} bundle for {sorted(nations)}")


def act(platform: Platform, path: str, body: dict[str, Any], headers: dict[str, str], status: int = 200) -> Any:
    response = httpx.post(f"{platform.demand.url}{path}", json=body, headers=headers)
    assert response.status_code == status, response.text
    return response.json()


def bundle_events(
    platform: Platform, bundle_id: str, wanted: dict[str, int], timeout: float = 30
) -> list[dict[str, Any]]:
    """The events on the bundles topic for one bundle, read back from the broker until
    `wanted` (event type -> least count) is seen."""
    prefix = platform.demand.env["KAFKA_TOPIC_PREFIX"]

    async def read() -> list[dict[str, Any]]:
        consumer = AIOKafkaConsumer(
            prefix + "demand.bundles",
            bootstrap_servers=platform.demand.env["KAFKA_BOOTSTRAP_SERVERS"],
            auto_offset_reset="earliest",
            enable_auto_commit=False,
            group_id=None,
        )
        await consumer.start()
        seen: list[dict[str, Any]] = []
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                batches = await consumer.getmany(timeout_ms=500)
                for records in batches.values():
                    for record in records:
                        if record.key == bundle_id.encode():
                            seen.append(json.loads(record.value))
                counts = {t: sum(1 for e in seen if e["event_type"] == t) for t in wanted}
                if all(counts[t] >= n for t, n in wanted.items()):
                    return seen
            raise AssertionError(
                f"timed out waiting for {wanted} of {bundle_id}; saw {[e['event_type'] for e in seen]}"
            )
        finally:
            await consumer.stop()

    return asyncio.run(read())


VSRAT_ALLIES = ["NLD", "BEL", "NOR", "EST", "LVA", "LTU", "DEU", "DNK", "POL", "CZE", "ESP", "PRT", "CAN"]
AMMO_NATIONS = ["CZE", "NLD", "DEU", "DNK", "SWE", "NOR", "FIN", "BEL", "LUX", "PRT", "LTU", "LVA", "EST", "POL",
                "CAN", "ISL", "GBR", "FRA"]  # fmt: skip


def test_joint_orders_vsrat_through_nspa_155mm_through_czechia_and_patriot_toward_1000(platform: Platform) -> None:
    # VSRAT: 13 allies, one joint order through NSPA.
    for i, nation in enumerate(VSRAT_ALLIES):
        register(platform, nation, "VSRAT", 100 + 10 * i)
    # 155 mm: 18 nations, some buying for Ukraine and funding it through their budgets.
    for i, nation in enumerate(AMMO_NATIONS):
        register(
            platform,
            nation,
            "AMMO-155MM",
            5_000 + 1_000 * i,
            end_user="ukraine" if i % 2 else "own_forces",
            budget_ceiling={"amount": 250_000_000 if nation == "NLD" else 20_000_000 + i, "currency": "EUR"},
        )
    # Patriot: a German line needs 1,000 missiles to start; four nations toward one order.
    line = declared_patriot_line(platform)
    patriot = {"DEU": 400, "NLD": 250, "ESP": 150, "ROU": 200}
    for nation, quantity in patriot.items():
        register(platform, nation, "PATRIOT-PAC2", quantity)

    vsrat = one_bundle(platform, "VSRAT", set(VSRAT_ALLIES))
    # The allies hand the order to NSPA: a nation in the bundle nominates it while none is nominated.
    act(platform, f"/v1/bundles/{vsrat['id']}/lead", {"lead": "NSPA"}, coordinator_of("NLD"))
    act(platform, f"/v1/bundles/{vsrat['id']}/commit", {}, coordinator("NSPA"))

    ammo = one_bundle(platform, "AMMO-155MM", set(AMMO_NATIONS))
    assessed = httpx.get(f"{platform.demand.url}/v1/bundles/{ammo['id']}", headers=ADMIN).json()["funding"]
    funding = {f["instrument"]: f for f in assessed}
    in_force = httpx.get(f"{platform.demand.url}/v1/catalogue/funding-rules", headers=ADMIN).json()
    assert set(funding) == {r["instrument"] for r in in_force["rules"]}  # the rules of the day it runs
    assert {f["rules_version"] for f in assessed} == {in_force["version"]}
    assert funding["SAFE"]["qualifies"] and funding["SAFE"]["support"] == "loan"  # SAFE has no end date
    assert ammo["nation_count"] == 18
    act(platform, f"/v1/bundles/{ammo['id']}/lead", {"lead": "CZE"}, coordinator_of("CZE"))  # a nation in it
    act(platform, f"/v1/bundles/{ammo['id']}/commit", {}, coordinator("CZE"))

    missiles = one_bundle(platform, "PATRIOT-PAC2", set(patriot))
    assert missiles["total_quantity"] == 1_000
    # Demand unlocks capacity: the line the contracts service told of reached its minimum.
    sheet_url = f"{platform.demand.url}/v1/demand-sheet/PATRIOT-PAC2"

    def unlocked() -> dict[str, Any] | None:
        lines = httpx.get(sheet_url, headers=desk("ROU")).json()["capacity"]["lines"]
        return next((x for x in lines if x["line_id"] == line["id"] and x["unlocked_at"]), None)

    told = eventually(unlocked, 30, "the Patriot line unlocked by the four nations' demand")
    assert told["unlocked_by_demand"] >= 1_000
    # The line's inputs came with their supply risk: both are high, and the sheet says so.
    assert httpx.get(sheet_url, headers=desk("ROU")).json()["supply_risks"] == [
        {"material": "cryostat", "risk": "high", "through": ["MBDA-DE"]},
        {"material": "rocket propellant", "risk": "high", "through": ["MBDA-DE"]},
    ]
    largest = coordinator_of("DEU")  # leads while none is nominated
    # Co-funding in euros: the lead estimates a missile's price; the value, and every grant
    # in force the day the test runs, follow from it to the cent.
    priced = act(
        platform, f"/v1/bundles/{missiles['id']}/unit-price", {"unit_price": {"amount": "5600000.00"}}, largest
    )
    assert (priced["value_basis"], priced["total_value_eur"]) == ("estimated unit price", "5600000000.00")
    for grant in (f for f in priced["funding"] if f["qualifies"] and f["co_funding_rate"] is not None):
        envelope = ENVELOPES[grant["instrument"]]  # no grant exceeds its instrument's whole budget
        expected = min(Decimal(str(grant["co_funding_rate"])) * Decimal("5600000000.00"), envelope)
        assert Decimal(grant["max_contribution_eur"]) == expected, grant
        parts = [Decimal(p["max_contribution_eur"]) for p in grant["nation_contributions"]]
        assert len(parts) == 4 and sum(parts) <= expected
    act(platform, f"/v1/bundles/{missiles['id']}/open", {"deadline": DEADLINE, "minimum_nations": 4}, largest)
    for nation in patriot:
        act(platform, f"/v1/bundles/{missiles['id']}/participation", {"decision": "confirm"}, desk(nation))
    act(platform, f"/v1/bundles/{missiles['id']}/commit", {}, largest)

    vsrat_contract = contracted(platform, vsrat["id"])
    assert vsrat_contract["contracting_authority"] == "NSPA"
    assert {x["nation"] for x in vsrat_contract["lines"]} == set(VSRAT_ALLIES)
    ammo_contract = contracted(platform, ammo["id"], "CZE")
    assert ammo_contract["contracting_authority"] == "CZE" and len(ammo_contract["lines"]) == 18
    patriot_contract = contracted(platform, missiles["id"], "DEU")
    assert patriot_contract["total_quantity"] == 1_000
    assert {(x["nation"], x["quantity"]) for x in patriot_contract["lines"]} == set(patriot.items())
    assert patriot_contract["contracting_authority"] == "DEU"  # largest share, none nominated

    # On the broker: the Patriot bundle was announced without per-nation detail, and the
    # burst of 13 VSRAT needs was published as fewer updates than needs (debounced).
    (opened,) = [e for e in bundle_events(platform, missiles["id"], {"demand.bundle.opened": 1})
                 if e["event_type"] == "demand.bundle.opened"]  # fmt: skip
    assert opened["payload"]["nation_count"] == 4 and opened["payload"]["total_quantity"] == 1_000
    # The nations asked to confirm are named in `nations` alone (notifications tells their
    # desks, and names none to industry); nothing else in it is per nation.
    rest = {k: v for k, v in opened["payload"].items() if k != "nations"}
    assert sorted(opened["payload"]["nations"]) == sorted(patriot)
    assert not any(n in json.dumps(rest) for n in ("NLD", "ESP", "ROU"))
    updates = [
        e for e in bundle_events(platform, vsrat["id"], {"demand.bundle.updated": 1, "demand.joint_order.committed": 1})
        if e["event_type"] == "demand.bundle.updated"
    ]  # fmt: skip
    assert 1 <= len(updates) < len(VSRAT_ALLIES)


def test_cv90_with_sweden_as_lead_and_late_accession_to_the_radar_framework(platform: Platform) -> None:
    # CV90: Sweden buys vehicles for Ukraine, paid from a Swedish fund Denmark and the
    # Netherlands pay into; they receive no vehicle themselves.
    sweden = coordinator_of("SWE")
    fund = act(platform, "/v1/funds", {"lead": "SWE", "purpose": "CV90 for Ukraine", "item_codes": ["CV90"],
                                       "beneficiary": "UKR"}, sweden, 201)  # fmt: skip
    for nation, amount in (("NLD", "400000000.00"), ("DNK", "100000000.00")):
        body = {"nation": nation, "amount": {"amount": amount}, "fund_id": fund["id"], "beneficiary": "UKR"}
        pledge = act(platform, "/v1/pledges", body, desk(nation), 201)
        act(platform, f"/v1/pledges/{pledge['id']}/confirm", {}, desk(nation))
        act(platform, f"/v1/pledges/{pledge['id']}/paid", {}, sweden)
    swe_need = register(platform, "SWE", "CV90", 50, end_user="ukraine", budget_ceiling={"amount": "450000000.00"})
    cv90 = one_bundle(platform, "CV90", {"SWE"})
    bought = act(platform, f"/v1/funds/{fund['id']}/purchases",
                 {"bundle_id": cv90["id"], "amount": {"amount": "450000000.00"}}, sweden, 201)  # fmt: skip
    assert (bought["money"]["paid_eur"], bought["balance_eur"]) == ("500000000.00", "50000000.00")
    act(platform, f"/v1/bundles/{cv90['id']}/commit", {}, sweden)
    cv90_contract = contracted(platform, cv90["id"], "SWE")
    assert cv90_contract["contracting_authority"] == "SWE"
    assert [(x["nation"], x["quantity"], x["ukraine_quantity"]) for x in cv90_contract["lines"]] == [("SWE", 50, 50)]
    due = (TODAY + timedelta(days=120)).isoformat()
    lots = httpx.post(f"{platform.contracts.url}/v1/contracts/{cv90_contract['id']}/lots",
                      json={"lots": [{"nation": "UKR", "quantity": 50, "due_date": due}]}, headers=sweden)  # fmt: skip
    assert lots.status_code == 201, lots.text
    assert [(x["nation"], x["deliver_to"]) for x in lots.json()] == [("SWE", "UKR")]
    eventually(
        lambda: (
            httpx.get(f"{platform.demand.url}/v1/needs/{swe_need}", headers=desk("SWE")).json()["status"]
            == "contracted"
        ),
        30,
        "the Swedish CV90 need to become contracted",
    )

    # Multi Mission Radar: a multi-year Dutch need becomes a framework contract...
    register(
        platform,
        "NLD",
        "MMR",
        yearly_quantities=[{"year": NEXT + i, "quantity": 3} for i in range(3)],
        budget_ceiling={"amount": 600_000_000},
    )
    radar = one_bundle(platform, "MMR", {"NLD"})
    assert radar["kind"] == "framework_contract"
    act(platform, f"/v1/bundles/{radar['id']}/commit", {"lead": "NLD"}, coordinator("NLD"))
    # ...that Norway, Denmark and Lithuania find on the demand sheet and accede to later.
    sheet = httpx.get(f"{platform.demand.url}/v1/demand-sheet/MMR", headers=desk("NOR")).json()
    assert [b["id"] for b in sheet["open_bundles"] if b["accession_open"]] == [radar["id"]]
    for nation in ("NOR", "DNK", "LTU"):
        act(
            platform,
            f"/v1/bundles/{radar['id']}/accessions",
            {"yearly_quantities": [{"year": NEXT + 1, "quantity": 1}, {"year": NEXT + 2, "quantity": 1}]},
            desk(nation),
            201,
        )
    events = bundle_events(platform, radar["id"], {"demand.framework.committed": 1, "demand.accession.confirmed": 3})
    (framework,) = [e for e in events if e["event_type"] == "demand.framework.committed"]
    assert framework["payload"]["lead"] == "NLD" and framework["payload"]["ceiling_quantity"] == 9
    assert framework["payload"]["ceiling_value_eur"] == 600_000_000
    accessions = [e["payload"]["nation"] for e in events if e["event_type"] == "demand.accession.confirmed"]
    assert accessions == ["NOR", "DNK", "LTU"]
    # A nation outside the radar framework still cannot see it in full.
    outside = httpx.get(f"{platform.demand.url}/v1/bundles/{cv90['id']}", headers=desk("LTU"))
    assert outside.status_code == 404

    # Sweden buys the CV90s: the winning offer puts 30 % of production in the Netherlands,
    # which pays and receives no vehicle; signing binds the supplier to it.
    signed = signed_with_local_production(platform, cv90_contract, {"NLD": 0.3, "SWE": 0.7})
    assert signed["local_production"] == {"NLD": 0.3, "SWE": 0.7}
    log = httpx.get(f"{platform.contracts.url}/v1/contracts/{signed['id']}/change-log", headers=sweden).json()
    assert log["items"][-1]["what"] == (
        f"local production bound by the winning offer {signed['local_production_offer_id']}: "
        "30 % of production in NLD, 70 % of production in SWE"
    )
    # Who pays for what is delivered: Sweden, for the 50 planned to reach Ukraine.
    # Who pays for what is delivered: Sweden from its budget, Denmark and the Netherlands
    # through the fund that paid toward the order, each for the 50 planned to reach Ukraine.
    report = f"{platform.contracts.url}/v1/reports/deliveries/by-funder"
    paid_for = httpx.get(report, headers=desk("SWE")).json()
    assert sorted((r["funder"], r["paid_through"], r["deliver_to"], r["planned"]) for r in paid_for["items"]) == [
        ("DNK", "pledges", "UKR", 50),
        ("NLD", "pledges", "UKR", 50),
        ("SWE", "own_budget", "UKR", 50),
    ]
    dutch = httpx.get(report, headers=desk("NLD")).json()
    assert [(r["funder"], r["paid_through"], r["deliver_to"]) for r in dutch["items"]] == [("NLD", "pledges", "UKR")]


def declared_patriot_line(platform: Platform) -> dict[str, Any]:
    """A German company's Patriot missile line, registered and declared through the contracts service."""
    contracts = platform.contracts.url
    until = (TODAY + timedelta(days=400)).isoformat()
    supplier = {"organisation": "MBDA-DE", "country": "DEU", "security_declaration_valid_until": until}
    assert httpx.post(f"{contracts}/v1/suppliers", json=supplier, headers=ADMIN).status_code == 201
    start = date(TODAY.year + 1, 1, 1)
    body = {
        "item_code": "PATRIOT-PAC2",
        "site": "Schrobenhausen",
        "country": "DEU",
        "earliest_start": start.isoformat(),
        "minimum_economic_quantity": 1_000,
        "rates": [
            {"month": f"{start:%Y-%m}", "units_per_month": 20},
            {"month": f"{start.year + 1}-01", "units_per_month": 40},
        ],
        "inputs": ["rocket propellant", "cryostat"],
    }
    declared = httpx.post(f"{contracts}/v1/production-lines", json=body, headers=industry("MBDA-DE"))
    assert declared.status_code == 201, declared.text
    line: dict[str, Any] = declared.json()
    return line


def signed_with_local_production(
    platform: Platform, contract: dict[str, Any], local_production: dict[str, float]
) -> dict[str, Any]:
    """The lead negotiates with BAE Systems Hägglunds alone, the only maker of the CV90
    (Directive 2009/81/EC, Article 28(1)(e)): its offer promises `local_production`, the
    award follows it and the signing needs no standstill (Article 58(a)); the contract as
    its lead then sees it."""
    contracts, lead = platform.contracts, coordinator_of(contract["contracting_authority"])

    def call(path: str, body: dict[str, Any] | None, headers: dict[str, str], status: int = 200) -> Any:
        response = httpx.post(f"{contracts.url}{path}", json=body, headers=headers)
        assert response.status_code == status, response.text
        return response.json()

    today = TODAY
    hagglunds = call("/v1/suppliers", {"organisation": "HAGGLUNDS", "country": "SWE",
                                       "security_declaration_valid_until": (today + timedelta(days=400)).isoformat()},
                     ADMIN, 201)  # fmt: skip
    tender = {"item_code": contract["item_code"], "buyer_nation": contract["contracting_authority"],
              "nations": contract["nations"], "quantity": contract["total_quantity"], "quality_gates": [],
              "tender_date": today.isoformat(), "bundle_id": contract["bundle_id"],
              "procedure": "negotiated_without_publication", "invited_supplier_id": hagglunds["id"],
              "justification": "Only BAE Systems Hagglunds builds the CV90 and holds its design rights",
              "weights": {"price": 40, "delivery": 25, "origin": 25, "industrial_participation": 10}}  # fmt: skip
    procurement = call("/v1/procurements", tender, lead, 201)["id"]
    offer = {"unit_price_eur": "9000000.00", "first_delivery": (today + timedelta(days=180)).isoformat(),
             "monthly_rate": 2, "origin_country": "SWE", "eu_component_share": 0.9,
             "non_associated_component_share": 0.0, "local_production": local_production,
             "quality_gates": {}}  # fmt: skip
    call(f"/v1/procurements/{procurement}/offers", offer, industry("HAGGLUNDS"), 201)
    call(f"/v1/procurements/{procurement}/award", None, lead)
    call(f"/v1/procurements/{procurement}/sign", None, lead)
    signed: dict[str, Any] = httpx.get(f"{contracts.url}/v1/contracts/{contract['id']}", headers=lead).json()
    return signed
