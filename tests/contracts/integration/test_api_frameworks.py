"""Framework contracts from committed bundles and through HTTP: accession, call-offs within
the ceiling, mini-competitions, the change log, end-date warnings and need-to-know."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from contracts.service_layer.frameworks import accede_to_framework, create_framework_for_commitment
from contracts.service_layer.specifications import propose_harmonisation
from tests.contracts.events import accession, framework_committed, harmonisation
from tests.contracts.integration.conftest import Api
from tests.support.api import coordinator, desk, industry
from tests.support.today import TODAY

DUE = (TODAY + timedelta(days=200)).isoformat()
AFTER_DUE = (TODAY + timedelta(days=300)).isoformat()


async def radar_framework(api: Api) -> tuple[str, str]:
    """The Multi Mission Radar contract of the Netherlands, Thales as supplier."""
    framework_id = await create_framework_for_commitment(framework_committed(), api.service.uow())
    assert framework_id is not None
    thales = await api.supplier("THALES-NL", "NLD")
    await api.call(
        "POST", f"/v1/frameworks/{framework_id}/suppliers", desk("NLD"),
        {"supplier_id": thales["id"], "unit_price_eur": 25_000_000},
    )  # fmt: skip
    return framework_id, thales["id"]


async def test_a_committed_framework_once_whatever_is_redelivered_and_accessions_grow_it(api: Api) -> None:
    event = framework_committed()
    first = await create_framework_for_commitment(event, api.service.uow())
    assert await create_framework_for_commitment(event, api.service.uow()) is None
    assert await create_framework_for_commitment(framework_committed(), api.service.uow()) == first
    assert len(await api.events("contracts.framework.created")) == 1

    for nation, quantity in (("NOR", 2), ("DNK", 2), ("LTU", 1)):
        joined = accession(nation, quantity)
        assert await accede_to_framework(joined, api.service.uow()) is True
        assert await accede_to_framework(joined, api.service.uow()) is False  # redelivered
        await api.call("POST", f"/v1/frameworks/{first}/accessions/{nation}/approve", desk("NLD"))
    framework = await api.call("GET", f"/v1/frameworks/{first}", desk("NLD"))
    assert framework["participants"] == {"DNK": 2, "LTU": 1, "NLD": 9, "NOR": 2}
    assert framework["ceiling_quantity"] == 14
    assert [e["payload"]["nation"] for e in await api.events("contracts.framework.acceded")] == ["NOR", "DNK", "LTU"]
    log = await api.call("GET", f"/v1/frameworks/{first}/change-log?limit=4&offset=8", desk("NLD"))
    assert log["total"] == 1 + 3 * 3  # created; each asked, acceded, and the new count
    assert [e["what"] for e in log["items"]] == ["LTU acceded with 1 items", "a nation acceded; 4 nations take part"]
    requests = await api.call("GET", f"/v1/frameworks/{first}/accessions", desk("NLD"))
    assert [(r["nation"], r["status"]) for r in requests["items"]] == [
        ("NOR", "approved"), ("DNK", "approved"), ("LTU", "approved"),
    ]  # fmt: skip

    # what a rule refuses is refused with its reason (tests/contracts/test_commitments_not_contracted.py)
    assert await accede_to_framework(accession("NOR", 1), api.service.uow()) is False
    (refused,) = await api.events("contracts.framework.accession_refused")
    assert "already takes part" in refused["payload"]["reason"]


async def test_parties_call_off_within_the_ceiling_and_the_supplier_hears_of_it(api: Api) -> None:
    framework_id, thales = await radar_framework(api)
    await accede_to_framework(accession("NOR", 2), api.service.uow())
    await api.call("POST", f"/v1/frameworks/{framework_id}/accessions/NOR/approve", desk("NLD"))
    path = f"/v1/frameworks/{framework_id}/call-offs"
    body: dict[str, Any] = {"item_code": "MMR", "quantity": 2, "delivery_due": DUE}

    placed = await api.call("POST", path, desk("NOR"), body, 201)
    assert (placed["supplier_id"], placed["mode"], placed["unit_price_eur"]) == (thales, "direct", "25000000.00")
    (event,) = await api.events("contracts.call_off.placed")
    assert event["payload"]["supplier_organisation"] == "THALES-NL" and event["payload"]["nation"] == "NOR"

    await api.call("POST", path, desk("DNK"), body, 404)  # not a party: the framework does not exist for it
    await api.call("POST", path, coordinator("NLD"), body, 403)  # a party calls off through its own desk
    await api.call("POST", path, coordinator(), body, 404)  # a coordinator that does not lead it
    refused = await api.call("POST", path, desk("NLD"), {**body, "quantity": 10}, 422)
    assert refused["detail"] == "call-off of 10 exceeds NLD's remaining share of 9 items"
    refused = await api.call("POST", path, desk("NLD"), {**body, "item_code": "PATRIOT"}, 422)
    assert "not an item of framework" in refused["detail"]
    await api.call("POST", path, desk("NLD"), {**body, "quantity": 0}, 422)
    beyond_the_term = (TODAY + timedelta(days=5 * 365)).isoformat()
    await api.call("POST", path, desk("NLD"), {**body, "delivery_due": beyond_the_term}, 422)

    framework = await api.call("GET", f"/v1/frameworks/{framework_id}", desk("NLD"))
    assert framework["remaining_quantity"] == 9
    assert not {"call_offs", "change_log", "accession_requests"} & set(framework), "lists of their own"
    share = await api.call("GET", f"/v1/frameworks/{framework_id}", desk("NOR"))
    assert (share["participants"], share["remaining_share"], share["remaining_quantity"]) == ({"NOR": 2}, 0, 9)
    log = await api.call("GET", f"/v1/frameworks/{framework_id}/change-log", desk("NLD"))
    assert "NOR called off 2 MMR" in log["items"][-1]["what"] and log["total"] == len(log["items"])


async def test_a_mini_competition_among_the_framework_suppliers(api: Api) -> None:
    framework_id, thales = await radar_framework(api)
    other = (await api.supplier("SAAB", "SWE"))["id"]
    await api.call("POST", f"/v1/frameworks/{framework_id}/suppliers", desk("NLD"), {"supplier_id": other})
    path = f"/v1/frameworks/{framework_id}/call-offs"
    body: dict[str, Any] = {"item_code": "MMR", "quantity": 1, "delivery_due": DUE}
    await api.call("POST", path, desk("NLD"), body, 422)  # two suppliers: name one or compete
    bids = [
        {"supplier_id": thales, "unit_price_eur": 24_000_000, "delivery_date": DUE},
        {"supplier_id": other, "unit_price_eur": 23_000_000, "delivery_date": AFTER_DUE},  # too late
    ]
    placed = await api.call("POST", path, desk("NLD"), {**body, "bids": bids}, 201)
    assert (placed["mode"], placed["supplier_id"]) == ("mini_competition", thales)
    assert placed["unit_price_eur"] == "24000000.00"


async def test_only_cleared_suppliers_join_a_framework(api: Api) -> None:
    framework_id = await create_framework_for_commitment(framework_committed(), api.service.uow())
    lapsed = await api.supplier("LAPSED", "NLD", valid_until=TODAY - timedelta(days=1))
    refused = await api.call(
        "POST", f"/v1/frameworks/{framework_id}/suppliers", desk("NLD"), {"supplier_id": lapsed["id"]}, 422
    )
    assert "expired" in refused["detail"]
    await api.call("POST", f"/v1/frameworks/{framework_id}/suppliers", desk("NOR"), {"supplier_id": "x"}, 404)


async def test_frameworks_through_http_with_accession_and_end_date_warning(api: Api) -> None:
    nammo = await api.supplier("NAMMO", "NOR")
    body = {
        "item_code": "AMMO-155MM",
        "participants": {"NLD": 100_000},
        "ceiling_quantity": 100_000,
        "ceiling_value_eur": 400_000_000,
        "start": "2025-01-01",
        "end": (TODAY + timedelta(days=400)).isoformat(),
        "suppliers": {nammo["id"]: 4_000},
    }
    created = await api.call("POST", "/v1/frameworks", desk("NLD"), body, 201)
    assert created["end_date_warning"].startswith("expires on")  # within the default widest horizon, five years
    (event,) = await api.events("contracts.framework.created")
    assert event["payload"]["supplier_organisations"] == ["NAMMO"]
    await api.call("POST", "/v1/frameworks", desk("NLD"), {**body, "end": "2024-01-01"}, 422)
    await api.call("POST", "/v1/frameworks", industry("NAMMO"), body, 403)

    path = f"/v1/frameworks/{created['id']}/accessions"
    await api.call("POST", path, desk("DEU"), {"nation": "POL", "quantity": 10}, 404)  # a nation asks for itself
    await api.call("POST", path, desk("POL"), {"nation": "POL", "quantity": 10_000, "budget_eur": 4e7}, 202)
    await api.call("POST", f"{path}/POL/approve", desk("DEU"), expect=404)  # only the authority admits
    grown = await api.call("POST", f"{path}/POL/approve", desk("NLD"))
    assert (grown["ceiling_quantity"], grown["ceiling_value_eur"]) == (110_000, "440000000.00")
    await api.call("POST", path, desk("POL"), {"nation": "POL", "quantity": 1}, 409)  # already in


async def test_need_to_know_on_frameworks_and_call_offs(api: Api) -> None:
    framework_id, _ = await radar_framework(api)
    await api.call("PUT", f"/v1/frameworks/{framework_id}/settings", desk("NLD"), {"accession_policy": "open"})
    await accede_to_framework(accession("NOR", 2), api.service.uow())
    await accede_to_framework(accession("DNK", 2), api.service.uow())
    body = {"item_code": "MMR", "quantity": 1, "delivery_due": DUE}
    for nation in ("NOR", "DNK"):
        await api.call("POST", f"/v1/frameworks/{framework_id}/call-offs", desk(nation), body, 201)
    path = f"/v1/frameworks/{framework_id}"

    placed = f"{path}/call-offs"
    assert [c["nation"] for c in (await api.call("GET", placed, desk("NOR")))["items"]] == ["NOR"]
    assert (await api.call("GET", placed, desk("NLD")))["total"] == 2  # the contracting authority
    assert (await api.call("GET", placed, industry("THALES-NL")))["total"] == 2  # its supplier
    for hidden in (path, placed, f"{path}/change-log", f"{path}/accessions"):
        await api.call("GET", hidden, desk("DEU"), expect=404)
        await api.call("GET", hidden, industry("SAAB"), expect=404)
    assert (await api.call("GET", "/v1/frameworks", desk("DEU")))["items"] == []
    listed = await api.call("GET", "/v1/frameworks", desk("DNK"))
    assert listed["total"] == 1 and listed["items"][0]["participants"] == {"DNK": 2}
    assert (await api.call("GET", f"{path}/accessions", industry("THALES-NL")))["items"] == []
    assert [r["nation"] for r in (await api.call("GET", f"{path}/accessions", desk("DNK")))["items"]] == ["DNK"]
    # a nation may ask for itself; a bundle's framework takes accessions through the demand service
    await api.call("POST", f"{path}/accessions", desk("DEU"), {"nation": "DEU", "quantity": 1}, 409)
    await api.call("POST", f"{path}/suppliers", industry("SAAB"), {"supplier_id": "x"}, 404)


async def test_a_harmonisation_proposal_starts_the_workflow_once(api: Api) -> None:
    event = harmonisation(["NLD", "DEU"])
    spec_id = await propose_harmonisation(event, api.service.uow())
    assert await propose_harmonisation(event, api.service.uow()) is None
    spec = await api.call("GET", f"/v1/specifications/{spec_id}", desk("DEU"))
    assert (spec["reference"], spec["version"], spec["status"]) == ("SPEC-155MM-NATO", 1, "proposed")
    deviations = await api.call("GET", f"/v1/specifications/{spec_id}/deviations", desk("DEU"))
    assert deviations["items"] == [{"nation": "NLD", "description": "charge system", "compatible": False}]
    again = await propose_harmonisation(harmonisation(["NLD", "DEU"]), api.service.uow())
    assert (await api.call("GET", f"/v1/specifications/{again}", desk("NLD")))["version"] == 2
    assert await propose_harmonisation(harmonisation([], ref=None), api.service.uow()) is None
