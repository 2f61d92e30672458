"""Supply risk as data, through HTTP on both databases: the reference list of critical
materials and who keeps it, names checked against it, a production line telling its
high-risk inputs, the events carrying the risks, and the report of what the contracts are
exposed to, each caller seeing its own part."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from contracts.service_layer.contracts import create_contract_for_joint_order
from contracts.service_layer.frameworks import create_framework_for_commitment
from tests.contracts.events import framework_committed, joint_order
from tests.contracts.integration.conftest import ADMIN, Api
from tests.contracts.integration.test_api_deliveries_reports import signed_contract
from tests.support.api import coordinator, desk, industry
from tests.support.statements import statements_with_parameters
from tests.support.today import TODAY

LINE = {
    "item_code": "AMMO-155MM",
    "site": "Raufoss",
    "country": "NOR",
    "earliest_start": (TODAY + timedelta(days=40)).isoformat(),
    "minimum_economic_quantity": 1000,
    "rates": [{"month": f"{TODAY + timedelta(days=70):%Y-%m}", "units_per_month": 500}],
    "inputs": ["Graphite", "aluminium"],
}


async def test_the_seeded_list_is_read_by_all_who_buy_or_make_and_kept_by_coordinators(api: Api) -> None:
    for reader in (desk("NLD"), coordinator("NSPA"), industry("NAMMO"), ADMIN):
        listed = await api.call("GET", "/v1/materials?limit=500", reader)
        assert {"graphite", "titanium", "rocket propellant", "cryostat", "gallium"} <= {
            m["name"] for m in listed["items"]
        }
    graphite = await api.call("GET", "/v1/materials/Graphite", desk("NLD"))
    assert (graphite["category"], graphite["risk"], graphite["flagged"]) == ("raw_material", "critical", True)
    assert graphite["origins_outside_eu_eea"] == {"CHN": 0.77}
    await api.call("GET", "/v1/materials/unobtainium", desk("NLD"), expect=404)

    beryllium = {"category": "raw_material", "risk": "high", "origins": {"USA": 0.6, "CHN": 0.2}, "note": "indicative"}
    await api.call("PUT", "/v1/materials/beryllium", desk("NLD"), beryllium, 403)
    await api.call("PUT", "/v1/materials/beryllium", industry("NAMMO"), beryllium, 403)
    added = await api.call("PUT", "/v1/materials/Beryllium", coordinator("NSPA"), beryllium, 201)
    assert (added["name"], added["revised_by"], list(added["origins"])) == ("beryllium", "NSPA", ["USA", "CHN"])
    lowered = await api.call("PUT", "/v1/materials/beryllium", ADMIN, {**beryllium, "risk": "medium"}, 200)
    assert (lowered["risk"], lowered["flagged"]) == ("medium", False)
    too_much = await api.call(
        "PUT", "/v1/materials/beryllium", ADMIN, {**beryllium, "origins": {"USA": 0.9, "CHN": 0.2}}, 422
    )
    assert too_much["errors"][0]["rule"] == "origin_shares_total"
    await api.call("PUT", "/v1/materials/beryllium", ADMIN, {**beryllium, "risk": "severe"}, 422)


async def test_a_specification_and_a_line_name_known_materials_only(api: Api) -> None:
    await api.supplier("NAMMO", "NOR")
    refused = await api.call(
        "POST", "/v1/production-lines", industry("NAMMO"), {**LINE, "inputs": ["graphite", "unobtainium"]}, 422
    )
    assert [(e["field"], e["rule"]) for e in refused["errors"]] == [("body.inputs", "unknown_material")]
    assert "unobtainium" in refused["errors"][0]["message"]
    spec = {"reference": "SPEC-155", "item_code": "AMMO-155MM", "title": "155 mm", "nations": ["NLD"],
            "critical_materials": ["nitrocellulose", "propellants"]}  # fmt: skip
    refused = await api.call("POST", "/v1/specifications", coordinator("NSPA"), spec, 422)
    assert [(e["field"], e["rule"]) for e in refused["errors"]] == [("body.critical_materials", "unknown_material")]
    accepted = await api.call(
        "POST", "/v1/specifications", coordinator("NSPA"), {**spec, "critical_materials": ["Nitrocellulose"]}, 201
    )
    assert accepted["critical_materials"] == ["nitrocellulose"]


async def test_a_line_tells_its_high_risk_inputs_and_its_event_carries_them(api: Api) -> None:
    await api.supplier("NAMMO", "NOR")
    line = await api.call("POST", "/v1/production-lines", industry("NAMMO"), LINE, 201)
    assert line["inputs"] == ["graphite", "aluminium"]
    assert [(r["name"], r["risk"], r["flagged"]) for r in line["input_risks"]] == [
        ("graphite", "critical", True),
        ("aluminium", "medium", False),
    ]
    assert line["flagged_inputs"] == ["graphite"]
    read = await api.call("GET", f"/v1/production-lines/{line['id']}", desk("NLD"))
    assert read["flagged_inputs"] == ["graphite"]
    await api.call("PUT", "/v1/materials/aluminium", coordinator("NSPA"),
                   {"category": "raw_material", "risk": "high", "origins": {"CHN": 0.58}}, 200)  # fmt: skip
    reread = await api.call("GET", f"/v1/production-lines/{line['id']}", desk("NLD"))
    assert reread["flagged_inputs"] == ["graphite", "aluminium"]  # the list's risk as it stands now
    (event,) = await api.events("contracts.production_line.declared")
    assert [(r["name"], r["risk"], r["flagged"]) for r in event["payload"]["material_risks"]] == [
        ("graphite", "critical", True),
        ("aluminium", "medium", False),
    ]


async def _harmonised(api: Api, materials: list[str]) -> dict[str, Any]:
    spec = {"reference": "SPEC-155", "item_code": "AMMO-155MM", "title": "155 mm", "nations": ["NLD", "DNK"],
            "critical_materials": materials}  # fmt: skip
    proposed = await api.call("POST", "/v1/specifications", coordinator("NSPA"), spec, 201)
    for nation in ("NLD", "DNK"):
        done: dict[str, Any] = await api.call(
            "POST", f"/v1/specifications/{proposed['id']}/positions", desk(nation), {"position": "agree"}
        )
    return done


async def test_the_report_weighs_each_callers_contracts_by_material_and_origin(api: Api) -> None:
    contract_id, _ = await signed_contract(api)  # NLD 10,000 and DNK 5,000 at 4,000 from NAMMO, CZE the lead
    spec = await _harmonised(api, ["nitrocellulose"])
    assert spec["status"] == "harmonised"
    (told,) = await api.events("contracts.specification.harmonised")
    assert told["payload"]["material_risks"] == [
        {"name": "nitrocellulose", "category": "semi_finished_good", "risk": "high", "flagged": True}
    ]
    await api.call("POST", "/v1/production-lines", industry("NAMMO"), {**LINE, "inputs": ["graphite"]}, 201)

    whole = await api.call("GET", "/v1/reports/supply-risk", ADMIN)
    graphite, nitrocellulose = whole["materials"]
    assert (graphite["material"], graphite["risk"], graphite["value_eur"]) == ("graphite", "critical", "60000000.00")
    assert graphite["contracts"] == [{"id": contract_id, "item_code": "AMMO-155MM", "value_eur": "60000000.00",
                                      "quantity": 15_000, "through": ["production_line"]}]  # fmt: skip
    assert (graphite["share_outside_eu_eea"], graphite["value_outside_eu_eea_eur"]) == (0.77, "46200000.00")
    assert nitrocellulose["contracts"][0]["through"] == ["specification"]
    assert nitrocellulose["origins_outside_eu_eea"] == []
    assert whole["by_origin"] == [{"country": "CHN", "value_eur": "46200000.00", "materials": ["graphite"]}]
    assert whole["totals"] == {"contract_count": 1, "value_eur": "60000000.00", "flagged_contract_count": 1,
                               "flagged_value_eur": "60000000.00", "flagged_risks": ["high", "critical"]}  # fmt: skip

    lead = await api.call("GET", "/v1/reports/supply-risk", coordinator("CZE"))  # the lead sees it whole
    assert lead["materials"][0]["value_eur"] == "60000000.00"
    own = await api.call("GET", "/v1/reports/supply-risk", desk("DNK"))  # a nation its own part
    assert own["materials"][0]["value_eur"] == "20000000.00"
    assert own["materials"][0]["contracts"][0]["quantity"] == 5_000
    assert own["by_origin"][0]["value_eur"] == "15400000.00"
    # Reports are the nations' (as value by origin): a company, its supplier too, reads none.
    for stranger in (desk("POL"), coordinator("NSPA"), industry("RHEINMETALL"), industry("NAMMO")):
        nothing = await api.call("GET", "/v1/reports/supply-risk", stranger)
        assert (nothing["materials"], nothing["totals"]["contract_count"]) == ([], 0)


async def test_a_contract_without_a_signed_price_counts_in_units(api: Api) -> None:
    await create_contract_for_joint_order(joint_order(), api.service.uow())
    await _harmonised(api, ["nitrocellulose"])
    (row,) = (await api.call("GET", "/v1/reports/supply-risk", ADMIN))["materials"]
    assert (row["value_eur"], row["unpriced_quantity"], row["contracts"][0]["value_eur"]) == ("0.00", 15_000, None)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_a_leads_call_offs_are_read_for_the_report_from_an_index_alone(api: Api) -> None:
    """A lead's report reads every call-off of its frameworks (ten thousand in the read
    benchmark): SQLite reads each one's item, supplier, price, quantity and id from the
    index of call-offs added up by price, and no row of the table. (PostgreSQL chooses
    its plan by statistics of its own.)"""
    event = framework_committed(item="AMMO-155MM", yearly={"NLD": [3, 3], "NOR": [2]})
    framework_id = await create_framework_for_commitment(event, api.service.uow())
    nammo = await api.supplier("NAMMO", "NOR")
    path = f"/v1/frameworks/{framework_id}"
    await api.call("POST", f"{path}/suppliers", desk("NLD"), {"supplier_id": nammo["id"], "unit_price_eur": "4000.00"})
    due = (TODAY + timedelta(days=200)).isoformat()
    await api.call(
        "POST", f"{path}/call-offs", desk("NOR"), {"item_code": "AMMO-155MM", "quantity": 2, "delivery_due": due}, 201
    )

    with statements_with_parameters(api.service.engine) as sent:
        await api.call("GET", "/v1/reports/supply-risk", coordinator("NLD"))
    statement, parameters = next((s, p) for s, p in sent if "FROM call_offs" in s)
    async with api.service.engine.connect() as conn:
        plan = (await conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)).all()
    assert [step[-1] for step in plan if "call_offs" in step[-1]] == [
        "SEARCH call_offs USING COVERING INDEX ix_call_offs_framework_prices (framework_id=?)"
    ]
