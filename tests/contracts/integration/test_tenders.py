"""Tender discovery through HTTP: a procurement's offer deadline, the open tenders a company
may find and read without having bid, and the tender notice staged for the broker."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from contracts.service_layer.contracts import create_contract_for_joint_order
from tests.contracts.events import joint_order
from tests.contracts.integration.conftest import Api
from tests.contracts.integration.test_api_awards import EUROPEAN, PROCUREMENT
from tests.support.api import coordinator, desk, industry
from tests.support.today import TODAY

DUE = TODAY + timedelta(days=20)


async def tender_of_the_order(api: Api, **terms: Any) -> dict[str, Any]:
    """The 155 mm joint order (CZE lead; NLD 10,000, DNK 5,000) tendered by Czechia."""
    await create_contract_for_joint_order(joint_order(), api.service.uow())
    opened: dict[str, Any] = await api.call("POST", "/v1/procurements", desk("CZE"), {**PROCUREMENT, **terms}, 201)
    return opened


async def test_offers_are_due_forty_days_after_the_tender_opens_unless_the_buyer_says_otherwise(api: Api) -> None:
    opened = await tender_of_the_order(api, offers_due=None)
    assert opened["offers_due"] == (TODAY + timedelta(days=api.service.settings.offer_days)).isoformat()
    assert api.service.settings.offer_days == 40
    named = await api.call("POST", "/v1/procurements", desk("CZE"), {**PROCUREMENT, "offers_due": DUE.isoformat()}, 201)
    assert named["offers_due"] == DUE.isoformat()
    for due, rule in (
        (TODAY - timedelta(days=1), "offers_due_past"),
        (TODAY + timedelta(days=367), "offers_due_too_far"),
    ):
        body = {**PROCUREMENT, "offers_due": due.isoformat()}
        refused = await api.call("POST", "/v1/procurements", desk("CZE"), body, 422)
        assert [(e["field"], e["rule"]) for e in refused["errors"]] == [("body.offers_due", rule)]


async def test_no_offer_after_the_deadline_and_no_award_before_it(api: Api) -> None:
    opened = await tender_of_the_order(api, offers_due=DUE.isoformat())
    path = f"/v1/procurements/{opened['id']}"
    for org, country in (("NAMMO", "NOR"), ("LATECO", "DEU")):
        await api.supplier(org, country)
    api.on(DUE)  # the day offers are due still takes them
    await api.call("POST", f"{path}/offers", industry("NAMMO"), EUROPEAN, 201)
    early = await api.call("POST", f"{path}/award", desk("CZE"), expect=409)
    assert [(e["field"], e["rule"]) for e in early["errors"]] == [("path.procurement_id", "offers_still_open")]
    api.on(DUE + timedelta(days=1))
    late = await api.call("POST", f"{path}/offers", industry("LATECO"), EUROPEAN, 409)
    assert late["type"] == "conflict" and late["errors"][0]["rule"] == "offers_closed"
    awarded = await api.call("POST", f"{path}/award", desk("CZE"))
    assert awarded["awarded_supplier"] == "NAMMO"


async def test_a_company_that_has_not_bid_finds_open_tenders_of_its_categories_and_reads_their_notice(
    api: Api,
) -> None:
    ammo = await tender_of_the_order(api, offers_due=DUE.isoformat())
    radar = await api.call(
        "POST", "/v1/procurements", desk("NLD"),
        {**PROCUREMENT, "item_code": "MMR-RADAR", "nations": ["NLD"], "quantity": 3, "bundle_id": None,
         "offers_due": (TODAY + timedelta(days=10)).isoformat()},
        201,
    )  # fmt: skip
    stranger = industry("THALES")  # not registered, no offer made: it may still read notices

    listed = await api.call("GET", "/v1/tenders", stranger)
    assert [t["procurement_id"] for t in listed["items"]] == [radar["id"], ammo["id"]]  # soonest due first
    assert listed["total"] == 2
    ammo_only = await api.call("GET", "/v1/tenders?category=ammo", stranger)
    assert [t["procurement_id"] for t in ammo_only["items"]] == [ammo["id"]]
    by_code = await api.call("GET", "/v1/tenders?item_code=MMR-RADAR", stranger)
    assert [t["procurement_id"] for t in by_code["items"]] == [radar["id"]]
    assert (await api.call("GET", "/v1/tenders?category=MISSILE", stranger))["total"] == 0
    await api.call("GET", "/v1/tenders?category=AM%25", stranger, expect=422)  # no wildcard

    notice = await api.call("GET", f"/v1/tenders/{ammo['id']}", stranger)
    assert notice == listed["items"][1]
    assert (notice["item_code"], notice["category"], notice["contracting_authority"]) == ("AMMO-155MM", "AMMO", "CZE")
    assert (notice["quantity"], notice["nation_count"], notice["offers_due"]) == (15_000, 2, DUE.isoformat())
    assert notice["delivery_window"] == {"start": "2025-01-01", "end": "2028-12-31"}
    assert notice["weights"] == PROCUREMENT["weights"] and notice["funding_instrument"] == "EDIP"
    # need-to-know: the nations are counted, not named, and no nation's quantity is told
    assert not {"NLD", "DNK", "10000", "5000"} & set(str(notice).replace("'", " ").split())
    assert "nations" not in notice and "buyer_nation" not in notice
    # the procurement itself stays with those who have a part in it
    await api.call("GET", f"/v1/procurements/{ammo['id']}", stranger, expect=404)

    api.on(TODAY + timedelta(days=11))  # the radar's offers were due yesterday
    assert [t["procurement_id"] for t in (await api.call("GET", "/v1/tenders", stranger))["items"]] == [ammo["id"]]
    await api.call("GET", f"/v1/tenders/{radar['id']}", stranger, expect=404)


async def test_the_nations_read_their_procurements_not_the_notices(api: Api) -> None:
    ammo = await tender_of_the_order(api, offers_due=DUE.isoformat())
    await api.call("GET", "/v1/tenders", desk("NLD"), expect=403)
    await api.call("GET", "/v1/tenders", coordinator("CZE"), expect=403)
    await api.call("GET", f"/v1/tenders/{ammo['id']}", desk("CZE"), expect=403)  # it sees the procurement
    await api.call("GET", f"/v1/tenders/{ammo['id']}", desk("POL"), expect=404)  # it does not


async def test_the_tender_notice_is_published_without_the_nations_or_their_quantities(api: Api) -> None:
    ammo = await tender_of_the_order(api, offers_due=DUE.isoformat())
    (event,) = await api.events("contracts.procurement.opened")
    payload = event["payload"]
    assert event["aggregate_id"] == ammo["id"] and event["schema_version"] == 1
    assert (payload["procurement_id"], payload["item_code"], payload["quantity"]) == (ammo["id"], "AMMO-155MM", 15_000)
    assert (payload["nation_count"], payload["offers_due"], payload["contracting_authority"]) == (
        2,
        DUE.isoformat(),
        "CZE",
    )
    assert "NLD" not in str(payload) and "DNK" not in str(payload)
