"""Contracts keep the demand service's need-to-know: a desk sees its own lines, lots,
call-offs and change-log entries and its partners' totals only (total quantity, nations,
their number); the lead, its coordinator, the contracted supplier and admin see all.
Coordinators see what they lead, not everything."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from contracts.service_layer.frameworks import accede_to_framework, create_framework_for_commitment
from tests.contracts.events import accession, framework_committed
from tests.contracts.integration.conftest import ADMIN, Api
from tests.contracts.integration.test_api_deliveries_reports import signed_contract
from tests.support.api import coordinator, desk, industry
from tests.support.today import TODAY

LATER = (TODAY + timedelta(days=90)).isoformat()


async def test_a_desk_sees_its_own_line_of_a_joint_contract_and_its_partners_totals(api: Api) -> None:
    contract_id, _ = await signed_contract(api)  # CZE for NLD 10,000 and DNK 5,000, signed with NAMMO
    plan = {"lots": [{"nation": "NLD", "quantity": 10, "due_date": LATER},
                     {"nation": "DNK", "quantity": 20, "due_date": LATER}]}  # fmt: skip
    await api.call("POST", f"/v1/contracts/{contract_id}/lots", coordinator("CZE"), plan, 201)
    views = [
        await api.call("GET", f"/v1/contracts/{contract_id}", desk("DNK")),
        await api.call("GET", "/v1/joint-orders/bundle-155/contract", desk("DNK")),
        *await api.call("GET", "/v1/joint-orders/bundle-155/contracts", desk("DNK")),
        *(await api.call("GET", "/v1/contracts", desk("DNK")))["items"],
    ]
    for seen in views:
        assert seen["lines"] == [
            {"nation": "DNK", "quantity": 5_000, "ukraine_quantity": 0, "own_forces_quantity": 5_000}
        ]
        assert (seen["total_quantity"], seen["nations"], seen["nation_count"]) == (15_000, ["DNK", "NLD"], 2)
        assert "NLD" not in str(seen["lines"]) and "change_log" not in seen
    log = await api.call("GET", f"/v1/contracts/{contract_id}/change-log", desk("DNK"))
    assert log["total"] == 3 and "10000" not in str(log)  # created, signed, the local production bound: the whole's
    lots = await api.call("GET", f"/v1/contracts/{contract_id}/lots", desk("DNK"))
    assert ([lot["nation"] for lot in lots["items"]], lots["total"]) == (["DNK"], 1)

    for everything in (coordinator("CZE"), desk("CZE"), industry("NAMMO"), ADMIN):
        seen = await api.call("GET", f"/v1/contracts/{contract_id}", everything)
        assert [x["nation"] for x in seen["lines"]] == ["DNK", "NLD"]
    await api.call("GET", f"/v1/contracts/{contract_id}", coordinator("NSPA"), expect=404)  # not its contract
    assert (await api.call("GET", "/v1/contracts", coordinator("NSPA")))["items"] == []
    await api.call("GET", f"/v1/contracts/{contract_id}/lots", coordinator("NSPA"), expect=404)
    await api.call("GET", f"/v1/contracts/{contract_id}/change-log", coordinator("NSPA"), expect=404)


async def test_a_desk_sees_its_own_share_call_offs_and_log_entries_of_a_framework(api: Api) -> None:
    framework_id = await create_framework_for_commitment(framework_committed(), api.service.uow())
    path = f"/v1/frameworks/{framework_id}"
    await api.call("PUT", f"{path}/settings", desk("NLD"), {"accession_policy": "open"})
    for nation, quantity in (("NOR", 2), ("DNK", 3)):
        await accede_to_framework(accession(nation, quantity), api.service.uow())
    thales = await api.supplier("THALES-NL", "NLD")
    await api.call("POST", f"{path}/suppliers", desk("NLD"), {"supplier_id": thales["id"], "unit_price_eur": 1e6})
    for nation in ("NOR", "DNK"):
        await api.call("POST", f"{path}/call-offs", desk(nation),
                       {"item_code": "MMR", "quantity": 1, "delivery_due": LATER}, 201)  # fmt: skip

    async def seen(caller: dict[str, str]) -> list[Any]:
        """The framework, its call-offs, change log and requests to accede, as `caller` reads them."""
        parts = ("", "/call-offs", "/change-log", "/accessions")
        return [await api.call("GET", f"{path}{part}", caller) for part in parts]

    nor, call_offs, log, requests = await seen(desk("NOR"))
    assert nor["participants"] == {"NOR": 2} and nor["nations"] == ["DNK", "NLD", "NOR"] and nor["nation_count"] == 3
    assert nor["ceiling_quantity"] == 14 and [c["nation"] for c in call_offs["items"]] == ["NOR"]
    assert "DNK" not in str([log, call_offs, requests]) and log["total"] == len(log["items"])
    assert [r["nation"] for r in requests["items"]] == ["NOR"]
    assert (await api.call("GET", "/v1/frameworks", desk("NOR")))["items"][0]["participants"] == {"NOR": 2}

    lead, call_offs, log, requests = await seen(coordinator("NLD"))
    assert lead["participants"] == {"DNK": 3, "NLD": 9, "NOR": 2} and call_offs["total"] == 2
    assert any("DNK called off" in e["what"] for e in log["items"]) and requests["total"] == 2
    for part in ("", "/call-offs", "/change-log", "/accessions", "/ocds"):
        await api.call("GET", f"{path}{part}", coordinator("NSPA"), expect=404)


async def test_reports_follow_the_same_rule(api: Api) -> None:
    contract_id, _ = await signed_contract(api)
    plan = {"lots": [{"nation": "NLD", "quantity": 10, "due_date": LATER},
                     {"nation": "DNK", "quantity": 20, "due_date": LATER}]}  # fmt: skip
    await api.call("POST", f"/v1/contracts/{contract_id}/lots", coordinator("CZE"), plan, 201)
    assert (await api.call("GET", "/v1/reports/deliveries", coordinator("NSPA")))["items"] == []
    assert await api.call("GET", "/v1/reports/value-by-origin", coordinator("NSPA")) == {}
    assert [r["nation"] for r in (await api.call("GET", "/v1/reports/deliveries", desk("DNK")))["items"]] == ["DNK"]
    assert sorted(await api.call("GET", "/v1/reports/value-by-origin", coordinator("CZE"))) == ["DNK", "NLD"]
    assert (await api.call("GET", "/v1/reports/deliveries", coordinator("CZE")))["total"] == 2
    supplied = (await api.call("GET", "/v1/reports/deliveries", industry("NAMMO")))["items"]
    assert [r["nation"] for r in supplied] == ["DNK", "NLD"]
    assert (await api.call("GET", "/v1/reports/deliveries", industry("OTHERCO")))["items"] == []
