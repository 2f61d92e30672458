"""Contracts from joint orders on a real database (SQLite and PostgreSQL): one contract
per joint order whatever is redelivered, and need-to-know on every endpoint."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from contracts.adapters import orm
from contracts.bootstrap import ContractsService
from contracts.service_layer.contracts import create_contract_for_joint_order
from tests.contracts.events import joint_order
from tests.contracts.integration.conftest import Api
from tests.support.api import coordinator, desk, industry


async def count(service: ContractsService, table: Any) -> int:
    async with service.engine.connect() as conn:
        value = await conn.scalar(select(func.count()).select_from(table))
        assert value is not None
        return value


async def test_one_contract_per_joint_order_whatever_is_redelivered(api: Api) -> None:
    event = joint_order()
    first = await create_contract_for_joint_order(event, api.service.uow())
    assert first is not None
    assert await create_contract_for_joint_order(event, api.service.uow()) is None  # same event again
    # a second event about the same joint order (e.g. produced twice) finds the contract
    assert await create_contract_for_joint_order(joint_order(), api.service.uow()) == first
    assert await count(api.service, orm.contracts) == 1
    assert await count(api.service, orm.outbox) == 1  # one contract.created event


async def test_nations_see_the_contracts_they_take_part_in_and_no_others(api: Api) -> None:
    client = api.client
    contract_id = await create_contract_for_joint_order(joint_order(), api.service.uow())

    for lead in (desk("CZE"), coordinator("CZE")):
        response = await client.get(f"/v1/contracts/{contract_id}", headers=lead)
        assert response.status_code == 200
        assert {(x["nation"], x["quantity"]) for x in response.json()["lines"]} == {("NLD", 10_000), ("DNK", 5_000)}
    for nation, quantity in (("NLD", 10_000), ("DNK", 5_000)):  # its own line and the totals
        seen = (await client.get(f"/v1/contracts/{contract_id}", headers=desk(nation))).json()
        assert [(x["nation"], x["quantity"]) for x in seen["lines"]] == [(nation, quantity)]
        assert seen["total_quantity"] == 15_000
    for outsider in (desk("DEU"), industry("NAMMO"), coordinator("NSPA")):
        assert (await client.get(f"/v1/contracts/{contract_id}", headers=outsider)).status_code == 404
        assert (await client.get("/v1/joint-orders/bundle-155/contract", headers=outsider)).status_code == 404
        assert (await client.get("/v1/contracts", headers=outsider)).json()["items"] == []
    assert (await client.get("/v1/contracts")).status_code == 401
