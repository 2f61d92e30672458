"""What a party does for itself and no one does for it: a nation calls off from its own
share, a company offers for itself, so admin, who is neither, is refused (403) where it may
otherwise do everything; and the OCDS export, which holds every offer and every nation's
lots, is refused (403) to the nations and the supplier who see the procurement or framework
but not all of it, and hidden (404) from those who do not see it at all."""

from __future__ import annotations

from datetime import timedelta

from contracts.service_layer.contracts import create_contract_for_joint_order
from tests.contracts.events import joint_order
from tests.contracts.integration.conftest import ADMIN, Api
from tests.contracts.integration.test_api_awards import EUROPEAN, PROCUREMENT
from tests.contracts.integration.test_authorisation_frameworks import committed_radar
from tests.support.api import coordinator, desk, industry
from tests.support.today import TODAY

DUE = (TODAY + timedelta(days=200)).isoformat()


async def test_admin_calls_off_for_no_nation(api: Api) -> None:
    framework_id = await committed_radar(api)
    body = {"item_code": "MMR", "quantity": 1, "delivery_due": DUE}
    refused = await api.call("POST", f"/v1/frameworks/{framework_id}/call-offs", ADMIN, body, 403)
    assert "call off" in refused["detail"]
    await api.call("POST", f"/v1/frameworks/{framework_id}/call-offs", desk("NLD"), body, 201)


async def test_admin_offers_for_no_company(api: Api) -> None:
    await create_contract_for_joint_order(joint_order(), api.service.uow())
    await api.supplier("NAMMO", "NOR")
    procurement = await api.call("POST", "/v1/procurements", desk("CZE"), PROCUREMENT, 201)
    path = f"/v1/procurements/{procurement['id']}/offers"
    refused = await api.call("POST", path, ADMIN, EUROPEAN, 403)
    assert "make an offer" in refused["detail"]
    await api.call("POST", path, industry("NAMMO"), EUROPEAN, 201)


async def test_the_procurement_export_is_refused_to_those_who_see_only_part_of_it(api: Api) -> None:
    await create_contract_for_joint_order(joint_order(), api.service.uow())
    await api.supplier("NAMMO", "NOR")
    procurement = await api.call("POST", "/v1/procurements", desk("CZE"), PROCUREMENT, 201)
    await api.call("POST", f"/v1/procurements/{procurement['id']}/offers", industry("NAMMO"), EUROPEAN, 201)
    path = f"/v1/procurements/{procurement['id']}/ocds"
    for who in (desk("NLD"), desk("DNK"), industry("NAMMO")):  # participants and a bidder see the procurement
        await api.call("GET", path, who, expect=403)
    for who in (desk("POL"), coordinator("EDA"), industry("ACME")):
        await api.call("GET", path, who, expect=404)
    for who in (desk("CZE"), ADMIN):
        await api.call("GET", path, who, expect=200)


async def test_the_framework_export_is_refused_to_those_who_see_only_part_of_it(api: Api) -> None:
    framework_id = await committed_radar(api)  # NLD leads; THALES-NL supplies
    path = f"/v1/frameworks/{framework_id}/ocds"
    await api.call("GET", path, industry("THALES-NL"), expect=403)
    for who in (desk("POL"), coordinator("EDA"), industry("ACME")):
        await api.call("GET", path, who, expect=404)
    for who in (desk("NLD"), ADMIN):
        await api.call("GET", path, who, expect=200)
