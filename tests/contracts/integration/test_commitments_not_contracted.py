"""Nothing the demand service committed is lost: an event the contracts service can read but
cannot apply (a joint order or framework a rule of the contract refuses, an accession it
cannot take) becomes a visible state with its reason and an event, never a dead letter."""

from __future__ import annotations

from decimal import Decimal

from contracts.service_layer.contracts import create_contract_for_joint_order
from contracts.service_layer.frameworks import accede_to_framework, create_framework_for_commitment
from contracts.service_layer.specifications import propose_harmonisation
from tests.contracts.events import accession, framework_committed, harmonisation, joint_order_ending_before_it_starts
from tests.contracts.integration.conftest import ADMIN, Api
from tests.support.api import coordinator, desk, industry


async def test_a_joint_order_a_rule_refuses_is_recorded_with_its_reason_and_announced(api: Api) -> None:
    event = joint_order_ending_before_it_starts()
    assert await create_contract_for_joint_order(event, api.service.uow()) is None
    assert await create_contract_for_joint_order(event, api.service.uow()) is None  # redelivered

    (refused,) = await api.events("contracts.commitment.refused")
    assert refused["payload"]["bundle_id"] == "bundle-late"
    assert refused["payload"]["kind"] == "joint_order"
    assert refused["payload"]["lead"] == "CZE"
    assert "ends its delivery window before it starts" in refused["payload"]["reason"]
    assert refused["nation"] == "CZE"

    for path in ("/v1/joint-orders/bundle-late/contract", "/v1/joint-orders/bundle-late/contracts"):
        for who in (coordinator("CZE"), desk("CZE"), desk("NLD"), desk("DNK"), ADMIN):
            response = await api.client.get(path, headers=who)
            assert response.status_code == 409, (path, who, response.text)
            problem = response.json()
            assert "not contracted" in problem["detail"]
            assert "ends its delivery window before it starts" in problem["detail"]
            assert problem["errors"] == [
                {"field": "path.bundle_id", "rule": "commitment_not_contracted", "message": problem["detail"]}
            ]
        for outsider in (desk("DEU"), coordinator("NSPA"), industry("NAMMO")):
            await api.call("GET", path, outsider, expect=404)


async def test_a_framework_beyond_what_the_platform_keeps_is_recorded_not_dead_lettered(api: Api) -> None:
    beyond = framework_committed(bundle_id="bundle-big", lead="NLD", yearly={"NLD": [1], "DNK": [1]})
    beyond = beyond.model_copy(
        update={"payload": beyond.payload.model_copy(update={"ceiling_value": Decimal("1000000000000.01")})}
    )
    assert await create_framework_for_commitment(beyond, api.service.uow()) is None
    unknown = framework_committed(bundle_id="bundle-xyz", lead="NLD", yearly={"NLD": [1], "XYZ": [1]})
    assert await create_framework_for_commitment(unknown, api.service.uow()) is None

    refused = {e["payload"]["bundle_id"]: e["payload"] for e in await api.events("contracts.commitment.refused")}
    assert refused["bundle-big"]["kind"] == "framework"
    assert "at most 1000000000000.00 EUR" in refused["bundle-big"]["reason"]
    assert "XYZ are not nations the platform knows" in refused["bundle-xyz"]["reason"]
    assert await api.events("contracts.framework.created") == []

    response = await api.client.get("/v1/joint-orders/bundle-big/contract", headers=desk("DNK"))
    assert response.status_code == 409 and "at most 1000000000000.00 EUR" in response.json()["detail"]
    await api.call("GET", "/v1/joint-orders/bundle-big/contract", desk("DEU"), expect=404)


async def test_a_later_commitment_that_can_be_contracted_clears_the_refusal(api: Api) -> None:
    await create_framework_for_commitment(
        framework_committed(bundle_id="bundle-mmr", yearly={"NLD": [1], "XYZ": [1]}), api.service.uow()
    )
    framework_id = await create_framework_for_commitment(framework_committed(), api.service.uow())
    assert framework_id is not None
    await api.call("GET", "/v1/joint-orders/bundle-mmr/contract", desk("NLD"), expect=404)


async def test_an_accession_that_cannot_apply_is_refused_with_its_reason(api: Api) -> None:
    await create_framework_for_commitment(framework_committed(), api.service.uow())
    assert await accede_to_framework(accession("NLD", 1), api.service.uow()) is False
    assert await accede_to_framework(accession("NOR", 1, bundle_id="bundle-none"), api.service.uow()) is False
    endless = accession("DNK", 1)
    endless = endless.model_copy(
        update={"payload": endless.payload.model_copy(update={"budget_ceiling_eur": float("inf")})}
    )
    assert await accede_to_framework(endless, api.service.uow()) is False

    refused = [e["payload"] for e in await api.events("contracts.framework.accession_refused")]
    assert [(r["nation"], r["bundle_id"], r["refused_by"]) for r in refused] == [
        ("NLD", "bundle-mmr", "contracts"),
        ("NOR", "bundle-none", "contracts"),
        ("DNK", "bundle-mmr", "contracts"),
    ]
    assert "already takes part" in refused[0]["reason"]
    assert "no framework contract for bundle bundle-none" in refused[1]["reason"]
    assert refused[1]["framework_id"] == ""
    assert "finite amount" in refused[2]["reason"]


async def test_a_harmonisation_proposal_naming_no_nation_is_acknowledged(api: Api) -> None:
    assert await propose_harmonisation(harmonisation([], ref=None), api.service.uow()) is None
    assert (await api.call("GET", "/v1/specifications", ADMIN))["total"] == 0
