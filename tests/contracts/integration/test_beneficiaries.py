"""For whom a contract is delivered and who pays toward it: a joint order's lines carry
what goes to Ukraine into the contract, with the nations that pay by pledges; lots go to
Ukraine out of a buyer's Ukraine part, never beyond it. On both databases."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlencode

import pytest
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bundling_shared.auth import Role
from bundling_shared.db import make_engine, migrate
from bundling_shared.events.demand import (
    DeliveryWindow,
    JointOrderCommittedPayload,
    JointOrderCommittedV1,
    JointOrderLine,
)
from contracts.adapters import orm
from contracts.entrypoints.app import MIGRATIONS
from contracts.service_layer.contracts import create_contract_for_joint_order
from tests.contracts.events import joint_order
from tests.contracts.integration.conftest import ADMIN, Api
from tests.contracts.integration.test_api_deliveries_reports import signed_contract
from tests.support.api import bearer, coordinator, desk, industry
from tests.support.today import TODAY

DUE = (TODAY + timedelta(days=90)).isoformat()


def cv90_order(lines: dict[str, tuple[int, int]], instrument: str | None = None) -> JointOrderCommittedV1:
    """Sweden's CV90 joint order: per nation (quantity, of which for Ukraine); DNK and NLD pay by pledges."""
    event: JointOrderCommittedV1 = JointOrderCommittedV1.create(
        JointOrderCommittedPayload(
            bundle_id="bundle-cv90",
            item_code="CV90",
            lead="SWE",
            lines=[
                JointOrderLine(nation=n, quantity=q, need_ids=[f"need-{n}"], ukraine_quantity=u)
                for n, (q, u) in lines.items()
            ],
            total_quantity=sum(q for q, _ in lines.values()),
            delivery_window=DeliveryWindow(start=date(2026, 1, 1), end=date(2028, 12, 31)),
            committed_by="coordinator:SWE",
            funded_by=["NLD", "DNK"],
            funding_instrument=instrument,
        ),
        aggregate_id="bundle-cv90",
        producer="demand",
    )
    return event


async def test_the_contract_says_what_goes_to_ukraine_and_who_pays(api: Api) -> None:
    contract_id = await create_contract_for_joint_order(cv90_order({"SWE": (50, 40)}), api.service.uow())
    assert contract_id is not None
    contract = await api.call("GET", f"/v1/contracts/{contract_id}", coordinator("SWE"))
    (line,) = contract["lines"]
    assert (line["nation"], line["quantity"], line["ukraine_quantity"], line["own_forces_quantity"]) == (
        "SWE",
        50,
        40,
        10,
    )
    assert contract["funded_by"] == ["DNK", "NLD"] and contract["ukraine_quantity"] == 40

    path = f"/v1/contracts/{contract_id}/lots"
    to_ukraine = await api.call("POST", path, coordinator("SWE"), {"lots": [{"nation": "UKR", "quantity": 30,
                                                                             "due_date": DUE}]}, 201)  # fmt: skip
    assert [(x["nation"], x["deliver_to"], x["quantity"]) for x in to_ukraine] == [("SWE", "UKR", 30)]
    own = await api.call("POST", path, coordinator("SWE"), {"lots": [{"nation": "SWE", "quantity": 5,
                                                                      "due_date": DUE}]}, 201)  # fmt: skip
    assert [(x["nation"], x["deliver_to"]) for x in own] == [("SWE", "SWE")]
    beyond = await api.call("POST", path, coordinator("SWE"), {"lots": [{"nation": "UKR", "quantity": 11,
                                                                         "due_date": DUE}]}, 422)  # fmt: skip
    assert "more than the 40 it sends there" in beyond["detail"]
    history = await api.call("GET", f"/v1/lots/{to_ukraine[0]['id']}/history", coordinator("SWE"))
    assert "delivered to UKR" in history["items"][0]["what"]

    delivered = await api.call("POST", f"/v1/lots/{to_ukraine[0]['id']}/deliveries", coordinator("SWE"),
                               {"quantity": 12, "delivered_on": TODAY.isoformat()}, 200)  # fmt: skip
    # a schedule lists its lots as plain rows: each as the last act on it answered (the aggregate)
    listed = (await api.call("GET", path, coordinator("SWE")))["items"]
    assert sorted(listed, key=lambda lot: lot["id"]) == sorted([delivered, *own], key=lambda lot: lot["id"])
    assert delivered["status"] == "partially_met" and delivered["outstanding"] == 18
    report = (await api.call("GET", "/v1/reports/deliveries", coordinator("SWE")))["items"]
    rows = {(r["contract_id"], r["nation"], r["deliver_to"]): (r["planned"], r["delivered"]) for r in report}
    assert rows == {(contract_id, "SWE", "UKR"): (30, 12), (contract_id, "SWE", "SWE"): (5, 0)}  # by beneficiary


async def test_a_lot_to_ukraine_names_its_buyer_when_several_lines_send_there(api: Api) -> None:
    order = cv90_order({"SWE": (50, 40), "NOR": (20, 5), "FIN": (10, 0)})
    contract_id = await create_contract_for_joint_order(order, api.service.uow())
    path = f"/v1/contracts/{contract_id}/lots"
    lead = coordinator("SWE")
    unnamed = await api.call("POST", path, lead, {"lots": [{"nation": "UKR", "quantity": 1, "due_date": DUE}]}, 422)
    assert "the lines of NOR, SWE send quantities to Ukraine" in unnamed["detail"]
    named = await api.call(
        "POST", path, lead, {"lots": [{"nation": "UKR", "buyer": "NOR", "quantity": 5, "due_date": DUE}]}, 201
    )
    assert [(x["nation"], x["deliver_to"]) for x in named] == [("NOR", "UKR")]
    await api.call("POST", path, lead, {"lots": [{"nation": "UKR", "buyer": "FIN", "quantity": 1, "due_date": DUE}]},
                   422)  # fmt: skip
    await api.call("POST", path, lead, {"lots": [{"nation": "DEU", "quantity": 1, "due_date": DUE}]}, 422)
    mine = await api.call("GET", f"/v1/contracts/{contract_id}", desk("NOR"))
    assert [(x["nation"], x["ukraine_quantity"]) for x in mine["lines"]] == [("NOR", 5)]  # its own line only
    assert mine["ukraine_quantity"] == 45  # and the totals


async def test_the_procurement_of_an_order_takes_over_the_instrument_its_nations_chose(api: Api) -> None:
    await create_contract_for_joint_order(cv90_order({"SWE": (50, 40), "FIN": (10, 0)}, "EDIP"), api.service.uow())
    body = {
        "item_code": "CV90", "buyer_nation": "SWE", "nations": ["FIN", "SWE"], "quantity": 60,
        "tender_date": TODAY.isoformat(), "quality_gates": [], "standstill_days": 10,
        "weights": {"price": 40, "delivery": 25, "origin": 25, "industrial_participation": 10},
        "bundle_id": "bundle-cv90",
    }  # fmt: skip
    other = await api.call("POST", "/v1/procurements", coordinator("SWE"), {**body, "funding_instrument": "SAFE"}, 422)
    assert "the order's nations chose EDIP" in other["detail"]
    opened = await api.call("POST", "/v1/procurements", coordinator("SWE"), {**body, "funding_instrument": None}, 201)
    assert opened["funding_instrument"] == "EDIP"


CV90_TENDER = {
    "item_code": "CV90", "buyer_nation": "SWE", "nations": ["SWE"], "quantity": 50, "quality_gates": [],
    "standstill_days": 10, "weights": {"price": 40, "delivery": 25, "origin": 25, "industrial_participation": 10},
    "bundle_id": "bundle-cv90",
}  # fmt: skip
"""Offers are due the day it opens (`offers_due` set with `tender_date`): the award follows the next day."""


def hagglunds_offer(local_production: dict[str, float]) -> dict[str, object]:
    return {
        "unit_price_eur": "9000000.00", "first_delivery": DUE, "monthly_rate": 2, "origin_country": "SWE",
        "eu_component_share": 0.9, "non_associated_component_share": 0.0, "local_production": local_production,
        "quality_gates": {},
    }  # fmt: skip


async def tendered_cv90(api: Api) -> str:
    """Sweden's CV90 order for Ukraine (DNK and NLD paying) contracted and tendered; BAE
    Systems Hägglunds registered to offer. The procurement's id."""
    await create_contract_for_joint_order(cv90_order({"SWE": (50, 50)}), api.service.uow())
    await api.supplier("HAGGLUNDS", "SWE")
    body = {**CV90_TENDER, "tender_date": TODAY.isoformat(), "offers_due": TODAY.isoformat()}
    procurement: dict[str, str] = await api.call("POST", "/v1/procurements", coordinator("SWE"), body, 201)
    return procurement["id"]


async def test_the_cv90_contract_binds_the_dutch_production_the_winning_offer_promised(api: Api) -> None:
    # the Netherlands pays into the Swedish fund and receives no vehicle, yet part of the
    # production is to be in the Netherlands: the winning offer's promise binds the supplier
    path = f"/v1/procurements/{await tendered_cv90(api)}"
    await api.call("POST", f"{path}/offers", industry("HAGGLUNDS"), hagglunds_offer({"NLD": 0.3, "SWE": 0.7}), 201)
    api.on(TODAY + timedelta(days=1))  # the offers were due yesterday
    await api.call("POST", f"{path}/award", coordinator("SWE"))
    api.on(TODAY + timedelta(days=12))  # after the standstill
    await api.call("POST", f"{path}/sign", coordinator("SWE"))

    (contract,) = (await api.call("GET", "/v1/contracts", coordinator("SWE")))["items"]  # the list shows it too
    assert contract["local_production"] == {"NLD": 0.3, "SWE": 0.7}
    offer_id = contract["local_production_offer_id"]
    offers = (await api.call("GET", f"{path}/offers", coordinator("SWE")))["items"]
    assert [o["id"] for o in offers] == [offer_id]
    seen_by_its_desk = await api.call("GET", f"/v1/contracts/{contract['id']}", desk("SWE"))
    assert seen_by_its_desk["local_production_offer_id"] == offer_id
    log = (await api.call("GET", f"/v1/contracts/{contract['id']}/change-log", industry("HAGGLUNDS")))["items"]
    assert (log[-1]["what"], log[-1]["by"], log[-1]["scope"]) == (
        f"local production bound by the winning offer {offer_id}: 30 % of production in NLD, 70 % of production in SWE",
        "SWE",
        "all",
    )


async def test_an_offer_promising_more_than_the_whole_production_is_refused_by_field(api: Api) -> None:
    path = f"/v1/procurements/{await tendered_cv90(api)}/offers"
    each_within = hagglunds_offer({"NLD": 0.6, "SWE": 0.6})
    refused = await api.call("POST", path, industry("HAGGLUNDS"), each_within, 422)
    assert [(e["field"], e["rule"]) for e in refused["errors"]] == [("body.local_production", "local_production_total")]


@pytest.mark.parametrize("sme", [True, False])
async def test_signing_tells_the_demand_service_whether_the_supplier_is_an_sme(api: Api, sme: bool) -> None:
    await signed_contract(api, sme=sme)
    (signed,) = await api.events("contracts.contract.signed")
    assert (signed["payload"]["bundle_id"], signed["payload"]["supplier_organisation"]) == ("bundle-155", "NAMMO")
    assert signed["payload"]["supplier_sme"] is sme


async def test_planned_against_delivered_by_funder_answers_what_the_netherlands_helped_pay_for(api: Api) -> None:
    # CV90: SWE buys 50 (40 for Ukraine) and FIN 10 for itself under SAFE, DNK and NLD pay by
    # pledges; 155 mm: NLD buys 10,000 from its own budget (CZE leads)
    order = cv90_order({"SWE": (50, 40), "FIN": (10, 0)}, "SAFE")
    cv90_id = await create_contract_for_joint_order(order, api.service.uow())
    ammo_id = await create_contract_for_joint_order(joint_order(), api.service.uow())
    lead, today = coordinator("SWE"), TODAY.isoformat()
    plan = [("UKR", 30), ("SWE", 5), ("FIN", 10)]
    body = {"lots": [{"nation": n, "quantity": q, "due_date": DUE} | ({"buyer": "SWE"} if n == "UKR" else {})
                     for n, q in plan]}  # fmt: skip
    lots = {x["deliver_to"]: x["id"] for x in await api.call("POST", f"/v1/contracts/{cv90_id}/lots", lead, body, 201)}
    await api.call("POST", f"/v1/lots/{lots['UKR']}/deliveries", lead, {"quantity": 12, "delivered_on": today})
    await api.call("POST", f"/v1/lots/{lots['FIN']}/deliveries", lead, {"quantity": 10, "delivered_on": today})
    body = {"lots": [{"nation": "NLD", "quantity": 4_000, "due_date": DUE}]}
    await api.call("POST", f"/v1/contracts/{ammo_id}/lots", coordinator("CZE"), body, 201)

    async def rows(caller: dict[str, str], **query: str) -> list[tuple[object, ...]]:
        """The rows as (funder, how it pays, contract, where to, planned, delivered); ordered by
        funder and how it pays (the rest in an order the database's collation decides)."""
        found = await api.call("GET", "/v1/reports/deliveries/by-funder?" + urlencode(query), caller)
        got = [(r["funder"], r["paid_through"], r["contract_id"], r["deliver_to"], r["planned"], r["delivered"])
               for r in found["items"]]  # fmt: skip
        assert [r[:2] for r in got] == sorted(r[:2] for r in got)
        return sorted(got)

    by_pledges = [("UKR", 30, 12), ("own_forces", 15, 10)]  # what reached Ukraine; the buyers' own forces together
    assert await rows(desk("NLD")) == sorted(
        [("NLD", "own_budget", ammo_id, "NLD", 4_000, 0), *[("NLD", "pledges", cv90_id, *r) for r in by_pledges]]
    )
    assert await rows(bearer(Role.COORDINATOR, nation="NLD")) == await rows(desk("NLD"))  # speaking for it too
    sweden = await rows(lead)  # the lead: every payer of the contract it leads
    assert sweden == sorted(
        [
            *[(payer, "pledges", cv90_id, *r) for payer in ("DNK", "NLD") for r in by_pledges],
            ("FIN", "own_budget", cv90_id, "FIN", 10, 10),
            ("SWE", "own_budget", cv90_id, "SWE", 5, 0),
            ("SWE", "own_budget", cv90_id, "UKR", 30, 12),
        ]
    )
    assert await rows(lead, funder="NLD") == [r for r in sweden if r[0] == "NLD"]
    # a buyer reads its own lots only; a nation neither buying nor paying, nothing
    assert await rows(desk("FIN")) == [("FIN", "own_budget", cv90_id, "FIN", 10, 10)]
    assert await rows(desk("NLD"), funder="DNK") == [] and await rows(desk("POL")) == []
    whole = await api.call("GET", "/v1/reports/deliveries/by-funder", lead)
    assert {r["funding_instrument"] for r in whole["items"]} == {"SAFE"} and whole["total"] == 7
    page = await api.call("GET", "/v1/reports/deliveries/by-funder?limit=2&offset=6", lead)
    assert (len(page["items"]), page["total"], page["items"][0]["funder"]) == (1, 7, "SWE")


async def payers(engine: AsyncEngine) -> list[tuple[str, str]]:
    f = orm.contract_funders
    async with engine.connect() as conn:
        return [(row.contract_id, row.nation) for row in await conn.execute(select(f).order_by(*f.primary_key))]


async def test_a_contracts_payers_are_rewritten_when_they_change(api: Api) -> None:
    contract_id = await create_contract_for_joint_order(cv90_order({"SWE": (50, 40)}), api.service.uow())
    assert contract_id is not None and await payers(api.service.engine) == [(contract_id, "DNK"), (contract_id, "NLD")]
    uow = api.service.uow()
    async with uow:
        contract = await uow.contracts.get(contract_id)
        assert contract is not None
        contract.funded_by = ["EST", "NLD"]
        await uow.commit()
    assert await payers(api.service.engine) == [(contract_id, "EST"), (contract_id, "NLD")]
    body = {"lots": [{"nation": "SWE", "quantity": 10, "due_date": DUE}]}
    await api.call("POST", f"/v1/contracts/{contract_id}/lots", coordinator("SWE"), body, 201)
    found = await api.call("GET", "/v1/reports/deliveries/by-funder", coordinator("SWE"))
    assert [(r["funder"], r["paid_through"]) for r in found["items"]] == [
        ("EST", "pledges"),
        ("NLD", "pledges"),
        ("SWE", "own_budget"),
    ]


async def test_the_payers_of_contracts_kept_before_are_written_as_rows(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        await migrate(engine, MIGRATIONS, "0027")
        kept = {"bundle_id": "bundle-cv90", "item_code": "CV90", "contracting_authority": "SWE",
                "window_start": date(2026, 1, 1), "window_end": date(2028, 12, 31),
                "created_at": datetime(2026, 1, 5, tzinfo=UTC), "change_log": []}  # fmt: skip
        async with engine.begin() as conn:
            paid = kept | {"id": "c-1", "funded_by": ["DNK", "NLD"]}
            await conn.execute(insert(orm.contracts), [paid, kept | {"id": "c-2", "bundle_id": "b-2", "funded_by": []}])
        await migrate(engine, MIGRATIONS)
        assert await payers(engine) == [("c-1", "DNK"), ("c-1", "NLD")]
    finally:
        await engine.dispose()


@pytest.mark.parametrize(
    ("query", "rule"),
    [("funder=XXX", "unknown_nation"), ("funder=nld", "string_pattern_mismatch"), ("by=funder", "extra_forbidden"),
     ("limit=0", "greater_than_equal")],
)  # fmt: skip
async def test_the_report_by_funder_refuses_what_it_does_not_read(api: Api, query: str, rule: str) -> None:
    response = await api.client.get(f"/v1/reports/deliveries/by-funder?{query}", headers=coordinator("SWE"))
    assert (response.status_code, response.headers["content-type"]) == (422, "application/problem+json")
    assert [e["rule"] for e in response.json()["errors"]] == [rule]


async def test_a_list_shows_each_contract_as_its_own_page_does_to_every_caller(api: Api) -> None:
    # a list reads contracts as plain rows, a contract's page as the aggregate: the same
    # lines, totals, Ukraine's share, payers, price and bound production for each caller
    path = f"/v1/procurements/{await tendered_cv90(api)}"
    await api.call("POST", f"{path}/offers", industry("HAGGLUNDS"), hagglunds_offer({"NLD": 0.3, "SWE": 0.7}), 201)
    api.on(TODAY + timedelta(days=1))
    await api.call("POST", f"{path}/award", coordinator("SWE"))
    api.on(TODAY + timedelta(days=12))
    await api.call("POST", f"{path}/sign", coordinator("SWE"))
    await create_contract_for_joint_order(joint_order(), api.service.uow())  # CZE for NLD and DNK, unsigned

    callers = [coordinator("SWE"), desk("SWE"), coordinator("CZE"), desk("NLD"), desk("DNK"), industry("HAGGLUNDS")]
    for caller in [*callers, ADMIN]:
        listed = (await api.call("GET", "/v1/contracts", caller))["items"]
        assert listed, caller
        for contract in listed:
            assert contract == await api.call("GET", f"/v1/contracts/{contract['id']}", caller)
    (signed,) = (await api.call("GET", "/v1/contracts", coordinator("SWE")))["items"]
    assert (signed["ukraine_quantity"], signed["funded_by"], signed["unit_price_eur"]) == (
        50,
        ["DNK", "NLD"],
        "9000000.00",
    )
    assert [line["nation"] for line in (await api.call("GET", "/v1/contracts", desk("NLD")))["items"][0]["lines"]] == [
        "NLD"
    ]
