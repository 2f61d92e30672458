"""Need-to-know where the service computes rather than loads: the what-if preview of a
bundle the desk is not in, and the opportunity notice industry learns of, give totals and
nation counts only, never the participants' codes nor the ids of bundles it is not in."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bundling_shared.events.demand import BundleOpenedV1
from tests.demand.helpers import aggregate_all, lead, need_body, outbox_events
from tests.demand.integration.test_bundles_api import SOON, Demand, bundles, register
from tests.support.api import coordinator, desk

# With DNK, two EU member states and two allies outside the EU and the EEA: one short of
# EDIP's three, whose reason could list them.
OTHERS = ("DEU", "GBR", "USA")
LATE = {"start": "2030-01-01", "end": "2031-12-31"}
LATER = {"start": "2035-01-01", "end": "2036-12-31"}


@pytest.fixture
async def two_bundles(demand: Demand) -> dict[str, Any]:
    """An older bundle of POL alone (a late window: DNK's need passes it over), then one of
    DEU, GBR and USA, which DNK's need would join."""
    service, client = demand
    await register(client, "POL", delivery_window=LATE)
    for nation in OTHERS:
        await register(client, nation)
    await aggregate_all(service)
    found = {tuple(b["nations"]): b for b in await bundles(client, item_code="AMMO-155MM")}
    return {"older": found[("POL",)], "joint": found[OTHERS]}


def _funding(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f["instrument"]: f for f in body["funding"]}


async def test_the_preview_of_a_bundle_the_desk_is_not_in_names_no_nation_and_no_bundle(
    demand: Demand, two_bundles: dict[str, Any]
) -> None:
    _, client = demand
    hidden = [two_bundles["older"]["id"], two_bundles["joint"]["id"], *OTHERS, "POL"]

    joining = await client.post("/v1/needs/preview", json=need_body("DNK", 30), headers=desk("DNK"))
    assert joining.status_code == 200, joining.text
    assert [x for x in hidden if x in joining.text] == []
    body = joining.json()
    assert body["joins_existing"] and body["would_join"] is None
    assert body["nation_count"] == 4 and body["total_quantity"] == 330
    edip = _funding(body)["EDIP"]
    assert not edip["qualifies"] and "has 2," in edip["reason"] and "1 more needed" in edip["reason"]
    (passed,) = body["passed_over"]
    assert "an older bundle" in passed and "does not overlap" in passed

    apart = await client.post(
        "/v1/needs/preview", json=need_body("DNK", 30, delivery_window=LATER), headers=desk("DNK")
    )
    assert [x for x in hidden if x in apart.text] == []
    body = apart.json()
    assert not body["joins_existing"] and len(body["passed_over"]) == 2
    assert body["reason"].startswith("new bundle") and "an older bundle" in body["reason"]


async def test_a_desk_in_the_bundle_and_a_coordinator_still_see_its_nations_and_id(
    demand: Demand, two_bundles: dict[str, Any]
) -> None:
    _, client = demand
    joint, older = two_bundles["joint"], two_bundles["older"]
    own = (await client.post("/v1/needs/preview", json=need_body("DEU", 30), headers=desk("DEU"))).json()
    assert own["would_join"] == joint["id"]
    assert "has 1 (DEU)," in _funding(own)["EDIP"]["reason"]  # its own bundle's nations
    assert older["id"] not in json.dumps(own)  # POL's bundle it is not in
    for headers in (desk("GBR"), await lead(client, joint["id"])):
        seen = (await client.get(f"/v1/bundles/{joint['id']}", headers=headers)).json()
        assert "has 1 (DEU)," in _funding(seen)["EDIP"]["reason"]


async def test_the_opened_bundle_event_names_the_nations_only_as_those_asked_to_confirm(demand: Demand) -> None:
    service, client = demand
    nations = ("CZE", "DEU", "NLD")  # three EU member states: EDIP and SAFE (EDIRPA ended in 2025)
    for nation, quantity in zip(nations, (100, 200, 300), strict=True):
        await register(client, nation, quantity)
    await aggregate_all(service)
    (bundle,) = await bundles(client)
    bid = bundle["id"]
    # The lead is named on purpose (by default the largest share); an agency keeps it out of the way.
    assert (
        await client.post(f"/v1/bundles/{bid}/lead", json={"lead": "NSPA"}, headers=await lead(client, bid))
    ).is_success
    opened = await client.post(f"/v1/bundles/{bid}/open", json={"deadline": SOON}, headers=coordinator("NSPA"))
    assert opened.status_code == 200, opened.text

    (notice,) = await outbox_events(service, "demand.bundle.opened")
    event = BundleOpenedV1.model_validate(notice)  # the schema is unchanged
    funding = {f.instrument: f for f in event.payload.funding}
    assert sorted(funding) == ["EDIP", "SAFE"] and funding["EDIP"].qualifies and funding["SAFE"].qualifies
    assert "3 EU member states or EEA-EFTA states take part" in funding["EDIP"].reason
    assert event.payload.nation_count == 3 and event.payload.total_quantity == 600
    # named once, as the desks asked to confirm (notifications tells them, never industry), and nowhere else
    assert event.payload.nations == sorted(nations)
    text = json.dumps({**notice, "payload": {k: v for k, v in notice["payload"].items() if k != "nations"}})
    assert [n for n in nations if n in text] == []
