"""Delivery schedules, delays and re-planning through HTTP with their events; capacity
allocation by priority; reports; the OCDS export validated against the OCDS schema; and
contracts per buyer."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import insert, select

from bundling_shared.db import make_engine, migrate
from contracts.adapters import orm
from contracts.entrypoints.app import MIGRATIONS, scan_for_delays
from contracts.service_layer.contracts import create_contract_for_joint_order, note_lead
from contracts.service_layer.frameworks import accede_to_framework, create_framework_for_commitment
from tests.contracts.events import accession, bundle_opened, framework_committed, joint_order
from tests.contracts.integration import ocds_schema
from tests.contracts.integration.conftest import ADMIN, Api
from tests.contracts.integration.test_api_awards import EUROPEAN, PROCUREMENT
from tests.support import infra
from tests.support.api import coordinator, desk, industry
from tests.support.today import TODAY

PAST = (TODAY - timedelta(days=10)).isoformat()
SOON = (TODAY + timedelta(days=60)).isoformat()
LATER = (TODAY + timedelta(days=120)).isoformat()


async def signed_contract(api: Api, **supplier: Any) -> tuple[str, str]:
    """The 155 mm joint order (CZE lead; NLD 10,000, DNK 5,000) signed with NAMMO (as
    registered with `supplier`'s fields)."""
    contract_id = await create_contract_for_joint_order(joint_order(), api.service.uow())
    assert contract_id is not None
    await api.supplier("NAMMO", "NOR", **supplier)
    procurement = await api.call("POST", "/v1/procurements", coordinator("CZE"), PROCUREMENT, 201)
    await api.call("POST", f"/v1/procurements/{procurement['id']}/offers", industry("NAMMO"), EUROPEAN, 201)
    api.on(TODAY + timedelta(days=1))  # the offers were due yesterday
    await api.call("POST", f"/v1/procurements/{procurement['id']}/award", coordinator("CZE"))
    api.on(TODAY + timedelta(days=12))  # after the ten days' standstill
    await api.call("POST", f"/v1/procurements/{procurement['id']}/sign", coordinator("CZE"))
    api.on(TODAY)
    return contract_id, procurement["id"]


async def test_lots_deliveries_delays_and_replanning_reach_the_supplier_as_events(api: Api) -> None:
    contract_id, _ = await signed_contract(api)
    path = f"/v1/contracts/{contract_id}/lots"
    plan = {"lots": [
        {"nation": "NLD", "quantity": 4_000, "due_date": PAST},
        {"nation": "NLD", "quantity": 6_000, "due_date": LATER},
        {"nation": "DNK", "quantity": 5_000, "due_date": SOON},
    ]}  # fmt: skip
    lots = {(x["nation"], x["due_date"]): x for x in await api.call("POST", path, coordinator("CZE"), plan, 201)}
    (planned,) = await api.events("contracts.delivery_schedule.changed")
    assert planned["payload"]["supplier_organisation"] == "NAMMO" and len(planned["payload"]["lots"]) == 3
    refused = await api.call("POST", path, coordinator("CZE"), {"lots": [{"nation": "NLD", "quantity": 1,
                                                                          "due_date": SOON}]}, 422)  # fmt: skip
    assert "more than its 10000" in refused["detail"]
    await api.call("POST", path, coordinator("CZE"), {"lots": [{"nation": "DEU", "quantity": 1, "due_date": SOON}]},
                   422)  # fmt: skip
    await api.call("POST", path, desk("NLD"), plan, 403)  # the authority plans

    overdue = lots[("NLD", PAST)]
    partial = await api.call(
        "POST", f"/v1/lots/{overdue['id']}/deliveries", desk("NLD"), {"quantity": 1_500, "delivered_on": PAST}
    )
    assert (partial["status"], partial["outstanding"]) == ("partially_met", 2_500)
    arrived = await api.call("GET", f"/v1/lots/{overdue['id']}/deliveries", industry("NAMMO"))
    assert (arrived["items"], arrived["total"]) == ([{"on": PAST, "quantity": 1_500}], 1)
    await api.call("GET", f"/v1/lots/{overdue['id']}/deliveries", desk("DNK"), expect=404)
    await api.call("POST", f"/v1/lots/{overdue['id']}/deliveries", desk("DNK"), {"quantity": 1, "delivered_on": PAST},
                   404)  # fmt: skip

    assert (await api.call("POST", "/v1/delivery-checks", coordinator()))["delays_reported"] == 1
    assert (await api.call("POST", "/v1/delivery-checks", coordinator()))["delays_reported"] == 0  # once
    await api.call("POST", "/v1/delivery-checks", desk("NLD"), expect=403)
    dnk = lots[("DNK", SOON)]
    await api.call("PUT", f"/v1/lots/{dnk['id']}/forecast", industry("OTHERCO"), {"forecast_date": LATER}, 404)
    await api.call("PUT", f"/v1/lots/{dnk['id']}/forecast", industry("NAMMO"), {"forecast_date": LATER})
    delays = await api.events("contracts.delivery.delayed")
    assert [(d["payload"]["nation"], d["payload"]["quantity_outstanding"]) for d in delays] == [
        ("NLD", 2_500), ("DNK", 5_000),
    ]  # fmt: skip
    assert {d["payload"]["supplier_organisation"] for d in delays} == {"NAMMO"}
    assert delays[1]["payload"]["forecast_date"] == LATER

    moved = await api.call(
        "PUT", f"/v1/lots/{lots[('NLD', LATER)]['id']}/due-date", coordinator("CZE"),
        {"due_date": SOON, "reason": "order moved forward to meet NATO stock norms"},
    )  # fmt: skip
    assert moved["due_date"] == SOON and "history" not in moved
    history = await api.call("GET", f"/v1/lots/{moved['id']}/history", desk("NLD"))
    assert history["total"] == 2 and history["items"][0]["what"].startswith("planned 6000 for NLD")
    assert "moved from" in history["items"][-1]["what"] and "NATO stock norms" in history["items"][-1]["what"]
    await api.call("GET", f"/v1/lots/{moved['id']}/history", desk("DNK"), expect=404)
    change = (await api.events("contracts.delivery_schedule.changed"))[-1]["payload"]
    assert change["lots"][0]["previous_due_date"] == LATER and change["lots"][0]["due_date"] == SOON
    await api.call("PUT", f"/v1/lots/{dnk['id']}/due-date", coordinator("CZE"), {"due_date": SOON, "reason": ""}, 422)

    # need-to-know: a nation sees its own lots, the supplier all, others nothing
    assert {x["nation"] for x in (await api.call("GET", path, desk("DNK")))["items"]} == {"DNK"}
    every = await api.call("GET", path, industry("NAMMO"))
    assert every["total"] == 3 and [x["due_date"] for x in every["items"]] == sorted([PAST, SOON, SOON])
    await api.call("GET", path, desk("DEU"), expect=404)
    await api.call("GET", path, industry("OTHERCO"), expect=404)

    async def report_for(caller: dict[str, str]) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = (await api.call("GET", "/v1/reports/deliveries", caller))["items"]
        return rows

    report = {r["nation"]: r for r in await report_for(coordinator("CZE"))}
    assert await report_for(coordinator()) == []  # NSPA does not lead it
    assert (report["NLD"]["planned"], report["NLD"]["delivered"], report["NLD"]["partially_met"]) == (10_000, 1_500, 1)
    assert (report["NLD"]["due_so_far"], report["NLD"]["open"], report["DNK"]["open"]) == (4_000, 1, 1)
    assert [r["nation"] for r in await report_for(desk("DNK"))] == ["DNK"]
    assert await report_for(desk("DEU")) == []


async def test_capacity_is_allocated_ukraine_first_and_recomputed_on_change(api: Api) -> None:
    order = joint_order("bundle-ukr")
    order.payload.lines[1].nation = "UKR"
    contract_id = await create_contract_for_joint_order(order, api.service.uow())
    path = f"/v1/contracts/{contract_id}/capacity"
    body: dict[str, Any] = {"monthly_capacity": 4_000, "start": "2025-01-01", "priority": ["UKR"]}
    lots = await api.call("PUT", path, coordinator("CZE"), body)
    assert [(x["nation"], x["due_date"], x["quantity"]) for x in lots] == [
        ("UKR", "2025-01-31", 4_000), ("UKR", "2025-02-28", 1_000), ("NLD", "2025-02-28", 3_000),
        ("NLD", "2025-03-31", 4_000), ("NLD", "2025-04-30", 3_000),
    ]  # fmt: skip
    lots = await api.call("PUT", path, coordinator("CZE"), {**body, "monthly_capacity": 10_000})
    assert [(x["nation"], x["quantity"]) for x in lots] == [("UKR", 5_000), ("NLD", 5_000), ("NLD", 5_000)]
    assert (await api.call("GET", f"/v1/contracts/{contract_id}/lots", coordinator("CZE")))["total"] == 3  # replaced
    await api.call("PUT", path, desk("NLD"), body, 403)
    await api.call("POST", f"/v1/lots/{lots[1]['id']}/deliveries", desk("NLD"),
                   {"quantity": 1, "delivered_on": "2025-01-15"})  # fmt: skip
    refused = await api.call("PUT", path, coordinator("CZE"), body, 422)
    assert "deliveries were recorded already" in refused["detail"]


async def test_contract_value_by_supplier_origin(api: Api) -> None:
    await signed_contract(api)  # NAMMO (NOR) at 4,000: EU/associated for NLD and DNK
    framework_id = await create_framework_for_commitment(framework_committed(), api.service.uow())
    thales = await api.supplier("THALES-NL", "NLD")
    await api.call("POST", f"/v1/frameworks/{framework_id}/suppliers", desk("NLD"),
                   {"supplier_id": thales["id"], "unit_price_eur": 10_000_000})  # fmt: skip
    await api.call("POST", f"/v1/frameworks/{framework_id}/call-offs", desk("NLD"),
                   {"item_code": "MMR", "quantity": 4, "delivery_due": LATER}, 201)  # fmt: skip
    report = await api.call("GET", "/v1/reports/value-by-origin", ADMIN)
    assert list(await api.call("GET", "/v1/reports/value-by-origin", coordinator("CZE"))) == ["DNK", "NLD"]
    assert report["NLD"]["national"] == "40000000.00" and report["NLD"]["eu"] == "40000000.00"
    assert report["NLD"]["national_share"] == 0.5
    assert report["DNK"]["eu"] == "20000000.00"
    assert list(await api.call("GET", "/v1/reports/value-by-origin", desk("DNK"))) == ["DNK"]
    assert await api.call("GET", "/v1/reports/value-by-origin", industry("NAMMO")) == {}


async def test_the_lots_of_a_call_off_are_in_the_report_of_its_frameworks_lead_and_of_its_nation(api: Api) -> None:
    """A call-off's lots are found by its framework for those who lead it, and by the
    call-off for its nation; a participant of the framework that did not call off, and
    another lead, read none of them."""
    yearly = {"NLD": [3, 3, 3], "DNK": [2, 2, 2]}
    framework_id = await create_framework_for_commitment(framework_committed(yearly=yearly), api.service.uow())
    thales = await api.supplier("THALES-NL", "NLD")
    await api.call("POST", f"/v1/frameworks/{framework_id}/suppliers", desk("NLD"),
                   {"supplier_id": thales["id"], "unit_price_eur": 10_000_000})  # fmt: skip
    call_off = await api.call("POST", f"/v1/frameworks/{framework_id}/call-offs", desk("NLD"),
                              {"item_code": "MMR", "quantity": 4, "delivery_due": LATER}, 201)  # fmt: skip
    lots = {
        "lots": [
            {"nation": "NLD", "quantity": 3, "due_date": SOON},
            {"nation": "NLD", "quantity": 1, "due_date": LATER},
        ]
    }
    await api.call("POST", f"/v1/contracts/{call_off['id']}/lots", coordinator("NLD"), lots, 201)

    async def rows_for(caller: dict[str, str]) -> list[tuple[str, str, int, int]]:
        rows = (await api.call("GET", "/v1/reports/deliveries", caller))["items"]
        return [(r["contract_id"], r["nation"], r["planned"], r["open"]) for r in rows]

    assert await rows_for(coordinator("NLD")) == [(call_off["id"], "NLD", 4, 2)]
    assert await rows_for(desk("NLD")) == [(call_off["id"], "NLD", 4, 2)]
    assert await rows_for(industry("THALES-NL")) == [(call_off["id"], "NLD", 4, 2)]
    assert await rows_for(desk("DNK")) == []
    assert await rows_for(coordinator("CZE")) == []


async def test_the_lots_of_call_offs_placed_before_get_their_framework_on_upgrade(database_url: str) -> None:
    """A database of before (revision 0024) is upgraded with each call-off's lots naming the
    call-off's framework, and a contract's lots none: its lead's reports find them all."""
    engine = make_engine(database_url)
    at = datetime(2025, 1, 1, tzinfo=UTC)
    try:
        await migrate(engine, MIGRATIONS, "0024")
        async with engine.begin() as conn:
            await conn.execute(insert(orm.frameworks).values(
                id="fw-1", item_code="MMR", items=["MMR"], contracting_authority="NLD", participants={"NLD": 9},
                ceiling_quantity=9, start=date(2025, 1, 1), end=date(2029, 12, 31), suppliers={"s-1": "100.00"},
                row_version=1, created_at=at,
            ))  # fmt: skip
            await conn.execute(insert(orm.call_offs).values(
                id="co-1", framework_id="fw-1", nation="NLD", item_code="MMR", quantity=4, supplier_id="s-1",
                delivery_due=date(2026, 1, 1), mode="direct", competition={}, placed_at=at,
            ))  # fmt: skip
            lot = {"nation": "NLD", "quantity": 2, "due_date": date(2026, 1, 1), "deliveries": [], "history": [],
                   "row_version": 1}  # fmt: skip
            lots = [{**lot, "id": "lot-1", "contract_id": "co-1"}, {**lot, "id": "lot-2", "contract_id": "contract-1"}]
            await conn.execute(insert(orm.delivery_lots), lots)
        await migrate(engine, MIGRATIONS)

        async with engine.connect() as conn:
            query = select(orm.delivery_lots.c.id, orm.delivery_lots.c.framework_id).order_by(orm.delivery_lots.c.id)
            assert [tuple(row) for row in await conn.execute(query)] == [("lot-1", "fw-1"), ("lot-2", None)]
    finally:
        await engine.dispose()


async def test_value_by_origin_is_added_up_to_the_cent_as_each_purchase_is_priced(api: Api) -> None:
    """The report adds up each nation's value by origin in the database; the yearly
    indicators price each purchase one by one. Both agree to the cent, odd cents included."""
    await signed_contract(api)
    framework_id = await create_framework_for_commitment(framework_committed(), api.service.uow())
    for name, country, price in (("THALES-NL", "NLD", "2500000.07"), ("SAAB", "SWE", "1999999.99")):
        supplier = await api.supplier(name, country)
        await api.call("POST", f"/v1/frameworks/{framework_id}/suppliers", desk("NLD"),
                       {"supplier_id": supplier["id"], "unit_price_eur": price})  # fmt: skip
        await api.call("POST", f"/v1/frameworks/{framework_id}/call-offs", desk("NLD"),
                       {"item_code": "MMR", "quantity": 1, "delivery_due": LATER, "supplier_id": supplier["id"]},
                       201)  # fmt: skip
    report = await api.call("GET", "/v1/reports/value-by-origin", ADMIN)
    assert (report["NLD"]["national"], report["NLD"]["eu"]) == ("2500000.07", "41999999.99")
    (year,) = (await api.call("GET", "/v1/reports/kpis", ADMIN))["years"]
    assert year["by_nation"] == report


async def signed_at(api: Api, bundle_id: str, quantities: dict[str, int], unit_price_eur: str) -> None:
    """A joint order of `quantities` (CZE lead) signed with NAMMO at `unit_price_eur`."""
    assert await create_contract_for_joint_order(joint_order(bundle_id, quantities), api.service.uow())
    tender = {
        **PROCUREMENT,
        "bundle_id": bundle_id,
        "nations": sorted(quantities),
        "quantity": sum(quantities.values()),
    }
    procurement = await api.call("POST", "/v1/procurements", coordinator("CZE"), tender, 201)
    offer = {**EUROPEAN, "unit_price_eur": unit_price_eur}
    await api.call("POST", f"/v1/procurements/{procurement['id']}/offers", industry("NAMMO"), offer, 201)
    api.on(TODAY + timedelta(days=1))
    await api.call("POST", f"/v1/procurements/{procurement['id']}/award", coordinator("CZE"))
    api.on(TODAY + timedelta(days=12))
    await api.call("POST", f"/v1/procurements/{procurement['id']}/sign", coordinator("CZE"))
    api.on(TODAY)


async def test_a_nation_leading_a_contract_it_buys_in_reads_its_own_lots_once(api: Api) -> None:
    """The Czech desk sees the contract it leads whole and its own lots in it: each lot of
    its own is in its report once, beside its partner's; the partner reads its own alone.
    The same for the value of what each bought."""
    await api.supplier("NAMMO", "NOR")
    await signed_at(api, "bundle-cze", {"CZE": 600, "NLD": 400}, "4000.00")
    contract_id = (await api.call("GET", "/v1/joint-orders/bundle-cze/contracts", coordinator("CZE")))[0]["id"]
    lots = {"lots": [
        {"nation": "CZE", "quantity": 300, "due_date": SOON},
        {"nation": "CZE", "quantity": 300, "due_date": LATER},
        {"nation": "NLD", "quantity": 400, "due_date": LATER},
    ]}  # fmt: skip
    await api.call("POST", f"/v1/contracts/{contract_id}/lots", coordinator("CZE"), lots, 201)

    async def rows_for(caller: dict[str, str]) -> list[tuple[str, int, int]]:
        report = await api.call("GET", "/v1/reports/deliveries", caller)
        assert report["total"] == len(report["items"])
        return [(r["nation"], r["planned"], r["open"]) for r in report["items"] if r["contract_id"] == contract_id]

    assert await rows_for(desk("CZE")) == [("CZE", 600, 2), ("NLD", 400, 1)]
    assert await rows_for(coordinator("CZE")) == [("CZE", 600, 2), ("NLD", 400, 1)]
    assert await rows_for(desk("NLD")) == [("NLD", 400, 1)]
    # and what it bought is valued once: its line in the contract it leads is not its own twice
    values = await api.call("GET", "/v1/reports/value-by-origin", desk("CZE"))
    assert {nation: v["total"] for nation, v in values.items()} == {"CZE": "2400000.00", "NLD": "1600000.00"}
    values = await api.call("GET", "/v1/reports/value-by-origin", desk("NLD"))
    assert {nation: v["total"] for nation, v in values.items()} == {"NLD": "1600000.00"}


async def test_value_by_origin_adds_up_the_call_offs_of_every_framework_at_each_price(api: Api) -> None:
    """The call-offs are added up framework by framework, then by nation and origin: the
    same supplier at the same price in two frameworks counts once per item bought."""
    thales = await api.supplier("THALES-NL", "NLD")
    for bundle_id in ("bundle-mmr", "bundle-mmr-2"):
        framework_id = await create_framework_for_commitment(framework_committed(bundle_id), api.service.uow())
        await api.call("POST", f"/v1/frameworks/{framework_id}/suppliers", desk("NLD"),
                       {"supplier_id": thales["id"], "unit_price_eur": "1000000.01"})  # fmt: skip
        for quantity in (1, 2):
            await api.call("POST", f"/v1/frameworks/{framework_id}/call-offs", desk("NLD"),
                           {"item_code": "MMR", "quantity": quantity, "delivery_due": LATER}, 201)  # fmt: skip
    report = await api.call("GET", "/v1/reports/value-by-origin", coordinator("NLD"))
    assert (report["NLD"]["national"], report["NLD"]["total"]) == ("6000000.06", "6000000.06")


async def test_value_by_origin_stays_exact_past_what_the_databases_integers_hold(api: Api) -> None:
    """At the dearest prices a request may name, a nation's value in cents outgrows a 64-bit
    integer: SQLite turns a product past it into a float (DNK's 10^8 rounds) and refuses a
    sum past it (NLD's two orders of 50,000); those values are priced outside it, still to
    the cent."""
    await api.supplier("NAMMO", "NOR")
    await signed_at(api, "bundle-a", {"NLD": 50_000, "DNK": 100_000_000}, "999999999999.99")
    report = await api.call("GET", "/v1/reports/value-by-origin", ADMIN)
    assert (report["NLD"]["eu"], report["DNK"]["eu"]) == ("49999999999999500.00", "99999999999999000000.00")
    await signed_at(api, "bundle-b", {"NLD": 50_000}, "999999999999.98")
    report = await api.call("GET", "/v1/reports/value-by-origin", ADMIN)
    assert (report["NLD"]["eu"], report["DNK"]["eu"]) == ("99999999999998500.00", "99999999999999000000.00")


async def test_the_ocds_export_of_a_procurement_validates_against_the_ocds_schema(api: Api) -> None:
    contract_id, procurement_id = await signed_contract(api)
    await api.call("POST", f"/v1/contracts/{contract_id}/lots", coordinator("CZE"),
                   {"lots": [{"nation": "NLD", "quantity": 100, "due_date": PAST}]}, 201)  # fmt: skip
    package = await api.call("GET", f"/v1/procurements/{procurement_id}/ocds", coordinator("CZE"))
    ocds_schema.validate_package(package)
    (release,) = package["releases"]
    assert release["tag"] == ["tender", "award", "contract", "implementation"]
    roles = {p["id"]: p["roles"] for p in release["parties"]}
    assert roles["NLD"] == ["buyer"] and roles["DNK"] == ["buyer"] and roles["CZE"] == ["procuringEntity"]
    assert sorted(roles[release["awards"][0]["suppliers"][0]["id"]]) == ["supplier", "tenderer"]
    assert release["contracts"][0]["implementation"]["milestones"][0]["status"] == "notMet"
    assert release["contracts"][0]["value"] == {"amount": 60_000_000, "currency": "EUR"}
    await api.call("GET", f"/v1/procurements/{procurement_id}/ocds", desk("NLD"), expect=403)  # sees its part only
    await api.call("GET", f"/v1/procurements/{procurement_id}/ocds", industry("NAMMO"), expect=403)
    await api.call("GET", f"/v1/procurements/{procurement_id}/ocds", desk("POL"), expect=404)

    broken = {**package, "releases": [{**release, "tag": ["not-a-tag"]}]}
    with pytest.raises(AssertionError, match="releases/0/tag"):
        ocds_schema.validate_package(broken)


async def test_the_ocds_export_of_a_framework_relates_each_call_off_to_it(api: Api) -> None:
    framework_id = await create_framework_for_commitment(framework_committed(), api.service.uow())
    await accede_to_framework(accession("NOR", 2), api.service.uow())
    await api.call("POST", f"/v1/frameworks/{framework_id}/accessions/NOR/approve", desk("NLD"))
    thales = await api.supplier("THALES-NL", "NLD")
    await api.call("POST", f"/v1/frameworks/{framework_id}/suppliers", desk("NLD"),
                   {"supplier_id": thales["id"], "unit_price_eur": 10_000_000})  # fmt: skip
    for nation in ("NLD", "NOR"):
        await api.call("POST", f"/v1/frameworks/{framework_id}/call-offs", desk(nation),
                       {"item_code": "MMR", "quantity": 1, "delivery_due": LATER}, 201)  # fmt: skip
    package = await api.call("GET", f"/v1/frameworks/{framework_id}/ocds", desk("NLD"))
    ocds_schema.validate_package(package)
    (framework,) = package["releases"]
    assert {p["id"] for p in framework["parties"] if "buyer" in p["roles"]} == {"NLD", "NOR"}
    placed = (await api.call("GET", f"/v1/frameworks/{framework_id}/call-offs", desk("NLD")))["items"]
    assert len(placed) == 2
    for call_off in placed:
        path = f"/v1/frameworks/{framework_id}/call-offs/{call_off['id']}/ocds"
        package = await api.call("GET", path, desk("NLD"))
        ocds_schema.validate_package(package)
        (release,) = package["releases"]
        (related,) = release["relatedProcesses"]
        assert related["relationship"] == ["framework"] and related["identifier"] == framework["ocid"]
        await api.call("GET", path, desk("NOR"), expect=403)  # sees its part only
        await api.call("GET", path, desk("POL"), expect=404)
    await api.call("GET", f"/v1/frameworks/{framework_id}/ocds", desk("NOR"), expect=403)  # sees its part only
    await api.call("GET", f"/v1/frameworks/{framework_id}/ocds", desk("POL"), expect=404)


def test_a_missing_ocds_schema_is_named(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    monkeypatch.setattr(ocds_schema, "SCHEMA_DIR", tmp_path)
    with pytest.raises(FileNotFoundError, match=r"release-schema\.json is missing"):
        ocds_schema.validate_package({})


async def test_one_contract_per_buyer_when_the_bundle_says_so(api: Api) -> None:
    await api.call("PUT", "/v1/joint-orders/bundle-155/contract-mode", desk("NLD"), {"mode": "per_buyer"}, 403)
    await note_lead(bundle_opened("bundle-155", lead="CZE"), api.service.uow())
    await api.call("PUT", "/v1/joint-orders/bundle-155/contract-mode", coordinator("CZE"), {"mode": "per_buyer"}, 204)
    await api.call("PUT", "/v1/joint-orders/bundle-155/contract-mode", coordinator("CZE"), {"mode": "sometimes"}, 422)
    event = joint_order()
    await create_contract_for_joint_order(event, api.service.uow())
    assert await create_contract_for_joint_order(event, api.service.uow()) is None
    assert await create_contract_for_joint_order(joint_order(), api.service.uow()) is not None
    contracts = await api.call("GET", "/v1/joint-orders/bundle-155/contracts", coordinator("CZE"))
    assert [(c["part"], c["total_quantity"]) for c in contracts] == [("DNK", 5_000), ("NLD", 10_000)]
    assert len(await api.events("contracts.contract.created")) == 2
    mine = await api.call("GET", "/v1/joint-orders/bundle-155/contracts", desk("NLD"))
    assert [c["part"] for c in mine] == ["NLD"]  # the other buyer's contract is not NLD's business
    await api.call("GET", f"/v1/contracts/{contracts[0]['id']}", desk("NLD"), expect=404)
    await api.call("PUT", "/v1/joint-orders/bundle-155/contract-mode", coordinator("CZE"), {"mode": "single"}, 409)


async def test_the_service_looks_for_delays_by_itself(api: Api) -> None:
    contract_id, _ = await signed_contract(api)
    await api.call("POST", f"/v1/contracts/{contract_id}/lots", coordinator("CZE"),
                   {"lots": [{"nation": "DNK", "quantity": 10, "due_date": PAST}]}, 201)  # fmt: skip
    api.service.settings.delay_scan_seconds = 0.05
    scanner = asyncio.create_task(scan_for_delays(api.service))
    try:
        deadline = time.monotonic() + 30
        while not await api.events("contracts.delivery.delayed"):
            assert time.monotonic() < deadline, "no delay found by the scanner within 30 s"
            await asyncio.sleep(0.05)
    finally:
        scanner.cancel()
        await asyncio.gather(scanner, return_exceptions=True)  # its session closed before the engine is
    (delay,) = await api.events("contracts.delivery.delayed")
    assert delay["payload"]["nation"] == "DNK"


async def test_the_industrial_base_year_by_year_over_what_each_reader_sees(api: Api) -> None:
    await signed_contract(api)  # NAMMO (NOR, not an SME) at 4,000 for NLD 10,000 and DNK 5,000
    year = api.clock.today().year if api.clock is not None else 0
    everything = await api.call("GET", "/v1/reports/kpis", ADMIN)
    (this_year,) = everything["years"]
    assert (this_year["year"], this_year["value_eur"], this_year["sme_share"]) == (year, "60000000.00", 0.0)
    assert this_year["new_suppliers"] == {"NOR": 1}
    assert this_year["by_nation"]["NLD"]["eu"] == "40000000.00"
    (danish,) = (await api.call("GET", "/v1/reports/kpis", desk("DNK")))["years"]
    assert list(danish["by_nation"]) == ["DNK"] and danish["value_eur"] == "20000000.00"
    assert (await api.call("GET", "/v1/reports/kpis", industry("NAMMO")))["years"] == []


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_the_delay_check_leaves_a_lot_another_transaction_holds_to_its_next_look(
    api: Api, database_url: str
) -> None:
    """Waiting for it while holding the lots it marked before, the check could wait for an
    order shift that waits for one of those, and the database would end one of them."""
    contract_id, _ = await signed_contract(api)
    plan = {"lots": [{"nation": "NLD", "quantity": 4_000, "due_date": PAST},
                     {"nation": "DNK", "quantity": 5_000, "due_date": PAST}]}  # fmt: skip
    lots = await api.call("POST", f"/v1/contracts/{contract_id}/lots", coordinator("CZE"), plan, 201)
    held = next(lot["id"] for lot in lots if lot["nation"] == "NLD")
    async with infra.row_held(database_url, "delivery_lots", held):
        check = api.call("POST", "/v1/delivery-checks", coordinator())
        assert (await asyncio.wait_for(check, 10))["delays_reported"] == 1
    assert [d["payload"]["nation"] for d in await api.events("contracts.delivery.delayed")] == ["DNK"]
    assert (await api.call("POST", "/v1/delivery-checks", coordinator()))["delays_reported"] == 1
    assert [d["payload"]["nation"] for d in await api.events("contracts.delivery.delayed")] == ["DNK", "NLD"]
