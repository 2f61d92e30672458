"""The contract-event consumer on FastStream's in-memory broker: one message, a delivery per
interested endpoint, idempotent on the event id, and no per-nation detail for industry."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import async_sessionmaker

from bundling_shared import topics
from notifications.adapters import orm
from notifications.adapters.unit_of_work import NotificationsUnitOfWork
from notifications.bootstrap import NotificationsService
from notifications.service_layer import endpoints, messages
from tests.notifications.conftest import ADMIN, LINK, LINKS
from tests.notifications.events import contract_created
from tests.notifications.integration.conftest import add_endpoint, consuming


async def count(service: NotificationsService, table: object) -> int:
    async with service.engine.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(table))).scalar_one())  # type: ignore[arg-type]


async def test_a_contract_event_becomes_one_message_delivered_to_interested_endpoints(
    service: NotificationsService,
) -> None:
    subscribed = await add_endpoint(service, "NAMMO", "https://hooks.example-defence.eu/nammo", ("contract.created",))
    everything = await add_endpoint(service, "THALES", "https://hooks.example-defence.eu/thales")
    paused = await add_endpoint(service, "RHEINMETALL", "https://hooks.example-defence.eu/rh")
    await endpoints.pause_endpoint(service.uow(), caller=ADMIN, endpoint_id=paused.id)
    event = contract_created(correlation_id="corr-consumer")

    async with consuming(service) as broker:
        await broker.publish(event.model_dump(mode="json"), topics.CONTRACTS.name, key=event.aggregate_id.encode())
        await broker.publish(event.model_dump(mode="json"), topics.CONTRACTS.name, key=event.aggregate_id.encode())

    async with service.engine.connect() as conn:
        kept = (await conn.execute(select(orm.messages))).mappings().all()
        deliveries = (await conn.execute(select(orm.deliveries))).mappings().all()
    assert len(kept) == 1, "a redelivered event must not make a second message"
    message = kept[0]
    assert message["event_type"] == "contract.created"
    assert message["source_event_id"] == str(event.event_id)
    assert message["correlation_id"] == "corr-consumer"
    assert {d["endpoint_id"] for d in deliveries} == {subscribed.id, everything.id}
    assert all(d["status"] == "pending" and d["attempt_count"] == 0 for d in deliveries)


async def test_industry_gets_totals_and_a_link_but_no_quantity_per_nation(service: NotificationsService) -> None:
    event = contract_created(lines=(("NLD", 10_000), ("CZE", 25_000), ("NLD", 5_000)))
    async with consuming(service) as broker:
        await broker.publish(event.model_dump(mode="json"), topics.CONTRACTS.name)

    async with service.engine.connect() as conn:
        payload = (await conn.execute(select(orm.messages.c.payload))).scalar_one()
    assert payload == {
        "contract_id": "contract-155mm",
        "bundle_id": "bundle-155mm",
        "item_code": "AMMO-155MM",
        "contracting_authority": "CZE",
        "total_quantity": 40_000,
        "delivery_window": {"start": "2025-01-01", "end": "2028-12-31"},
        "nation_count": 2,
        "link": LINK.format(contract_id="contract-155mm"),
    }
    text = json.dumps(payload)
    assert "NLD" not in text and "10000" not in text and "25000" not in text


async def test_an_unknown_event_version_is_not_half_understood(service: NotificationsService) -> None:
    event = contract_created().model_dump(mode="json")
    event["schema_version"] = 99
    async with consuming(service) as broker:
        await broker.publish(event, topics.CONTRACTS.name)
    assert await count(service, orm.messages) == 0


async def test_the_dispatcher_is_woken_only_after_a_commit_that_made_deliveries(
    service: NotificationsService,
) -> None:
    await add_endpoint(service, "NAMMO", "https://hooks.example-defence.eu/nammo")
    wakes: list[datetime] = []
    session_factory = async_sessionmaker(service.engine, expire_on_commit=False)

    def uow() -> NotificationsUnitOfWork:
        return NotificationsUnitOfWork(session_factory, service.clock, lambda: wakes.append(datetime.now(UTC)))

    await endpoints.register_endpoint(
        uow(),
        caller=ADMIN,
        cmd=endpoints.RegisterEndpoint(
            organisation="NAMMO", url="https://hooks.example-defence.eu/2", description="", event_types=()
        ),
        guard=service.url_guard,
    )
    assert wakes == []  # a commit without deliveries wakes nobody
    await messages.consume(uow(), consumer=messages.CONTRACTS_CONSUMER, event=contract_created(), links=LINKS)
    assert len(wakes) == 1
    assert await count(service, orm.deliveries) == 2
