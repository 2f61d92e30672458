"""The assembled app: its lifespan migrates the database, starts the consumer and runs the
dispatcher as a worker, so a contract event ends as a signed webhook. The broker is
FastStream's in-memory one; topic creation, which needs a real broker, is stubbed."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx
import pytest
from faststream.kafka import TestKafkaBroker
from standardwebhooks.webhooks import Webhook

import bundling_shared.runtime
from bundling_shared import topics
from bundling_shared.topics import Topic
from notifications.bootstrap import bootstrap
from notifications.entrypoints.app import create_app
from tests.notifications.events import contract_created
from tests.notifications.integration.conftest import LoopbackOnly, Receiver, make_settings
from tests.support.api import industry


async def test_a_contract_event_reaches_the_receiver_through_the_running_app(
    tmp_path: Path, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    created_topics: list[str] = []

    async def ensure_topics(_servers: str, wanted: list[Topic], _replication: int = 1) -> None:
        created_topics.extend(t.name for t in wanted)

    monkeypatch.setattr(bundling_shared.runtime, "ensure_topics", ensure_topics)
    service = bootstrap(make_settings(tmp_path, run_migrations=True), wrap_transport=LoopbackOnly)
    app = create_app(service=service)

    async with TestKafkaBroker(service.broker) as broker, app.router.lifespan_context(app):
        consumed_and_produced = (topics.BUNDLES, topics.CONTRACTS, topics.REFERENCE, topics.ENDPOINTS)
        assert created_topics == [t.name for topic in consumed_and_produced for t in (topic, topic.dead_letter)]
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://notifications") as api:
            assert (await api.get("/health")).status_code == 200
            response = await api.post(
                "/v1/endpoints", json={"url": receiver.url("/hooks/nammo")}, headers=industry("NAMMO")
            )
            assert response.status_code == 201, response.text
            secret = response.json()["secret"]

            await broker.publish(contract_created().model_dump(mode="json"), topics.CONTRACTS.name)
            deadline = time.monotonic() + 30
            while not receiver.hits:
                assert time.monotonic() < deadline, "no webhook within 30 s"
                await asyncio.sleep(0.02)

    [hit] = receiver.hits
    assert Webhook(secret).verify(hit.body, hit.headers)["data"]["contract_id"] == "contract-155mm"
    assert isinstance(service.http, LoopbackOnly)
    assert service.http.closed, "shutting down closes the dispatcher's connections"
