"""The real cases through the three service processes, HTTP and the real broker:

- the Multi Mission Radar framework of the Netherlands opened to Norway, Denmark and
  Lithuania (accessions arriving as events), each placing a call-off with Thales;
- harmonising the 155 mm specification, an award where a cheaper offer from outside
  Europe loses on origin and delivery time, then a 155 mm framework with yearly call-offs
  and a late lot whose delay reaches the supplier as an event and a signed webhook.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from standardwebhooks.webhooks import Webhook

from bundling_shared.auth import Role
from bundling_shared.events.envelope import EventEnvelope
from bundling_shared.messaging.outbox import event_headers
from tests.contracts.events import accession, framework_committed, harmonisation
from tests.contracts.integration.test_api_awards import CHEAPER_ABROAD, EUROPEAN, NON_ASSOCIATED, PROCUREMENT
from tests.e2e.conftest import Platform
from tests.e2e.test_walking_skeleton import eventually, register_endpoint
from tests.support.api import bearer, coordinator, desk, industry
from tests.support.today import TODAY, clock_start

pytestmark = pytest.mark.e2e

VALID_UNTIL = (TODAY + timedelta(days=4 * 365)).isoformat()


def publish(bootstrap: str, platform: Platform, topic: str, *events: EventEnvelope[Any]) -> None:
    """As the demand service would: JSON body, keyed by aggregate, routing headers."""

    async def send() -> None:
        producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
        await producer.start()
        try:
            for event in events:
                await producer.send_and_wait(
                    prefix(platform) + topic,
                    event.model_dump_json().encode(),
                    key=event.aggregate_id.encode(),
                    headers=[(k, v.encode()) for k, v in event_headers(event).items()],
                )
        finally:
            await producer.stop()

    asyncio.run(send())


def read(bootstrap: str, platform: Platform, topic: str, until: int, timeout: float = 60) -> list[dict[str, Any]]:
    """Every event on a topic from the start, once at least `until` have arrived."""

    async def consume() -> list[dict[str, Any]]:
        consumer = AIOKafkaConsumer(
            prefix(platform) + topic,
            bootstrap_servers=bootstrap,
            auto_offset_reset="earliest",
            group_id=f"reader-{uuid.uuid4().hex}",
        )
        await consumer.start()
        found: list[dict[str, Any]] = []
        try:
            deadline = asyncio.get_running_loop().time() + timeout
            while len(found) < until and asyncio.get_running_loop().time() < deadline:
                for records in (await consumer.getmany(timeout_ms=500)).values():
                    found += [json.loads(r.value) for r in records]
        finally:
            await consumer.stop()
        return found

    return asyncio.run(consume())


def prefix(platform: Platform) -> str:
    return platform.contracts.env["KAFKA_TOPIC_PREFIX"]


def call(
    platform: Platform, method: str, path: str, headers: dict[str, str], body: Any = None, expect: int = 200
) -> Any:
    response = httpx.request(method, f"{platform.contracts.url}{path}", headers=headers, json=body, timeout=30)
    assert response.status_code == expect, f"{method} {path}: {response.status_code} {response.text}"
    return response.json() if response.content else None


def of_type(events: list[dict[str, Any]], event_type: str) -> list[dict[str, Any]]:
    return [e for e in events if e["event_type"] == event_type]


def test_the_radar_framework_opened_to_norway_denmark_and_lithuania(platform: Platform, kafka_bootstrap: str) -> None:
    thales_hook = register_endpoint(platform, "THALES-NL", ["call_off.placed"])
    committed = framework_committed(bundle_id=f"bundle-mmr-{uuid.uuid4().hex[:6]}")
    publish(kafka_bootstrap, platform, "demand.bundles", committed)
    framework = eventually(
        lambda: next(iter(call(platform, "GET", "/v1/frameworks", desk("NLD"))["items"]), None),
        what="the radar framework",
    )
    assert (framework["contracting_authority"], framework["participants"]) == ("NLD", {"NLD": 9})

    thales = call(platform, "POST", "/v1/suppliers", coordinator(), {
        "organisation": "THALES-NL", "country": "NLD", "industrial_base": "national",
        "security_declaration_valid_until": (TODAY + timedelta(days=700)).isoformat(),
    }, 201)  # fmt: skip
    call(platform, "POST", f"/v1/frameworks/{framework['id']}/suppliers", desk("NLD"),
         {"supplier_id": thales["id"], "unit_price_eur": 30_000_000})  # fmt: skip

    # the Netherlands opens its contract: accessions take effect without its approval each time
    call(platform, "PUT", f"/v1/frameworks/{framework['id']}/settings", desk("NLD"), {"accession_policy": "open"})
    joining = {"NOR": 2, "DNK": 2, "LTU": 1}
    stray = accession("LTU", 1, bundle_id="bundle-without-framework")
    publish(kafka_bootstrap, platform, "demand.bundles",
            *(accession(n, q, bundle_id=committed.payload.bundle_id) for n, q in joining.items()), stray)  # fmt: skip
    path = f"/v1/frameworks/{framework['id']}"
    eventually(lambda: len(call(platform, "GET", path, desk("NLD"))["participants"]) == 4, what="three accessions")
    call(platform, "GET", path, desk("DEU"), expect=404)

    due = (TODAY + timedelta(days=365)).isoformat()
    for nation in joining:
        placed = call(platform, "POST", f"{path}/call-offs", desk(nation),
                      {"item_code": "MMR", "quantity": 1, "delivery_due": due}, 201)  # fmt: skip
        assert placed["supplier_id"] == thales["id"]
    call(platform, "POST", f"{path}/call-offs", desk("DEU"), {"item_code": "MMR", "quantity": 1, "delivery_due": due},
         404)  # fmt: skip
    final = call(platform, "GET", path, desk("NLD"))
    assert (final["ceiling_quantity"], final["remaining_quantity"]) == (14, 11)
    assert [c["nation"] for c in call(platform, "GET", f"{path}/call-offs", desk("LTU"))["items"]] == ["LTU"]

    events = read(kafka_bootstrap, platform, "contracts.contracts", until=8)
    assert len(of_type(events, "contracts.framework.created")) == 1
    acceded = of_type(events, "contracts.framework.acceded")
    assert sorted(e["payload"]["nation"] for e in acceded) == ["DNK", "LTU", "NOR"]
    offs = of_type(events, "contracts.call_off.placed")
    assert sorted(e["payload"]["nation"] for e in offs) == ["DNK", "LTU", "NOR"]
    assert {e["payload"]["supplier_organisation"] for e in offs} == {"THALES-NL"}
    # An accession to nothing is not lost: it is refused with its reason, never dead-lettered.
    (refused,) = of_type(events, "contracts.framework.accession_refused")
    assert refused["payload"] == {**refused["payload"], "bundle_id": "bundle-without-framework", "nation": "LTU",
                                  "framework_id": "", "refused_by": "contracts"}  # fmt: skip
    assert read(kafka_bootstrap, platform, "demand.bundles.dlq", until=1, timeout=3) == []

    hooks = platform.receiver.wait_for(3)
    data = [Webhook(thales_hook["secret"]).verify(h.body, h.headers)["data"] for h in hooks]
    assert sorted(d["nation"] for d in data) == ["DNK", "LTU", "NOR"]


def test_155mm_harmonised_awarded_on_origin_and_a_delay_reaches_the_supplier(
    platform: Platform, kafka_bootstrap: str
) -> None:
    nammo_hook = register_endpoint(platform, "NAMMO", ["delivery.delayed", "award.decided"])

    # harmonisation proposed by the demand service, agreed by the nations over HTTP
    publish(kafka_bootstrap, platform, "demand.bundles", harmonisation(["NLD", "DEU", "CZE"]))
    spec = eventually(lambda: next(iter(call(platform, "GET", "/v1/specifications", desk("DEU"))["items"]), None),
                      what="the proposed specification")  # fmt: skip
    for nation in ("NLD", "DEU", "CZE"):
        spec = call(platform, "POST", f"/v1/specifications/{spec['id']}/positions", desk(nation), {"position": "agree"})
    assert spec["status"] == "harmonised" and spec["applies_to_ukraine_deliveries"]

    # the award: cheaper from outside Europe loses on origin and delivery time
    for org, country in (("NAMMO", "NOR"), ("GLOBALARMS", "USA"), ("FARCO", "KOR")):
        body = {"organisation": org, "country": country, "security_declaration_valid_until": VALID_UNTIL}
        call(platform, "POST", "/v1/suppliers", bearer(Role.ADMIN), body, 201)
    own = {**PROCUREMENT, "bundle_id": None, "nations": ["NLD"]}  # the Netherlands buys for itself
    procurement = call(platform, "POST", "/v1/procurements", desk("NLD"), own, 201)
    for org, offer in (("NAMMO", EUROPEAN), ("GLOBALARMS", CHEAPER_ABROAD), ("FARCO", NON_ASSOCIATED)):
        call(platform, "POST", f"/v1/procurements/{procurement['id']}/offers", industry(org), offer, 201)
    platform.contracts.stop()  # the offers were due today: the service lives on the next day from here
    platform.contracts.env["CLOCK_START"] = clock_start(1)
    platform.contracts.start()
    awarded = call(platform, "POST", f"/v1/procurements/{procurement['id']}/award", desk("NLD"))
    evaluation = call(platform, "GET", f"/v1/procurements/{procurement['id']}/evaluation", desk("NLD"))
    ranking = {e["supplier_organisation"]: e for e in evaluation["items"]}
    assert awarded["awarded_supplier"] == "NAMMO"
    assert ranking["GLOBALARMS"]["scores"]["price"] > ranking["NAMMO"]["scores"]["price"]
    assert "origin (-" in ranking["GLOBALARMS"]["why"] and "delivery (-" in ranking["GLOBALARMS"]["why"]
    seen_by_loser = call(platform, "GET", f"/v1/procurements/{procurement['id']}/offers", industry("GLOBALARMS"))
    assert [o["unit_price_eur"] for o in seen_by_loser["items"]] == [f"{CHEAPER_ABROAD['unit_price_eur']:.2f}"]
    nammo_id = ranking["NAMMO"]["supplier_id"]

    # the framework with yearly call-offs, one lot late
    framework = call(platform, "POST", "/v1/frameworks", desk("NLD"), {
        "item_code": "AMMO-155MM", "participants": {"NLD": 60_000}, "ceiling_quantity": 60_000,
        "ceiling_value_eur": 240_000_000, "start": f"{TODAY.year - 1}-01-01", "end": f"{TODAY.year + 3}-12-31",
        "suppliers": {nammo_id: 4_000},
    }, 201)  # fmt: skip
    years = [TODAY.year + i for i in range(3)]
    call_offs = [
        call(platform, "POST", f"/v1/frameworks/{framework['id']}/call-offs", desk("NLD"),
             {"item_code": "AMMO-155MM", "quantity": 10_000, "delivery_due": f"{year}-12-31"}, 201)
        for year in years
    ]  # fmt: skip
    first = call_offs[0]["id"]
    late = (TODAY - timedelta(days=5)).isoformat()
    (lot,) = call(platform, "POST", f"/v1/contracts/{first}/lots", desk("NLD"),
                  {"lots": [{"nation": "NLD", "quantity": 10_000, "due_date": late}]}, 201)  # fmt: skip
    call(platform, "POST", f"/v1/lots/{lot['id']}/deliveries", desk("NLD"), {"quantity": 4_000, "delivered_on": late})
    assert call(platform, "POST", "/v1/delivery-checks", coordinator())["delays_reported"] == 1
    lots = call(platform, "GET", f"/v1/contracts/{first}/lots", industry("NAMMO"))["items"]
    assert [x["status"] for x in lots] == ["partially_met"]
    call(platform, "GET", f"/v1/contracts/{first}/lots", desk("DEU"), expect=404)

    events = read(kafka_bootstrap, platform, "contracts.contracts", until=4 + len(years))  # the tender notice too
    (award,) = of_type(events, "contracts.award.decided")
    assert award["payload"]["supplier_organisation"] == "NAMMO"
    assert len(of_type(events, "contracts.call_off.placed")) == len(years)
    (delay,) = of_type(events, "contracts.delivery.delayed")
    assert (delay["payload"]["supplier_organisation"], delay["payload"]["quantity_outstanding"]) == ("NAMMO", 6_000)
    reference = read(kafka_bootstrap, platform, "contracts.reference", until=4)
    (harmonised,) = of_type(reference, "contracts.specification.harmonised")
    assert harmonised["payload"]["reference"] == "SPEC-155MM-NATO"
    assert len(of_type(reference, "contracts.supplier.registered")) == 3

    def delay_hook() -> dict[str, Any] | None:
        for hook in platform.receiver.requests:
            message: dict[str, Any] = Webhook(nammo_hook["secret"]).verify(hook.body, hook.headers)
            if message["type"] == "delivery.delayed":
                return message
        return None

    message = eventually(delay_hook, what="the delay webhook to NAMMO")
    assert message["data"]["lot_id"] == lot["id"] and message["data"]["quantity_outstanding"] == 6_000

    # NAMMO declares its 155 mm line; the Netherlands moves next year's call-off forward in
    # one order shift within it, and NAMMO and the Dutch desk hear of it; the Dutch desk
    # reads its lots in the allocation of NAMMO's output, month by month.
    shift_hook = register_endpoint(platform, "NAMMO", ["delivery_schedule.changed"])
    month = date(TODAY.year + (TODAY.month == 12), TODAY.month % 12 + 1, 1)
    line = call(platform, "POST", "/v1/production-lines", industry("NAMMO"), {
        "item_code": "AMMO-155MM", "site": "Raufoss", "country": "NOR", "earliest_start": month.isoformat(),
        "minimum_economic_quantity": 20_000, "rates": [{"month": f"{month:%Y-%m}", "units_per_month": 5_000}],
        "inputs": ["nitrocellulose"]}, 201)  # fmt: skip
    second = call_offs[1]["id"]
    call(platform, "POST", f"/v1/contracts/{second}/lots", desk("NLD"),
         {"lots": [{"nation": "NLD", "quantity": 10_000, "due_date": f"{years[1]}-12-31"}]}, 201)  # fmt: skip
    window = {"start": month.isoformat(), "end": (month + timedelta(days=150)).isoformat()}
    (moved,) = call(platform, "POST", f"/v1/contracts/{second}/schedule-shift", desk("NLD"),
                    {"window": window, "reason": "raised NATO stock norms"})  # fmt: skip
    assert moved["due_date"] == window["end"] and moved["value_eur"] == "40000000.00"
    allocation = call(platform, "GET", f"/v1/production-lines/{line['id']}/allocation", desk("NLD"))
    expected = {x["lot_id"]: x for x in allocation["lots"]}[moved["id"]]
    assert sum(m["quantity"] for m in expected["expected"]) == 10_000 and not expected["late"]

    def shift_hook_message() -> dict[str, Any] | None:
        for hook in platform.receiver.requests:
            try:
                message: dict[str, Any] = Webhook(shift_hook["secret"]).verify(hook.body, hook.headers)
            except Exception:
                continue
            if message["type"] == "delivery_schedule.changed" and "order shift" in message["data"]["reason"]:
                return message
        return None

    told = eventually(shift_hook_message, what="the order shift's webhook to NAMMO")
    assert told["data"]["contract_id"] == second
