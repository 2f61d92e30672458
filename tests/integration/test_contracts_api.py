"""Contracts from joint orders on a real database (SQLite and PostgreSQL): one contract
per joint order whatever is redelivered, and need-to-know on every endpoint."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from bundling_shared.db import migrate
from bundling_shared.events.demand import (
    DeliveryWindow,
    JointOrderCommittedPayload,
    JointOrderCommittedV1,
    JointOrderLine,
)
from contracts.adapters import orm
from contracts.config import ContractsSettings
from contracts.entrypoints.app import MIGRATIONS, create_app
from contracts.service_layer import handlers
from tests.support.api import coordinator, desk, industry


def joint_order(bundle_id: str = "bundle-155") -> JointOrderCommittedV1:
    event: JointOrderCommittedV1 = JointOrderCommittedV1.create(
        JointOrderCommittedPayload(
            bundle_id=bundle_id,
            item_code="AMMO-155MM",
            lead="CZE",
            lines=[
                JointOrderLine(nation="NLD", quantity=10_000, need_ids=["n1"]),
                JointOrderLine(nation="DNK", quantity=5_000, need_ids=["n2"]),
            ],
            total_quantity=15_000,
            delivery_window=DeliveryWindow(start=date(2025, 1, 1), end=date(2028, 12, 31)),
            committed_by="coordinator:CZE",
        ),
        aggregate_id=bundle_id,
        producer="demand",
    )
    return event


@pytest.fixture
async def app_client(database_url: str) -> AsyncIterator[tuple[Any, httpx.AsyncClient]]:
    app = create_app(ContractsSettings(database_url=database_url, run_migrations=False))
    service = app.state.service
    await migrate(service.engine, MIGRATIONS)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://contracts") as client:
        yield service, client
    await service.engine.dispose()


async def count(service: Any, table: Any) -> int:
    async with service.engine.connect() as conn:
        value: int = await conn.scalar(select(func.count()).select_from(table))
        return value


async def test_one_contract_per_joint_order_whatever_is_redelivered(app_client: tuple[Any, httpx.AsyncClient]) -> None:
    service, _ = app_client
    event = joint_order()
    first = await handlers.create_contract_for_joint_order(event, service.uow())
    assert first is not None
    assert await handlers.create_contract_for_joint_order(event, service.uow()) is None  # same event again
    # a second event about the same joint order (e.g. produced twice) finds the contract
    assert await handlers.create_contract_for_joint_order(joint_order(), service.uow()) == first
    assert await count(service, orm.contracts) == 1
    assert await count(service, orm.outbox) == 1  # one contract.created event


async def test_nations_see_the_contracts_they_take_part_in_and_no_others(
    app_client: tuple[Any, httpx.AsyncClient],
) -> None:
    service, client = app_client
    contract_id = await handlers.create_contract_for_joint_order(joint_order(), service.uow())

    for lead in (desk("CZE"), coordinator("CZE")):
        response = await client.get(f"/v1/contracts/{contract_id}", headers=lead)
        assert response.status_code == 200
        assert {(x["nation"], x["quantity"]) for x in response.json()["lines"]} == {("NLD", 10_000), ("DNK", 5_000)}
    for nation, quantity in (("NLD", 10_000), ("DNK", 5_000)):  # its own line and the totals
        seen = (await client.get(f"/v1/contracts/{contract_id}", headers=desk(nation))).json()
        assert seen["lines"] == [{"nation": nation, "quantity": quantity}] and seen["total_quantity"] == 15_000
    for outsider in (desk("DEU"), industry("NAMMO"), coordinator("NSPA")):
        assert (await client.get(f"/v1/contracts/{contract_id}", headers=outsider)).status_code == 404
        assert (await client.get("/v1/joint-orders/bundle-155/contract", headers=outsider)).status_code == 404
        assert (await client.get("/v1/contracts", headers=outsider)).json()["items"] == []
    assert (await client.get("/v1/contracts")).status_code == 401
