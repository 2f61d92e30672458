"""Where only one company can deliver, the buyer negotiates with it without a published
notice (Directive 2009/81/EC, Article 28(1)(e)): no tender notice, only the invited company
sees and offers, the award follows its offer the same day and the contract is signed
without a standstill (Article 58(a)), its local production promise bound on signing."""

from __future__ import annotations

from typing import Any

from contracts.service_layer.contracts import create_contract_for_joint_order
from tests.contracts.events import joint_order
from tests.contracts.integration.conftest import Api
from tests.contracts.integration.test_api_awards import EUROPEAN, PROCUREMENT
from tests.support.api import desk, industry

GROUND = "Only the maker builds the item and holds its design rights"


async def negotiated(api: Api, **extra: Any) -> tuple[dict[str, Any], str]:
    await create_contract_for_joint_order(joint_order(), api.service.uow())
    nammo = (await api.supplier("NAMMO", "NOR"))["id"]
    await api.supplier("GLOBALARMS", "USA")
    body = {**PROCUREMENT, "procedure": "negotiated_without_publication", "invited_supplier_id": nammo,
            "justification": GROUND, **extra}  # fmt: skip
    return await api.call("POST", "/v1/procurements", desk("CZE"), body, 201), nammo


async def test_one_invited_company_offers_and_is_awarded_and_signed_the_same_day(api: Api) -> None:
    procurement, nammo = await negotiated(api)
    pid = procurement["id"]
    assert (procurement["procedure"], procurement["invited_supplier_id"]) == ("negotiated_without_publication", nammo)
    assert procurement["justification"] == GROUND and procurement["standstill_days"] == 0
    assert await api.events("contracts.procurement.opened") == [], "nothing is published"

    assert [t["procurement_id"] for t in (await api.call("GET", "/v1/tenders", industry("NAMMO")))["items"]] == [pid]
    assert (await api.call("GET", "/v1/tenders", industry("GLOBALARMS")))["items"] == []
    await api.call("GET", f"/v1/tenders/{pid}", industry("GLOBALARMS"), expect=404)
    await api.call("POST", f"/v1/procurements/{pid}/offers", industry("GLOBALARMS"), EUROPEAN, 404)

    early = await api.client.post(f"/v1/procurements/{pid}/award", headers=desk("CZE"))
    assert early.status_code == 409 and "offer_awaited" in early.text
    await api.call("POST", f"/v1/procurements/{pid}/offers", industry("NAMMO"), EUROPEAN, 201)
    awarded = await api.call("POST", f"/v1/procurements/{pid}/award", desk("CZE"))
    assert awarded["awarded_supplier"] == "NAMMO"
    signed = await api.call("POST", f"/v1/procurements/{pid}/sign", desk("CZE"))
    assert signed["status"] == "signed"
    contract = await api.call("GET", "/v1/joint-orders/bundle-155/contract", desk("CZE"))
    assert contract["local_production"] == {"NLD": 0.3}

    package = await api.call("GET", f"/v1/procurements/{pid}/ocds", desk("CZE"))
    tender = package["releases"][0]["tender"]
    assert tender["procurementMethod"] == "limited" and tender["procurementMethodRationale"] == GROUND


async def test_a_negotiation_names_its_company_and_its_ground_and_an_open_tender_neither(api: Api) -> None:
    await create_contract_for_joint_order(joint_order(), api.service.uow())
    nammo = (await api.supplier("NAMMO", "NOR"))["id"]
    negotiation = {**PROCUREMENT, "procedure": "negotiated_without_publication"}
    for body, field in (
        (negotiation, "invited_supplier_id"),
        ({**negotiation, "invited_supplier_id": nammo}, "justification"),
        ({**negotiation, "invited_supplier_id": "sup-nobody", "justification": GROUND}, "invited_supplier_id"),
        ({**PROCUREMENT, "invited_supplier_id": nammo}, "invited_supplier_id"),
    ):
        refused = await api.client.post("/v1/procurements", headers=desk("CZE"), json=body)
        assert refused.status_code == 422 and field in refused.text, (body, refused.text)
    assert (await api.call("GET", "/v1/tenders", industry("NAMMO")))["items"] == []
    await api.call("POST", "/v1/procurements", desk("CZE"), PROCUREMENT, 201)
    assert len(await api.events("contracts.procurement.opened")) == 1, "an open tender is published"
