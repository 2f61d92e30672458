"""Industry's view of the platform, with the notifications service as its own process on
the real broker and PostgreSQL, and a webhook receiver on loopback. The events other
services produce are published here on the platform's topics, as those services would:
need-to-know, the security-declaration gate, dead letters and a resend, in one run."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from standardwebhooks.webhooks import Webhook

from bundling_shared.events.envelope import EventEnvelope
from tests.e2e.conftest import Platform
from tests.notifications import events
from tests.support.api import industry
from tests.support.receiver import Received

pytestmark = pytest.mark.e2e

T = TypeVar("T")


def eventually(probe: Callable[[], T | None], timeout: float = 60, what: str = "condition") -> T:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := probe():
            return result
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def register(platform: Platform, org: str, **body: Any) -> dict[str, Any]:
    response = httpx.post(
        f"{platform.notifications.url}/v1/endpoints",
        json={"url": platform.receiver.url(f"/hooks/{org}"), **body},
        headers=industry(org),
    )
    assert response.status_code == 201, response.text
    endpoint: dict[str, Any] = response.json()
    return endpoint


def publish(platform: Platform, *items: tuple[str, EventEnvelope[Any] | dict[str, Any]]) -> None:
    """To the platform's topics (its prefix), keyed by aggregate, in the order given."""
    env = platform.notifications.env
    prefix = env["KAFKA_TOPIC_PREFIX"]

    async def send() -> None:
        producer = AIOKafkaProducer(bootstrap_servers=env["KAFKA_BOOTSTRAP_SERVERS"])
        await producer.start()
        try:
            for topic, event in items:
                body = events.as_json(event) if isinstance(event, EventEnvelope) else event
                key = str(body["aggregate_id"]).encode()
                await producer.send_and_wait(prefix + topic, json.dumps(body).encode(), key=key)
        finally:
            await producer.stop()

    asyncio.run(send())


def dead_letters(platform: Platform, topic: str) -> list[Any]:
    """What the notifications consumer dead-lettered (other services may read the topic too)."""
    env = platform.notifications.env

    async def read() -> list[Any]:
        consumer = AIOKafkaConsumer(
            env["KAFKA_TOPIC_PREFIX"] + topic + ".dlq",
            bootstrap_servers=env["KAFKA_BOOTSTRAP_SERVERS"],
            auto_offset_reset="earliest",
            group_id=uuid.uuid4().hex,
        )
        await consumer.start()
        try:
            batches = await consumer.getmany(timeout_ms=3000)
            records = [record for batch in batches.values() for record in batch]
            return [r for r in records if ("dlq-consumer", b"notifications") in r.headers]
        finally:
            await consumer.stop()

    return asyncio.run(read())


def logged(platform: Platform, event: str, **fields: str) -> bool:
    """Whether the notifications service logged this event (a JSON line, written once it
    committed what the event says)."""
    for line in platform.notifications.log_text().splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if (
            isinstance(record, dict)
            and record.get("event") == event
            and all(record.get(k) == v for k, v in fields.items())
        ):
            return True
    return False


def hits(platform: Platform, org: str) -> list[Received]:
    return [r for r in platform.receiver.requests if r.path == f"/hooks/{org}"]


def types_received(platform: Platform, org: str, secret: str) -> list[str]:
    return [Webhook(secret).verify(r.body, r.headers)["type"] for r in hits(platform, org)]


def test_industry_hears_what_concerns_it_and_nothing_else(platform: Platform) -> None:
    nammo = register(platform, "NAMMO", item_categories=["AMMO"])
    thales = register(platform, "THALES", event_types=["call_off.placed", "specification.harmonised"])
    rheinmetall = register(platform, "RHEINMETALL", event_types=["call_off.placed"])

    publish(platform, ("contracts.reference", events.supplier_registered("THALES")))
    # The register is fed from another topic than the call-offs, with no order between them.
    eventually(lambda: logged(platform, "supplier.registered", organisation="THALES"), what="THALES in the register")
    unknown = events.as_json(events.call_off()) | {"schema_version": 7}
    publish(
        platform,
        ("contracts.contracts", unknown),
        ("contracts.contracts", events.call_off(supplier="THALES")),
        ("contracts.contracts", events.call_off(supplier="RHEINMETALL")),  # no security declaration
        ("contracts.contracts", events.framework_acceded()),  # not for industry
        ("contracts.reference", events.specification_harmonised()),  # AMMO-155MM
        ("demand.bundles", events.bundle_opened(item_code="AMMO-155MM")),
        ("demand.bundles", events.bundle_opened(item_code="RADAR-MMR", bundle_id="bundle-radar")),
    )
    eventually(lambda: len(hits(platform, "NAMMO")) >= 2 and len(hits(platform, "THALES")) >= 2, what="webhooks")
    [dead] = eventually(lambda: dead_letters(platform, "contracts.contracts"), 30, "the dead letter")
    time.sleep(1.0)  # room for anything that should not come

    assert sorted(types_received(platform, "NAMMO", nammo["secret"])) == ["bundle.opened", "specification.harmonised"]
    assert sorted(types_received(platform, "THALES", thales["secret"])) == [
        "call_off.placed",
        "specification.harmonised",
    ]
    assert hits(platform, "RHEINMETALL") == [], "a call-off without a valid security declaration is withheld"
    opened = [json.loads(r.body) for r in hits(platform, "NAMMO") if b"bundle.opened" in r.body]
    assert [o["data"]["item_code"] for o in opened] == ["AMMO-155MM"], "the category filter held the radar back"
    assert {k: v for k, v in dead.headers}["dlq-error-type"] == b"ValidationError"
    assert rheinmetall["status"] == "active"

    # Resend: the receiver lost the call-off; the same message comes again, same webhook-id.
    [call_off] = [r for r in hits(platform, "THALES") if b"call_off.placed" in r.body]
    message_id = call_off.headers["webhook-id"]
    base = f"{platform.notifications.url}/v1/endpoints/{thales['id']}"
    response = httpx.post(f"{base}/messages/{message_id}/resend", headers=industry("THALES"))
    assert response.status_code == 200, response.text
    again = eventually(
        lambda: [r for r in hits(platform, "THALES") if r.headers["webhook-id"] == message_id][1:], 30, "the resend"
    )
    assert Webhook(thales["secret"]).verify(again[0].body, again[0].headers)["data"]["call_off_id"] == "co-nor-1"
    log = httpx.get(f"{base}/attempts", params={"message_id": message_id}, headers=industry("THALES")).json()
    assert [a["succeeded"] for a in log["items"]] == [True, True]
    other = httpx.post(f"{base}/messages/{message_id}/resend", headers=industry("NAMMO"))
    assert other.status_code == 404
