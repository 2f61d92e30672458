"""Who procures for a bundle: its lead, for the nations and quantities of the committed
order, with a standstill no shorter than the law's; signing writes onto that bundle's
contracts only when the authority is the bundle's lead."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from contracts.domain.procurement import Offer, Procurement, ProcurementStatus
from contracts.domain.weighing import Weights
from contracts.service_layer.contracts import create_contract_for_joint_order
from tests.contracts.events import joint_order
from tests.contracts.integration.conftest import ADMIN, Api
from tests.contracts.integration.test_api_awards import AWARD_DAY, EUROPEAN, PROCUREMENT
from tests.support.api import coordinator, desk, industry
from tests.support.today import TODAY

FOR_THE_ORDER: dict[str, Any] = {**PROCUREMENT, "standstill_days": 10}  # bundle-155: CZE for NLD 10,000, DNK 5,000


async def test_a_desk_outside_the_committed_order_cannot_procure_award_and_sign_onto_its_contract(api: Api) -> None:
    contract_id = await create_contract_for_joint_order(joint_order(), api.service.uow())
    await api.supplier("ROGUE", "FRA")
    rogue = {**FOR_THE_ORDER, "buyer_nation": "FRA", "nations": ["FRA"], "quantity": 1, "standstill_days": 0}
    refused = await api.call("POST", "/v1/procurements", desk("FRA"), rogue, 422)
    assert refused["errors"][0]["field"] == "body.bundle_id"
    # the same answer as for a bundle that does not exist: nothing is told about bundle-155
    unknown = await api.call("POST", "/v1/procurements", desk("FRA"), {**rogue, "bundle_id": "bundle-none"}, 422)
    assert unknown["detail"] == refused["detail"].replace("bundle-155", "bundle-none")
    await api.call("POST", "/v1/procurements", coordinator("NSPA"), FOR_THE_ORDER, 422)  # not its order either
    await api.call("POST", "/v1/procurements", industry("ROGUE"), FOR_THE_ORDER, 403)
    await api.call("POST", "/v1/procurements", desk("NLD"), FOR_THE_ORDER, 403)  # a participant, not the lead
    contract = await api.call("GET", f"/v1/contracts/{contract_id}", coordinator("CZE"))
    assert contract["supplier_id"] is None and contract["unit_price_eur"] is None
    assert await api.call("GET", f"/v1/contracts/{contract_id}", desk("FRA"), expect=404)


async def test_the_lead_procures_for_the_nations_and_quantity_of_the_order_only(api: Api) -> None:
    await create_contract_for_joint_order(joint_order(), api.service.uow())
    for other in (
        {"nations": ["NLD", "DNK", "FRA"]},
        {"nations": ["NLD"]},
        {"quantity": 99_999},
        {"buyer_nation": "FRA"},
    ):
        refused = await api.call("POST", "/v1/procurements", desk("CZE"), {**FOR_THE_ORDER, **other}, 422)
        assert refused["errors"][0]["field"] == f"body.{next(iter(other))}", refused
    opened = await api.call("POST", "/v1/procurements", desk("CZE"), {**FOR_THE_ORDER, "nations": []}, 201)
    assert (opened["contracting_authority"], opened["nations"], opened["quantity"]) == ("CZE", ["DNK", "NLD"], 15_000)
    assert (await api.call("POST", "/v1/procurements", coordinator("CZE"), FOR_THE_ORDER, 201))["nations"] == [
        "DNK", "NLD"
    ]  # fmt: skip


async def test_a_procurement_without_a_bundle_buys_for_its_own_nation_only(api: Api) -> None:
    alone = {**FOR_THE_ORDER, "bundle_id": None, "buyer_nation": "NLD", "nations": ["NLD"], "quantity": 500}
    assert (await api.call("POST", "/v1/procurements", desk("NLD"), alone, 201))["nations"] == ["NLD"]
    refused = await api.call("POST", "/v1/procurements", desk("NLD"), {**alone, "nations": ["NLD", "DNK"]}, 422)
    assert refused["errors"][0]["field"] == "body.nations"
    refused = await api.call("POST", "/v1/procurements", desk("NLD"), {**alone, "buyer_nation": "DNK"}, 422)
    assert refused["errors"][0]["field"] == "body.buyer_nation"
    await api.call("POST", "/v1/procurements", coordinator("NSPA"), alone, 422)  # an agency buys for an order


async def test_the_standstill_lasts_at_least_ten_calendar_days_and_signing_waits_for_its_end(api: Api) -> None:
    contract_id = await create_contract_for_joint_order(joint_order(), api.service.uow())
    for short in (0, 9):
        refused = await api.call("POST", "/v1/procurements", desk("CZE"), {**FOR_THE_ORDER, "standstill_days": short},
                                 422)  # fmt: skip
        assert refused["errors"][0]["field"] == "body.standstill_days"
        assert "Directive 2009/81/EC" in refused["detail"]
    procurement = await api.call("POST", "/v1/procurements", desk("CZE"), FOR_THE_ORDER, 201)
    nammo = await api.supplier("NAMMO", "NOR")
    await api.call("POST", f"/v1/procurements/{procurement['id']}/offers", industry("NAMMO"), EUROPEAN, 201)
    api.on(AWARD_DAY)
    awarded = await api.call("POST", f"/v1/procurements/{procurement['id']}/award", desk("CZE"))
    assert awarded["standstill_until"] == (AWARD_DAY + timedelta(days=10)).isoformat()
    api.on(AWARD_DAY + timedelta(days=10))  # the tenth day still belongs to the standstill
    await api.call("POST", f"/v1/procurements/{procurement['id']}/sign", desk("CZE"), expect=422)
    api.on(AWARD_DAY + timedelta(days=11))
    await api.call("POST", f"/v1/procurements/{procurement['id']}/sign", desk("NLD"), expect=403)
    signed = await api.call("POST", f"/v1/procurements/{procurement['id']}/sign", desk("CZE"))
    assert signed["status"] == "signed"
    seen = await api.call("GET", f"/v1/procurements/{procurement['id']}/offers", industry("NAMMO"))  # the supplier now
    assert [o["supplier_id"] for o in seen["items"]] == [nammo["id"]]
    contract = await api.call("GET", f"/v1/contracts/{contract_id}", industry("NAMMO"))
    assert (contract["supplier_id"], contract["unit_price_eur"]) == (nammo["id"], "4000.00")


async def test_signing_writes_onto_the_bundle_contracts_only_when_the_authority_is_its_lead(api: Api) -> None:
    """A procurement recorded before these rules, by an authority that is not the lead."""
    contract_id = await create_contract_for_joint_order(joint_order(), api.service.uow())
    rogue = await api.supplier("ROGUE", "FRA")
    procurement = Procurement.open(
        item_code="AMMO-155MM", contracting_authority="FRA", buyer_nation="FRA", nations=["FRA"], quantity=1,
        tender_date=TODAY, weights=Weights(price=1, delivery=0, origin=0, industrial_participation=0),
        quality_gates=[], funding_instrument=None, standstill_days=10, offers_due=TODAY, bundle_id="bundle-155",
        at=api.service.clock.now(),
    )  # fmt: skip
    procurement.status = ProcurementStatus.STANDSTILL.value
    procurement.standstill_until = TODAY - timedelta(days=1)
    async with api.service.uow() as uow:
        uow.procurements.add(procurement)
        await uow.commit()
    offer = {**EUROPEAN, "unit_price_eur": 99_999}
    async with api.service.uow() as uow:
        stored = await uow.procurements.get(procurement.id)
        assert stored is not None
        made = Offer(id="offer-rogue", procurement_id=stored.id, supplier_id=rogue["id"], **{
            **offer, "submitted_at": uow.clock.now(),
            "first_delivery": date.fromisoformat(offer["first_delivery"])})  # fmt: skip
        stored.offers.append(made)
        stored.awarded_offer_id = made.id
        stored.awarded_supplier_id = rogue["id"]
        await uow.commit()
    for signer in (desk("FRA"), ADMIN):
        refused = await api.call("POST", f"/v1/procurements/{procurement.id}/sign", signer, expect=422)
        assert "not the lead" in refused["detail"]
    contract = await api.call("GET", f"/v1/contracts/{contract_id}", coordinator("CZE"))
    assert contract["supplier_id"] is None and contract["unit_price_eur"] is None


async def test_the_list_of_procurements_holds_those_the_caller_runs_buys_through_or_offered_to(api: Api) -> None:
    await create_contract_for_joint_order(joint_order(), api.service.uow())
    procurement = await api.call("POST", "/v1/procurements", desk("CZE"), FOR_THE_ORDER, 201)
    alone = {**FOR_THE_ORDER, "bundle_id": None, "buyer_nation": "FRA", "nations": ["FRA"], "quantity": 10}
    french = await api.call("POST", "/v1/procurements", desk("FRA"), alone, 201)
    await api.supplier("NAMMO", "NOR")
    await api.supplier("ACME", "DEU")
    await api.call("POST", f"/v1/procurements/{procurement['id']}/offers", industry("NAMMO"), EUROPEAN, 201)

    def ids(found: dict[str, Any]) -> list[str]:
        return [p["id"] for p in found["items"]]

    for reader in (desk("CZE"), coordinator("CZE"), desk("NLD"), desk("DNK"), industry("NAMMO")):
        assert ids(await api.call("GET", "/v1/procurements", reader)) == [procurement["id"]]
    assert ids(await api.call("GET", "/v1/procurements", desk("FRA"))) == [french["id"]]
    for stranger in (coordinator("NSPA"), desk("POL"), industry("ACME")):
        nothing = await api.call("GET", "/v1/procurements", stranger)
        assert (nothing["items"], nothing["total"]) == ([], 0)
    both = await api.call("GET", "/v1/procurements", ADMIN)
    assert sorted(ids(both)) == sorted([procurement["id"], french["id"]])
