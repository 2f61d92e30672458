"""Fast checks of the demand subscribers with FastStream's in-memory broker (no Kafka),
in addition to the real-broker tests in tests/e2e."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from faststream.kafka import TestKafkaBroker

from bundling_shared import topics
from bundling_shared.auth import Role
from bundling_shared.db import migrate
from bundling_shared.events.contracts import ContractCreatedPayload, ContractCreatedV1, ContractLine
from bundling_shared.events.demand import DeliveryWindow, NeedRegisteredPayload, NeedRegisteredV1
from bundling_shared.messaging.outbox import event_headers
from demand.bootstrap import bootstrap
from demand.config import DemandSettings
from demand.domain.access import Caller
from demand.domain.need import Need, NeedStatus
from demand.entrypoints.app import MIGRATIONS
from demand.entrypoints.subscribers import subscribe
from demand.service_layer.bundles import commit_bundle
from demand.service_layer.unit_of_work import BundleFilter


async def test_the_aggregator_bundles_a_need_the_watcher_marks_it_contracted_and_garbage_is_dead_lettered(
    tmp_path: Path,
) -> None:
    service = bootstrap(DemandSettings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'd.db'}"))
    subscribe(service)
    await migrate(service.engine, MIGRATIONS)
    async with service.uow() as uow:
        item = await uow.catalogue.get("VSRAT")
        need = Need.register(
            now=service.clock.now(),
            nation="NLD",
            item_code="VSRAT",
            quantity=4,
            window_start=date(2025, 1, 1),
            window_end=date(2025, 9, 1),
            item=item,
        )
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
            (bundle,) = await uow.bundles.list(BundleFilter(item_code="VSRAT"), 10, 0)
            lines = await uow.bundles.lines(bundle.id)
        assert [line.need_id for line in lines] == [need.id]
        lead = Caller(Role.COORDINATOR, nation="NLD", subject="coordinator:NLD")  # the largest share leads,
        await commit_bundle(service.uow(), caller=lead, bundle_id=bundle.id, lead="NSPA")  # and hands it to NSPA
        contract = ContractCreatedV1.create(
            ContractCreatedPayload(
                contract_id="contract-1",
                bundle_id=bundle.id,
                item_code="VSRAT",
                contracting_authority="NSPA",
                lines=[ContractLine(nation="NLD", quantity=4)],
                total_quantity=4,
                delivery_window=DeliveryWindow(start=need.window_start, end=need.window_end),
            ),
            aggregate_id="contract-1",
            producer="contracts",
        )
        await broker.publish(
            contract.model_dump_json().encode(),
            topics.CONTRACTS.name,
            key=b"contract-1",
            headers=event_headers(contract),
        )

    async with service.uow() as uow:
        stored = await uow.needs.get(need.id)
    assert stored is not None and stored.status is NeedStatus.CONTRACTED
    assert dead == [b"{not json"]
    await service.engine.dispose()
