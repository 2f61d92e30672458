"""Suppliers and harmonised specifications through HTTP, with the events they publish and
need-to-know on every endpoint."""

from __future__ import annotations

from datetime import timedelta

from tests.contracts.integration.conftest import ADMIN, DECLARED_UNTIL, Api
from tests.support.api import coordinator, desk, industry
from tests.support.today import TODAY


async def test_registering_and_changing_a_declaration_publishes_the_supplier(api: Api) -> None:
    nammo = await api.supplier("NAMMO", "NOR", sme=False, industrial_base="european")
    assert nammo["security_declaration_valid"] is True
    await api.call("POST", "/v1/suppliers", coordinator(), {"organisation": "NAMMO", "country": "NOR"}, 409)
    await api.call("POST", "/v1/suppliers", industry("NAMMO"), {"organisation": "X", "country": "NOR"}, 403)
    await api.call("POST", "/v1/suppliers", coordinator(), {"organisation": "X", "country": "norway"}, 422)

    expired = (TODAY - timedelta(days=1)).isoformat()
    changed = await api.call(
        "PUT", f"/v1/suppliers/{nammo['id']}/security-declaration", ADMIN,
        {"security_declaration_valid_until": expired},
    )  # fmt: skip
    assert changed["security_declaration_valid"] is False

    published = await api.events("contracts.supplier.registered")
    declared = [e["payload"]["security_declaration_valid_until"] for e in published]
    assert declared == [DECLARED_UNTIL.isoformat(), expired]
    assert {e["aggregate_id"] for e in published} == {nammo["id"]}


async def test_a_company_sees_only_its_own_registry_entry_and_desks_none(api: Api) -> None:
    nammo = await api.supplier("NAMMO", "NOR")
    await api.supplier("RHEINMETALL", "DEU")
    assert (await api.call("GET", f"/v1/suppliers/{nammo['id']}", industry("NAMMO")))["organisation"] == "NAMMO"
    own = await api.call("GET", "/v1/suppliers", industry("NAMMO"))
    assert ([s["organisation"] for s in own["items"]], own["total"]) == (["NAMMO"], 1)
    await api.call("GET", f"/v1/suppliers/{nammo['id']}", industry("RHEINMETALL"), expect=404)
    await api.call("GET", f"/v1/suppliers/{nammo['id']}", desk("NLD"), expect=404)
    assert (await api.call("GET", "/v1/suppliers", desk("NLD")))["items"] == []
    registry = await api.call("GET", "/v1/suppliers?limit=1&offset=1", coordinator())
    assert ([s["organisation"] for s in registry["items"]], registry["total"]) == (["RHEINMETALL"], 2)
    await api.call("PUT", "/v1/suppliers/nope/security-declaration", ADMIN, {"security_declaration_valid_until": None},
                   404)  # fmt: skip


SPEC = {
    "reference": "SPEC-155MM-NATO",
    "item_code": "AMMO-155MM",
    "title": "155 mm artillery ammunition, NATO interchangeable",
    "nations": ["NLD", "DEU", "CZE"],
    "standards": ["STANAG 4425", "AQAP 2110"],
    "certification": "NATO AC/225 qualification",
    "key_performance": {"range_km": "30", "shelf_life_years": "10"},
    "critical_materials": ["rocket propellant", "graphite"],
    "deviations": [{"nation": "DEU", "description": "own fuze type", "compatible": True}],
}


async def test_the_harmonisation_workflow_ends_harmonised_and_publishes_it(api: Api) -> None:
    spec = await api.call("POST", "/v1/specifications", desk("NLD"), SPEC, 201)
    assert (spec["version"], spec["status"]) == (1, "proposed")
    path = f"/v1/specifications/{spec['id']}"
    await api.call("POST", f"{path}/positions", desk("FRA"), {"position": "agree"}, 404)  # not a participant
    await api.call("POST", f"{path}/positions", coordinator(), {"position": "agree"}, 403)
    for nation in ("NLD", "DEU"):
        await api.call("POST", f"{path}/positions", desk(nation), {"position": "agree"})
    assert await api.events("contracts.specification.harmonised") == []
    await api.call("POST", f"{path}/deviations", desk("CZE"), {"description": "Czech marking", "compatible": True})
    done = await api.call("POST", f"{path}/positions", desk("CZE"), {"position": "agree"})
    assert done["status"] == "harmonised" and done["applies_to_ukraine_deliveries"] is True
    assert "for Ukraine" in done["outcome"]
    await api.call("POST", f"{path}/positions", desk("NLD"), {"position": "object", "reason": "late"}, 422)

    (event,) = await api.events("contracts.specification.harmonised")
    p = event["payload"]
    assert (p["reference"], p["version"], p["nations"]) == ("SPEC-155MM-NATO", 1, ["CZE", "DEU", "NLD"])
    assert p["compatible_deviations"] == ["DEU: own fuze type", "CZE: Czech marking"]
    assert p["applies_to_ukraine_deliveries"] is True

    second = await api.call("POST", "/v1/specifications", coordinator(), SPEC, 201)
    assert second["version"] == 2  # a new version of the same reference


async def test_an_objection_withdraws_and_nothing_is_published(api: Api) -> None:
    spec = await api.call("POST", "/v1/specifications", desk("NLD"), SPEC, 201)
    path = f"/v1/specifications/{spec['id']}/positions"
    await api.call("POST", path, desk("DEU"), {"position": "object"}, 422)  # a reason is required
    out = await api.call("POST", path, desk("DEU"), {"position": "object", "reason": "own certification"})
    assert out["status"] == "withdrawn" and out["positions"]["DEU"]["reason"] == "own certification"
    assert await api.events("contracts.specification.harmonised") == []


async def test_specifications_are_seen_by_their_nations_and_harmonised_ones_by_industry(api: Api) -> None:
    spec = await api.call("POST", "/v1/specifications", desk("NLD"), SPEC, 201)
    await api.call("POST", "/v1/specifications", desk("FRA"), SPEC, 403)  # FRA does not take part
    await api.call("GET", f"/v1/specifications/{spec['id']}", desk("FRA"), expect=404)
    await api.call("GET", f"/v1/specifications/{spec['id']}", industry("NAMMO"), expect=404)  # not yet harmonised
    assert (await api.call("GET", "/v1/specifications", desk("FRA")))["items"] == []
    assert (await api.call("GET", "/v1/specifications", industry("NAMMO")))["items"] == []  # not yet harmonised
    assert [s["id"] for s in (await api.call("GET", "/v1/specifications", desk("DEU")))["items"]] == [spec["id"]]
    for nation in ("NLD", "DEU", "CZE"):
        await api.call("POST", f"/v1/specifications/{spec['id']}/positions", desk(nation), {"position": "agree"})
    await api.call("GET", f"/v1/specifications/{spec['id']}", industry("NAMMO"))
    harmonised = await api.call("GET", "/v1/specifications", industry("NAMMO"))
    assert ([s["status"] for s in harmonised["items"]], harmonised["total"]) == (["harmonised"], 1)
    assert (await api.call("GET", "/v1/specifications", desk("FRA")))["items"] == []  # still not its own
    deviations = await api.call("GET", f"/v1/specifications/{spec['id']}/deviations", industry("NAMMO"))
    assert [d["nation"] for d in deviations["items"]] == ["DEU"]
    await api.call("GET", f"/v1/specifications/{spec['id']}/deviations", desk("FRA"), expect=404)
