"""Fast checks of the subscribers with FastStream's in-memory broker (no Kafka), in
addition to the real-broker tests in tests/integration and tests/e2e."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from faststream.kafka import TestKafkaBroker

from bundling_shared import topics
from bundling_shared.db import migrate
from bundling_shared.events.demand import DeliveryWindow, NeedRegisteredPayload, NeedRegisteredV1
from bundling_shared.messaging.outbox import event_headers
from demand.bootstrap import bootstrap
from demand.config import DemandSettings
from demand.domain.model import Need
from demand.entrypoints.app import MIGRATIONS


async def test_the_aggregator_bundles_a_need_and_dead_letters_garbage(tmp_path: Path) -> None:
    service = bootstrap(DemandSettings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'd.db'}"))
    await migrate(service.engine, MIGRATIONS)
    need = Need.register(
        nation="NLD", item_code="VSRAT", quantity=4, window_start=date(2025, 1, 1), window_end=date(2025, 9, 1)
    )
    async with service.uow() as uow:
        uow.needs.add(need)
        await uow.commit()
    event = NeedRegisteredV1.create(
        NeedRegisteredPayload(
            need_id=need.id,
            nation="NLD",
            item_code="VSRAT",
            quantity=4,
            delivery_window=DeliveryWindow(start=need.window_start, end=need.window_end),
        ),
        aggregate_id=need.id,
        producer="demand",
    )
    dead: list[bytes] = []

    @service.broker.subscriber(topics.NEEDS.dead_letter.name)
    async def capture(body: bytes) -> None:
        dead.append(body)

    async with TestKafkaBroker(service.broker) as broker:
        await broker.publish(
            event.model_dump_json().encode(), topics.NEEDS.name, key=need.id.encode(), headers=event_headers(event)
        )
        await broker.publish(b"{not json", topics.NEEDS.name, key=b"x")

    async with service.uow() as uow:
        bundle = await uow.bundles.open_for_item("VSRAT")
    assert bundle is not None
    assert [line.need_id for line in bundle.lines] == [need.id]
    assert dead == [b"{not json"]
    await service.engine.dispose()
