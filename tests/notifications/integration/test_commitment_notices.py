"""The lead nation's desk is told when a committed bundle could not be contracted: the
contracts service's `contracts.commitment.refused` becomes a `commitment.not_contracted`
message for the lead nation's endpoints alone (an agency lead's are its coordinators')."""

from __future__ import annotations

import httpx
from faststream.kafka import TestKafkaBroker
from sqlalchemy import select

from bundling_shared import topics
from bundling_shared.events.contracts import CommitmentRefusedV1
from notifications.adapters import orm
from notifications.bootstrap import NotificationsService
from tests.notifications import events
from tests.notifications.integration.conftest import recipients
from tests.notifications.integration.test_nation_notices import HOOK, register
from tests.support.api import coordinator, desk, industry

REASON = "XYZ are not nations the platform knows"


async def publish(service: NotificationsService, *items: CommitmentRefusedV1) -> None:
    async with TestKafkaBroker(service.broker) as broker:
        for event in items:
            await broker.publish(events.as_json(event), topics.CONTRACTS.name, key=event.aggregate_id.encode())


async def test_the_lead_nations_desk_alone_hears_its_commitment_was_not_contracted(
    api: httpx.AsyncClient,
    service: NotificationsService,
) -> None:
    nld = await register(api, desk("NLD"), HOOK + "nld", event_types=["commitment.not_contracted"])
    nld_all = await register(api, desk("NLD"), HOOK + "nld-all")
    dnk = await register(api, desk("DNK"), HOOK + "dnk")
    nammo = await register(api, industry("NAMMO"), HOOK + "nammo")
    nspa = await register(api, coordinator("NSPA"), HOOK + "nspa")
    event = events.commitment_refused("NLD")
    await publish(service, event, event, events.commitment_refused("NSPA", "bundle-agency"))

    told = await recipients(service, "commitment.not_contracted")
    assert told == {nld["id"], nld_all["id"], nspa["id"]}
    assert dnk["id"] not in told and nammo["id"] not in told
    async with service.engine.connect() as conn:
        (payload,) = (await conn.execute(select(orm.messages.c.payload).where(
            orm.messages.c.event_type == "commitment.not_contracted",
            orm.messages.c.audience == "NLD"))).scalars().all()  # fmt: skip
    assert payload["reason"] == REASON and payload["bundle_id"] == "bundle-mmr"
    assert payload["link"].endswith("/v1/bundles/bundle-mmr")
