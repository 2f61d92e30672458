"""An act that clashes with the state a procurement is already in (awarding it again,
signing what is signed or not yet awarded) is a conflict with what exists (409), not a
request that breaks a rule (422); and a service started on a later day (CLOCK_START)
signs what its standstill no longer holds back."""

from __future__ import annotations

from datetime import timedelta

import httpx

from bundling_shared.settings import AuthSettings, ClockSettings
from contracts.config import ContractsSettings
from contracts.entrypoints.app import create_app
from contracts.service_layer.contracts import create_contract_for_joint_order
from tests.contracts.events import joint_order
from tests.contracts.integration.conftest import Api
from tests.contracts.integration.test_api_awards import AWARD_DAY, EUROPEAN, PROCUREMENT
from tests.support.api import desk, industry
from tests.support.today import now_on_the_day


async def _awarded(api: Api) -> str:
    await create_contract_for_joint_order(joint_order(), api.service.uow())
    await api.supplier("NAMMO", "NOR")
    procurement = await api.call("POST", "/v1/procurements", desk("CZE"), PROCUREMENT, 201)
    await api.call("POST", f"/v1/procurements/{procurement['id']}/offers", industry("NAMMO"), EUROPEAN, 201)
    api.on(AWARD_DAY)
    await api.call("POST", f"/v1/procurements/{procurement['id']}/award", desk("CZE"))
    return str(procurement["id"])


async def test_awarding_twice_and_signing_twice_are_conflicts(api: Api) -> None:
    procurement_id = await _awarded(api)
    again = await api.call("POST", f"/v1/procurements/{procurement_id}/award", desk("CZE"), expect=409)
    assert "already awarded" in again["detail"]
    api.on(AWARD_DAY + timedelta(days=11))
    await api.call("POST", f"/v1/procurements/{procurement_id}/sign", desk("CZE"))
    signed_again = await api.call("POST", f"/v1/procurements/{procurement_id}/sign", desk("CZE"), expect=409)
    assert "already signed" in signed_again["detail"]


async def test_signing_before_any_award_is_a_conflict(api: Api) -> None:
    await create_contract_for_joint_order(joint_order(), api.service.uow())
    procurement = await api.call("POST", "/v1/procurements", desk("CZE"), PROCUREMENT, 201)
    refused = await api.call("POST", f"/v1/procurements/{procurement['id']}/sign", desk("CZE"), expect=409)
    assert "no award to sign" in refused["detail"]


async def test_a_service_started_later_signs_after_the_standstill(api: Api, database_url: str) -> None:
    procurement_id = await _awarded(api)
    later = ClockSettings(start=now_on_the_day() + timedelta(days=12))
    settings = ContractsSettings(
        database_url=database_url, run_migrations=False, clock=later, auth=AuthSettings(mode="development")
    )
    app = create_app(settings)
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://contracts") as client:
            response = await client.post(f"/v1/procurements/{procurement_id}/sign", headers=desk("CZE"))
        assert response.status_code == 200, response.text
        assert response.json()["status"] == "signed"
    finally:
        await app.state.service.engine.dispose()


async def test_the_contracts_of_a_joint_order_do_not_exist_for_an_outsider(api: Api) -> None:
    """Like the single contract of a joint order: a nation or company with no part in it
    learns nothing, not even an empty list."""
    await create_contract_for_joint_order(joint_order(), api.service.uow())
    assert len(await api.call("GET", "/v1/joint-orders/bundle-155/contracts", desk("CZE"))) == 1
    for outsider in (desk("POL"), industry("ACME")):
        await api.call("GET", "/v1/joint-orders/bundle-155/contract", outsider, expect=404)
        await api.call("GET", "/v1/joint-orders/bundle-155/contracts", outsider, expect=404)
