"""Who joins a framework and how much each may call off: a creator lists only its own
nation, the ceiling is the sum of the shares, other nations accede by their own request
and the lead approves or refuses it (unless it opened the framework), and a call-off
draws on the caller's own share unless the lead pools the shares."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bundling_shared.auth import Role
from contracts.service_layer.frameworks import accede_to_framework, create_framework_for_commitment
from tests.contracts.events import accession, framework_committed
from tests.contracts.integration.conftest import ADMIN, Api
from tests.support.api import bearer, coordinator, desk, industry
from tests.support.today import TODAY

DUE = (TODAY + timedelta(days=200)).isoformat()
FRAMEWORK: dict[str, Any] = {
    "item_code": "AMMO-155MM",
    "participants": {"NLD": 40_000},
    "ceiling_quantity": 40_000,
    "start": (TODAY - timedelta(days=1)).isoformat(),
    "end": (TODAY + timedelta(days=900)).isoformat(),
}


async def test_a_creator_lists_only_its_own_nation_and_the_ceiling_is_the_sum_of_the_shares(api: Api) -> None:
    refused = await api.call(
        "POST", "/v1/frameworks", desk("NLD"),
        {**FRAMEWORK, "participants": {"NLD": 40_000, "DEU": 60_000}, "ceiling_quantity": 100_000}, 422,
    )  # fmt: skip
    assert refused["errors"][0]["field"] == "body.participants" and "DEU" in refused["detail"]
    refused = await api.call("POST", "/v1/frameworks", desk("NLD"), {**FRAMEWORK, "ceiling_quantity": 100_000}, 422)
    assert refused["errors"][0]["field"] == "body.ceiling_quantity"
    await api.call("POST", "/v1/frameworks", desk("NLD"), {**FRAMEWORK, "participants": {"DEU": 40_000}}, 422)
    await api.call("POST", "/v1/frameworks", coordinator("NSPA"), FRAMEWORK, 422)  # an agency has no share
    created = await api.call("POST", "/v1/frameworks", bearer(Role.COORDINATOR, nation="NLD"), FRAMEWORK, 201)
    assert (created["participants"], created["ceiling_quantity"]) == ({"NLD": 40_000}, 40_000)
    assert created["accession_policy"] == "approval_required" and created["pooled_shares"] is False


async def committed_radar(api: Api) -> str:
    framework_id = await create_framework_for_commitment(framework_committed(), api.service.uow())
    assert framework_id is not None
    thales = await api.supplier("THALES-NL", "NLD")
    await api.call("POST", f"/v1/frameworks/{framework_id}/suppliers", desk("NLD"),
                   {"supplier_id": thales["id"], "unit_price_eur": 25_000_000})  # fmt: skip
    return framework_id


async def test_an_accession_waits_for_the_lead_who_approves_or_refuses_it(api: Api) -> None:
    framework_id = await committed_radar(api)
    path = f"/v1/frameworks/{framework_id}"
    assert await accede_to_framework(accession("NOR", 2), api.service.uow()) is True
    assert await accede_to_framework(accession("LTU", 1), api.service.uow()) is True
    assert await api.events("contracts.framework.acceded") == []  # nothing took effect
    lead = await api.call("GET", path, desk("NLD"))
    assert lead["participants"] == {"NLD": 9} and lead["ceiling_quantity"] == 9
    requests = (await api.call("GET", f"{path}/accessions", desk("NLD")))["items"]
    assert [(a["nation"], a["quantity"], a["status"]) for a in requests] == [
        ("NOR", 2, "pending"), ("LTU", 1, "pending")
    ]  # fmt: skip
    body = {"item_code": "MMR", "quantity": 1, "delivery_due": DUE}
    await api.call("POST", f"{path}/call-offs", desk("NOR"), body, 404)  # not a party yet

    for who, code in ((desk("NOR"), 404), (coordinator("NSPA"), 404), (industry("THALES-NL"), 403)):
        await api.call("POST", f"{path}/accessions/NOR/approve", who, expect=code)
    approved = await api.call("POST", f"{path}/accessions/NOR/approve", coordinator("NLD"))
    assert approved["participants"] == {"NLD": 9, "NOR": 2} and approved["ceiling_quantity"] == 11
    (event,) = await api.events("contracts.framework.acceded")
    assert (event["payload"]["nation"], event["payload"]["bundle_id"]) == ("NOR", "bundle-mmr")
    await api.call("POST", f"{path}/accessions/NOR/approve", desk("NLD"), expect=409)  # decided already

    refused = await api.call("POST", f"{path}/accessions/LTU/refuse", desk("NLD"), {"reason": "no budget cover"})
    assert "LTU" not in refused["participants"]
    decided = (await api.call("GET", f"{path}/accessions", desk("NLD")))["items"]
    assert [(a["nation"], a["status"], a["decided_by"], a["reason"]) for a in decided] == [
        ("NOR", "approved", "coordinator:NLD", ""), ("LTU", "refused", "nation_desk:NLD", "no budget cover"),
    ]  # fmt: skip
    (no,) = await api.events("contracts.framework.accession_refused")
    assert no["payload"] == {**no["payload"], "nation": "LTU", "bundle_id": "bundle-mmr", "reason": "no budget cover"}
    await api.call("POST", f"{path}/accessions/DNK/approve", desk("NLD"), expect=404)  # never asked


async def test_an_open_framework_takes_accessions_at_once(api: Api) -> None:
    framework_id = await committed_radar(api)
    path = f"/v1/frameworks/{framework_id}"
    await api.call("PUT", f"{path}/settings", desk("NOR"), {"accession_policy": "open"}, 404)
    opened = await api.call("PUT", f"{path}/settings", desk("NLD"), {"accession_policy": "open"})
    assert opened["accession_policy"] == "open"
    await accede_to_framework(accession("DNK", 2), api.service.uow())
    assert (await api.call("GET", path, desk("NLD")))["participants"] == {"DNK": 2, "NLD": 9}
    assert [e["payload"]["nation"] for e in await api.events("contracts.framework.acceded")] == ["DNK"]


async def test_a_call_off_draws_on_the_callers_own_share_unless_the_lead_pools_them(api: Api) -> None:
    framework_id = await committed_radar(api)
    path = f"/v1/frameworks/{framework_id}"
    await accede_to_framework(accession("NOR", 1), api.service.uow())
    await api.call("POST", f"{path}/accessions/NOR/approve", desk("NLD"))
    body = {"item_code": "MMR", "quantity": 5, "delivery_due": DUE}
    refused = await api.call("POST", f"{path}/call-offs", desk("NOR"), body, 422)
    assert refused["detail"] == "call-off of 5 exceeds NOR's remaining share of 1 items"
    await api.call("POST", f"{path}/call-offs", desk("NOR"), {**body, "quantity": 1}, 201)
    assert (await api.call("GET", path, desk("NOR")))["remaining_share"] == 0

    await api.call("PUT", f"{path}/settings", desk("NOR"), {"pooled_shares": True}, 403)
    pooled = await api.call("PUT", f"{path}/settings", desk("NLD"), {"pooled_shares": True})
    assert pooled["pooled_shares"] is True
    await api.call("POST", f"{path}/call-offs", desk("NOR"), body, 201)  # from the pool now
    refused = await api.call("POST", f"{path}/call-offs", desk("NLD"), body, 422)
    assert refused["detail"] == "call-off of 5 exceeds the remaining ceiling of 4 items"


async def test_a_nation_asks_to_accede_to_a_framework_made_here_and_the_lead_decides(api: Api) -> None:
    created = await api.call("POST", "/v1/frameworks", desk("NLD"), FRAMEWORK, 201)
    path = f"/v1/frameworks/{created['id']}/accessions"
    await api.call("POST", path, desk("DEU"), {"nation": "POL", "quantity": 10}, 404)  # not DEU's to ask
    await api.call("POST", path, desk("NLD"), {"nation": "POL", "quantity": 10}, 403)  # nor the lead's
    asked = await api.call("POST", path, desk("POL"), {"nation": "POL", "quantity": 10_000, "budget_eur": 4e7}, 202)
    assert (asked["nation"], asked["quantity"], asked["status"]) == ("POL", 10_000, "pending")
    await api.call("POST", path, desk("POL"), {"nation": "POL", "quantity": 1}, 409)  # asked already
    grown = await api.call("POST", f"/v1/frameworks/{created['id']}/accessions/POL/approve", ADMIN)
    assert (grown["participants"], grown["ceiling_quantity"]) == ({"NLD": 40_000, "POL": 10_000}, 50_000)
    again = await api.call("POST", path, desk("POL"), {"nation": "POL", "quantity": 1}, 409)  # in it already
    assert "already takes part" in again["detail"]

    bundled = await committed_radar(api)
    await api.call("POST", f"/v1/frameworks/{bundled}/accessions", desk("POL"), {"nation": "POL", "quantity": 1},
                   409)  # fmt: skip  # a bundle's framework takes accessions through the demand service
