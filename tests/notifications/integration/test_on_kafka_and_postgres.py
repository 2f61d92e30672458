"""The notifications service on the real broker and PostgreSQL, with real HTTP receivers on
loopback: consumed events end as signed webhooks, a disabled endpoint is announced on
Kafka, an unknown event version is dead-lettered, and a restart resumes pending
deliveries on their schedule. Each test has its own topics and consumer groups."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from sqlalchemy import select
from standardwebhooks.webhooks import Webhook

from bundling_shared import topics
from bundling_shared.auth import Principal, Role
from bundling_shared.events.envelope import EventEnvelope
from bundling_shared.settings import KafkaSettings
from bundling_shared.topics import Topic
from notifications.adapters import orm
from notifications.bootstrap import NotificationsService, bootstrap
from notifications.config import NotificationsSettings
from notifications.domain.endpoint import Owner
from notifications.entrypoints.app import create_app
from notifications.service_layer import endpoints
from tests.notifications import events
from tests.notifications.conftest import DNS, FakeClock, fake_dns
from tests.notifications.events import contract_created
from tests.notifications.integration.conftest import LoopbackOnly, Receiver, Reply, add_endpoint, make_settings


@pytest.fixture
def own_topics(monkeypatch: pytest.MonkeyPatch) -> str:
    """Topic and group names with a prefix of this test's own, as KAFKA_TOPIC_PREFIX gives a
    process: the service reads them from bundling_shared.topics when it is wired."""
    prefix = f"nt{uuid.uuid4().hex[:8]}."
    monkeypatch.setattr(topics, "PREFIX", prefix)
    for name in ("BUNDLES", "CONTRACTS", "REFERENCE", "ENDPOINTS"):
        topic: Topic = getattr(topics, name)
        monkeypatch.setattr(topics, name, Topic(prefix + topic.name, topic.partitions))
    return prefix


@pytest.fixture
def settings(tmp_path: Path, postgres_url: str, kafka_bootstrap: str, own_topics: str) -> NotificationsSettings:
    return make_settings(
        tmp_path,
        database_url=postgres_url,
        run_migrations=True,
        kafka=KafkaSettings(bootstrap_servers=kafka_bootstrap, consumer_max_attempts=2, consumer_backoff_seconds=0.05),
    )


@contextlib.asynccontextmanager
async def running(
    settings: NotificationsSettings, clock: FakeClock | None = None
) -> AsyncIterator[NotificationsService]:
    """The whole app's lifespan: migrations, topics, consumers, dispatcher, outbox relay."""
    kwargs: dict[str, Any] = {"clock": clock} if clock else {}
    service = bootstrap(settings, resolve=fake_dns(DNS), wrap_transport=LoopbackOnly, **kwargs)
    app = create_app(service=service)
    async with app.router.lifespan_context(app):
        yield service


async def send(bootstrap_servers: str, *items: tuple[Topic, EventEnvelope[Any] | dict[str, Any]]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap_servers)
    await producer.start()
    try:
        for topic, event in items:
            body = events.as_json(event) if isinstance(event, EventEnvelope) else event
            await producer.send_and_wait(topic.name, json.dumps(body).encode(), key=str(body["aggregate_id"]).encode())
    finally:
        await producer.stop()


async def read(bootstrap_servers: str, topic: Topic, expected: int, timeout: float = 30) -> list[Any]:
    consumer = AIOKafkaConsumer(
        topic.name, bootstrap_servers=bootstrap_servers, auto_offset_reset="earliest", group_id=uuid.uuid4().hex
    )
    await consumer.start()
    records: list[Any] = []
    try:
        deadline = time.monotonic() + timeout
        while len(records) < expected and time.monotonic() < deadline:
            for batch in (await consumer.getmany(timeout_ms=300)).values():
                records.extend(batch)
    finally:
        await consumer.stop()
    return records


async def until(probe: Callable[[], Awaitable[object]] | Callable[[], object], what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while True:
        result = probe()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return
        assert time.monotonic() < deadline, f"timed out after {timeout}s waiting for {what}"
        await asyncio.sleep(0.05)


async def rows(service: NotificationsService, table: Any) -> list[dict[str, Any]]:
    async with service.engine.connect() as conn:
        return [dict(r) for r in (await conn.execute(select(table))).mappings().all()]


async def test_events_from_three_topics_become_signed_webhooks_for_those_entitled(
    settings: NotificationsSettings, kafka_bootstrap: str, receiver: Receiver
) -> None:
    async with running(settings) as service:
        nammo = await add_endpoint(service, "NAMMO", receiver.url("/nammo"), item_categories=("AMMO",))
        thales = await add_endpoint(service, "THALES", receiver.url("/thales"), ("call_off.placed",))
        gone = await add_endpoint(service, "RHEINMETALL", receiver.script("/gone", Reply(410)))

        await send(kafka_bootstrap, (topics.REFERENCE, events.supplier_registered("THALES")))
        await until(lambda: rows(service, orm.suppliers), "the supplier register")
        unknown = events.as_json(events.bundle_opened()) | {"schema_version": 99}
        await send(
            kafka_bootstrap,
            (topics.BUNDLES, unknown),
            (topics.BUNDLES, events.bundle_opened(item_code="AMMO-155MM")),
            (topics.CONTRACTS, events.call_off(supplier="THALES")),
            (topics.CONTRACTS, events.call_off(supplier="NAMMO")),  # no declaration: withheld
        )
        await until(lambda: receiver.hits_on("/nammo") and receiver.hits_on("/thales"), "both webhooks")
        [dead] = await read(kafka_bootstrap, topics.BUNDLES.dead_letter, 1)
        [disabled] = await read(kafka_bootstrap, topics.ENDPOINTS, 1)
        await asyncio.sleep(0.3)  # room for anything that should not come

    [to_nammo] = receiver.hits_on("/nammo")
    assert Webhook(nammo.secret).verify(to_nammo.body, to_nammo.headers)["type"] == "bundle.opened"
    [to_thales] = receiver.hits_on("/thales")
    call_off = Webhook(thales.secret).verify(to_thales.body, to_thales.headers)
    assert (call_off["type"], call_off["data"]["nation"], call_off["data"]["quantity"]) == ("call_off.placed", "NOR", 2)
    assert len(receiver.hits_on("/gone")) == 1, "the 410 endpoint got the opportunity notice, then nothing"

    headers = {k: v.decode() for k, v in dead.headers}
    assert headers["dlq-error-type"] == "ValidationError" and headers["dlq-consumer"] == "notifications"
    assert json.loads(dead.value)["schema_version"] == 99, "the original bytes are kept"
    event = json.loads(disabled.value)
    assert disabled.key == gone.id.encode()
    assert (event["event_type"], event["payload"]["endpoint_id"], event["organisation"]) == (
        "notifications.endpoint.disabled",
        gone.id,
        "RHEINMETALL",
    )


async def test_a_restart_resumes_pending_deliveries_on_their_schedule(
    settings: NotificationsSettings, kafka_bootstrap: str, receiver: Receiver
) -> None:
    clock = FakeClock()  # the consumer stamps the delivery with this clock too: due at once, however slow the start
    url = receiver.script("/flaky", Reply(503), Reply(204))
    async with running(settings, clock) as first:
        endpoint = await add_endpoint(first, "NAMMO", url)
        await send(kafka_bootstrap, (topics.CONTRACTS, contract_created()))

        async def retry_scheduled() -> bool:
            found = await rows(first, orm.deliveries)
            return bool(found) and found[0]["attempt_count"] == 1

        await until(retry_scheduled, "the first attempt recorded")
        [delivery] = await rows(first, orm.deliveries)
    assert delivery["status"] == "pending"
    assert delivery["next_attempt_at"] == clock.now() + timedelta(seconds=5)

    async with running(settings, clock) as restarted:
        await asyncio.sleep(1.0)
        assert len(receiver.hits) == 1, "the retry waits for its time, also after a restart"
        clock.advance(timedelta(seconds=5))
        await until(lambda: len(receiver.hits) == 2, "the retry after the restart")

        async def succeeded() -> bool:
            return bool((await rows(restarted, orm.deliveries))[0]["status"] == "succeeded")

        await until(succeeded, "the delivery recorded as succeeded")
        assert len(await rows(restarted, orm.messages)) == 1, "the event was not consumed twice"
    first_hit, second_hit = receiver.hits
    assert first_hit.headers["webhook-id"] == second_hit.headers["webhook-id"]
    assert Webhook(endpoint.secret).verify(first_hit.body, first_hit.headers)["data"]["contract_id"] == "contract-155mm"


async def test_a_pledge_reaches_its_two_nations_desks_and_a_fund_industry_over_the_broker(
    settings: NotificationsSettings, kafka_bootstrap: str, receiver: Receiver
) -> None:
    async with running(settings) as service:
        nld = await add_endpoint(service, "NLD", receiver.url("/nld"), nation=True)
        cze = await add_endpoint(service, "CZE", receiver.url("/cze"), nation=True)
        deu = await add_endpoint(service, "DEU", receiver.url("/deu"), nation=True)
        nammo = await add_endpoint(service, "NAMMO", receiver.url("/nammo"))  # every industry type
        named_like_nld = await add_endpoint(service, "NLD", receiver.url("/company-nld"))

        await send(kafka_bootstrap, (topics.BUNDLES, events.pledge("confirmed")), (topics.BUNDLES, events.fund()))
        paths = ("/nld", "/cze", "/deu", "/nammo", "/company-nld")
        await until(lambda: all(receiver.hits_on(p) for p in paths), "a webhook on every endpoint")
        await asyncio.sleep(0.3)  # room for anything that should not come

    def told(path: str, secret: str) -> dict[str, dict[str, Any]]:
        verified = (Webhook(secret).verify(h.body, h.headers) for h in receiver.hits_on(path))
        return {notice["type"]: notice["data"] for notice in verified}

    for path, endpoint in (("/nld", nld), ("/cze", cze)):
        notices = told(path, endpoint.secret)
        assert set(notices) == {"pledge.confirmed", "fund.opened"}, path
        pledge = notices["pledge.confirmed"]
        assert (pledge["nation"], pledge["lead"], pledge["status"]) == ("NLD", "CZE", "confirmed")
        assert "amount" not in pledge
        assert pledge["link"].endswith("/v1/pledges/pledge-nld-155mm")
    assert set(told("/deu", deu.secret)) == {"fund.opened"}, "another nation hears of the fund, not of the pledge"
    for path, endpoint in (("/nammo", nammo), ("/company-nld", named_like_nld)):
        notices = told(path, endpoint.secret)
        assert set(notices) == {"fund.opened"}, f"{path}: industry never hears of a pledge"
        assert "amount" not in notices["fund.opened"] and notices["fund.opened"]["lead"] == "CZE"


async def test_an_agency_that_leads_and_signs_hears_its_lead_notices_over_the_broker(
    settings: NotificationsSettings, kafka_bootstrap: str, receiver: Receiver
) -> None:
    """NSPA leads a bundle, commits it, signs its contract and runs what nations pledge to:
    its coordinators' endpoint hears the pledge to it, its commitment that could not be
    contracted and its contract nearing its end; a nation in none of them hears nothing."""
    nspa_coordinator = Principal(subject="coordinator:NSPA", role=Role.COORDINATOR, organisation="NSPA")
    async with running(settings) as service:
        nspa = await endpoints.register_endpoint(
            service.uow(),
            caller=nspa_coordinator,
            cmd=endpoints.RegisterEndpoint(url=receiver.url("/nspa"), description="NSPA desk", event_types=()),
            guard=service.url_guard,
        )
        await add_endpoint(service, "POL", receiver.url("/pol"), nation=True)
        await send(
            kafka_bootstrap,
            (topics.BUNDLES, events.pledge("confirmed", recipient="NSPA")),
            (topics.CONTRACTS, events.commitment_refused("NSPA", "bundle-agency")),
            (topics.CONTRACTS, events.contract_expiring(kind="contract", lead="NSPA", suppliers=())),
        )
        await until(lambda: len(receiver.hits_on("/nspa")) >= 3, "three notices on the agency's endpoint")
        await asyncio.sleep(0.3)  # room for anything that should not come

    assert nspa.owner is Owner.AGENCY and nspa.organisation == "NSPA"
    heard = [Webhook(nspa.secret).verify(h.body, h.headers) for h in receiver.hits_on("/nspa")]
    assert sorted(n["type"] for n in heard) == ["commitment.not_contracted", "contract.expiring", "pledge.confirmed"]
    pledge = next(n["data"] for n in heard if n["type"] == "pledge.confirmed")
    assert pledge["lead"] == "NSPA" and "amount" not in pledge
    assert receiver.hits_on("/pol") == [], "a nation outside hears nothing of another lead's"
