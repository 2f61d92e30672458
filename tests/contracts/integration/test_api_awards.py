"""Offers, the weighing, award and signing through HTTP: the ranking and its reasons for
the contracting authority only, the award as an event, the standstill before signing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from contracts.service_layer.contracts import create_contract_for_joint_order
from tests.contracts.events import joint_order
from tests.contracts.integration.conftest import Api
from tests.support.api import coordinator, desk, industry
from tests.support.today import TODAY

AWARD_DAY = TODAY + timedelta(days=1)
"""Offers are due by the end of `TODAY`: the award follows the next day."""

PROCUREMENT = {
    "item_code": "AMMO-155MM",
    "buyer_nation": "NLD",
    "nations": ["NLD", "DNK"],
    "quantity": 15_000,
    "tender_date": TODAY.isoformat(),
    "weights": {"price": 40, "delivery": 25, "origin": 25, "industrial_participation": 10},
    "quality_gates": ["STANAG 4425 qualified"],
    "funding_instrument": "EDIP",
    "standstill_days": 10,
    "offers_due": TODAY.isoformat(),
    "bundle_id": "bundle-155",
}


def offer(
    price: float, first_delivery_months: int, rate: int, origin: str, eu: float, non_assoc: float
) -> dict[str, Any]:
    return {
        "unit_price_eur": price,
        "first_delivery": (TODAY + timedelta(days=30 * first_delivery_months)).isoformat(),
        "monthly_rate": rate,
        "origin_country": origin,
        "eu_component_share": eu,
        "non_associated_component_share": non_assoc,
        "local_production": {"NLD": 0.3},
        "licence_transfer": origin == "NOR",
        "national_supplier_role": origin == "NOR",
        "quality_gates": {"STANAG 4425 qualified": True},
    }


EUROPEAN = offer(4_000, 3, 5_000, "NOR", 0.9, 0.05)
CHEAPER_ABROAD = offer(3_100, 14, 1_500, "USA", 0.2, 0.3)
NON_ASSOCIATED = offer(2_500, 2, 9_000, "KOR", 0.1, 0.9)


async def tendered(api: Api) -> tuple[str, dict[str, str]]:
    """The 155 mm joint order (CZE lead for NLD and DNK) tendered by Czechia."""
    await create_contract_for_joint_order(joint_order(), api.service.uow())
    ids = {}
    for org, country in (("NAMMO", "NOR"), ("GLOBALARMS", "USA"), ("FARCO", "KOR")):
        ids[org] = (await api.supplier(org, country))["id"]
    procurement = await api.call("POST", "/v1/procurements", desk("CZE"), PROCUREMENT, 201)
    path = f"/v1/procurements/{procurement['id']}/offers"
    made = [
        await api.call("POST", path, industry(org), body, 201)
        for org, body in (("NAMMO", EUROPEAN), ("GLOBALARMS", CHEAPER_ABROAD), ("FARCO", NON_ASSOCIATED))
    ]
    # listed as plain rows, each offer as its bidder was answered (the aggregate's); the
    # clock stands still here, so offers that came at one moment are listed by their ids
    assert (await api.call("GET", path, desk("CZE")))["items"] == sorted(made, key=lambda offer: offer["id"])
    assert (await api.call("GET", path, industry("FARCO")))["items"] == made[2:]
    api.on(AWARD_DAY)
    return procurement["id"], ids


async def test_a_cheaper_offer_from_outside_europe_loses_on_origin_and_delivery_and_is_told_why(api: Api) -> None:
    procurement_id, ids = await tendered(api)
    awarded = await api.call("POST", f"/v1/procurements/{procurement_id}/award", desk("CZE"))
    assert awarded["status"] == "standstill" and awarded["awarded_supplier"] == "NAMMO"
    evaluation = await api.call("GET", f"/v1/procurements/{procurement_id}/evaluation", desk("CZE"))
    assert evaluation["total"] == 3
    ranking = {e["supplier_organisation"]: e for e in evaluation["items"]}
    assert ranking["NAMMO"]["rank"] == 1 and ranking["GLOBALARMS"]["rank"] == 2
    loser = ranking["GLOBALARMS"]
    assert loser["scores"]["price"] == 100.0 > ranking["NAMMO"]["scores"]["price"]
    assert "; loses on delivery (-" in loser["why"] and "origin (-" in loser["why"]
    assert "ahead on price (+" in loser["why"]
    assert not ranking["FARCO"]["eligible"] and "EDIP allows at most 35%" in ranking["FARCO"]["why"]

    (event,) = await api.events("contracts.award.decided")
    assert event["payload"]["supplier_organisation"] == "NAMMO"
    assert event["payload"]["standstill_until"] == (AWARD_DAY + timedelta(days=10)).isoformat()
    assert event["payload"]["summary"].startswith("ranked 1 of 2")
    assert "3100" not in str(event) and "GLOBALARMS" not in str(event)  # losers stay inside

    await api.call("POST", f"/v1/procurements/{procurement_id}/award", desk("CZE"), expect=409)  # once only
    await api.call("POST", f"/v1/procurements/{procurement_id}/offers", industry("NAMMO"), EUROPEAN, 422)  # closed
    assert evaluation["items"][0]["supplier_id"] == ids["NAMMO"]


async def test_competing_prices_and_scores_are_for_the_contracting_authority_only(api: Api) -> None:
    procurement_id, ids = await tendered(api)
    await api.call("POST", f"/v1/procurements/{procurement_id}/award", desk("CZE"))
    path = f"/v1/procurements/{procurement_id}"

    async def seen(caller: dict[str, str]) -> list[Any]:
        """The procurement, its offers and its ranking, as `caller` reads them."""
        return [await api.call("GET", f"{path}{part}", caller) for part in ("", "/offers", "/evaluation")]

    _, offers, evaluation = await seen(desk("CZE"))
    assert (offers["total"], evaluation["total"]) == (3, 3)
    assert {o["supplier_id"] for o in offers["items"]} == set(ids.values())
    assert all(e["why"] for e in evaluation["items"])

    bidder, offers, evaluation = await seen(industry("GLOBALARMS"))
    assert [o["supplier_id"] for o in offers["items"]] == [ids["GLOBALARMS"]] and offers["total"] == 1
    assert [e["supplier_id"] for e in evaluation["items"]] == [ids["GLOBALARMS"]] and evaluation["total"] == 1
    assert evaluation["items"][0]["why"] is None and "4000" not in str([bidder, offers, evaluation])

    partner, offers, evaluation = await seen(desk("DNK"))  # a participating nation: the outcome only
    assert offers["items"] == evaluation["items"] == [] and partner["awarded_supplier"] == "NAMMO"
    assert not {"offers", "evaluation"} & set(partner), "offers and ranking are lists of their own"

    for outsider in (desk("DEU"), industry("THALES"), coordinator("NSPA")):
        for part in ("", "/offers", "/evaluation"):
            await api.call("GET", f"{path}{part}", outsider, expect=404)
    await api.call("POST", f"{path}/award", desk("DNK"), expect=403)  # it sees the outcome, the lead awards
    await api.call("POST", f"{path}/sign", industry("NAMMO"), expect=403)
    await api.call("POST", f"{path}/sign", desk("DEU"), expect=404)


async def test_no_offer_and_no_award_without_a_valid_security_declaration(api: Api) -> None:
    await api.supplier("NODECL", "NLD", valid_until=None)
    await api.supplier("LAPSED", "NLD", valid_until=TODAY - timedelta(days=1))
    await create_contract_for_joint_order(joint_order(), api.service.uow())
    procurement = await api.call("POST", "/v1/procurements", desk("CZE"), PROCUREMENT, 201)
    path = f"/v1/procurements/{procurement['id']}/offers"
    refused = await api.call("POST", path, industry("NODECL"), EUROPEAN, 422)
    assert refused["detail"] == "supplier NODECL has no security declaration and may not make an offer"
    refused = await api.call("POST", path, industry("LAPSED"), EUROPEAN, 422)
    assert "expired on" in refused["detail"]
    refused = await api.call("POST", path, industry("UNKNOWN"), EUROPEAN, 422)
    assert "not a registered supplier" in refused["detail"]
    await api.call("POST", path, desk("NLD"), EUROPEAN, 403)

    # valid at the offer, withdrawn before the award: the award is refused
    winner = await api.supplier("NAMMO", "NOR")
    await api.call("POST", path, industry("NAMMO"), EUROPEAN, 201)
    api.on(AWARD_DAY)
    await api.call(
        "PUT", f"/v1/suppliers/{winner['id']}/security-declaration", coordinator(),
        {"security_declaration_valid_until": None},
    )  # fmt: skip
    refused = await api.call("POST", f"/v1/procurements/{procurement['id']}/award", desk("CZE"), expect=422)
    assert "may not be awarded" in refused["detail"]
    assert await api.events("contracts.award.decided") == []


async def test_signing_waits_for_the_standstill_then_the_joint_order_contract_gets_its_supplier(api: Api) -> None:
    contract_id = await create_contract_for_joint_order(joint_order(), api.service.uow())
    waiting = await api.call("POST", "/v1/procurements", desk("CZE"), {**PROCUREMENT, "standstill_days": 12}, 201)
    default = await api.call("POST", "/v1/procurements", desk("CZE"), {**PROCUREMENT, "standstill_days": None}, 201)
    assert default["standstill_days"] == api.service.settings.standstill_days
    nammo = await api.supplier("NAMMO", "NOR")
    await api.call("POST", f"/v1/procurements/{waiting['id']}/offers", industry("NAMMO"), EUROPEAN, 201)
    shortest = await api.call("POST", "/v1/procurements", desk("CZE"), PROCUREMENT, 201)
    await api.call("POST", f"/v1/procurements/{shortest['id']}/offers", industry("NAMMO"), EUROPEAN, 201)
    api.on(AWARD_DAY)
    awarded = await api.call("POST", f"/v1/procurements/{waiting['id']}/award", desk("CZE"))
    assert awarded["standstill_until"] == (AWARD_DAY + timedelta(days=12)).isoformat()
    refused = await api.call("POST", f"/v1/procurements/{waiting['id']}/sign", desk("CZE"), expect=422)
    assert "standstill period runs until" in refused["detail"]

    await api.call("POST", f"/v1/procurements/{shortest['id']}/award", desk("CZE"))
    api.on(AWARD_DAY + timedelta(days=11))
    signed = await api.call("POST", f"/v1/procurements/{shortest['id']}/sign", desk("CZE"))
    assert signed["status"] == "signed"

    contract = await api.call("GET", f"/v1/contracts/{contract_id}", industry("NAMMO"))  # the supplier sees it now
    assert (contract["supplier_id"], contract["unit_price_eur"]) == (nammo["id"], "4000.00")
    log = await api.call("GET", f"/v1/contracts/{contract_id}/change-log", industry("NAMMO"))
    assert "signed with supplier" in log["items"][1]["what"] and log["total"] == len(log["items"]) == 3
    offer_id = contract["local_production_offer_id"]
    assert contract["local_production"] == {"NLD": 0.3} and offer_id.startswith("offer")  # the offer's promise binds
    bound = log["items"][2]["what"]
    assert bound == f"local production bound by the winning offer {offer_id}: 30 % of production in NLD"
    await api.call("GET", f"/v1/contracts/{contract_id}", industry("GLOBALARMS"), expect=404)
    assert [c["id"] for c in (await api.call("GET", "/v1/contracts", industry("NAMMO")))["items"]] == [contract_id]


async def test_bad_procurement_input_is_refused_with_a_reason(api: Api) -> None:
    for bad in (
        {**PROCUREMENT, "quantity": 0},
        {**PROCUREMENT, "weights": {"price": 0, "delivery": 0, "origin": 0, "industrial_participation": 0}},
        {**PROCUREMENT, "funding_instrument": "MARSHALL"},
        {**PROCUREMENT, "standstill_days": -1},
    ):
        await api.call("POST", "/v1/procurements", desk("CZE"), bad, 422)
    await create_contract_for_joint_order(joint_order(), api.service.uow())
    procurement = await api.call("POST", "/v1/procurements", desk("CZE"), PROCUREMENT, 201)
    await api.supplier("NAMMO", "NOR")
    path = f"/v1/procurements/{procurement['id']}/offers"
    await api.call("POST", path, industry("NAMMO"), {**EUROPEAN, "eu_component_share": 1.2}, 422)
    await api.call("POST", path, industry("NAMMO"), {**EUROPEAN, "local_production": {"NLD": 2}}, 422)
    await api.call("POST", path, industry("NAMMO"), {**EUROPEAN, "unit_price_eur": 0}, 422)
    await api.call("POST", "/v1/procurements", industry("NAMMO"), PROCUREMENT, 403)
