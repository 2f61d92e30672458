"""A need the bundling engine cannot place reaches its desk as a signed webhook, across the
three services on the real broker and PostgreSQL: the demand service sets it aside and
says so, the notifications service tells that nation's desk, and no one else hears of it."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from typing import Any

import asyncpg
import httpx
import pytest
from standardwebhooks.webhooks import Webhook

from tests.demand.helpers import ADMIN, coordinator_of
from tests.e2e.conftest import Platform
from tests.e2e.test_walking_skeleton import eventually
from tests.support.api import desk, industry
from tests.support.receiver import Received
from tests.support.today import TODAY

pytestmark = pytest.mark.e2e

BEYOND_THE_ENGINE = 2_000_000_000  # units: more than one need may hold, as the column still stores


def register_endpoint(platform: Platform, headers: dict[str, str], hook: str, **body: Any) -> dict[str, Any]:
    response = httpx.post(
        f"{platform.notifications.url}/v1/endpoints",
        json={"url": platform.receiver.url(f"/hooks/{hook}"), **body},
        headers=headers,
    )
    assert response.status_code == 201, response.text
    endpoint: dict[str, Any] = response.json()
    return endpoint


def draft_need(platform: Platform, nation: str) -> str:
    start = TODAY + timedelta(days=60)
    body = {
        "nation": nation,
        "item_code": "AMMO-155MM",
        "quantity": 500,
        "delivery_window": {"start": start.isoformat(), "end": (start + timedelta(days=700)).isoformat()},
        "draft": True,
    }
    response = httpx.post(f"{platform.demand.url}/v1/needs", json=body, headers=desk(nation))
    assert response.status_code == 201, response.text
    need_id: str = response.json()["id"]
    return need_id


def store_quantity(platform: Platform, need_id: str, quantity: int) -> None:
    """Written around the API's bounds, as a row of an older release would be."""
    dsn = platform.demand.env["DEMAND_DATABASE_URL"].replace("postgresql+asyncpg://", "postgresql://")

    async def update() -> None:
        conn = await asyncpg.connect(dsn)
        try:
            await conn.execute("UPDATE needs SET quantity = $1 WHERE id = $2", quantity, need_id)
        finally:
            await conn.close()

    asyncio.run(update())


def hits(platform: Platform, hook: str) -> list[Received]:
    return [r for r in platform.receiver.requests if r.path == f"/hooks/{hook}"]


def test_a_need_the_engine_cannot_place_is_told_to_its_desk_alone(platform: Platform) -> None:
    nld = register_endpoint(platform, desk("NLD"), "nld", event_types=["need.unplaceable"])
    register_endpoint(platform, desk("DEU"), "deu")
    register_endpoint(platform, industry("NAMMO"), "nammo")
    register_endpoint(platform, industry("NLD"), "company-named-nld")

    need_id = draft_need(platform, "NLD")
    store_quantity(platform, need_id, BEYOND_THE_ENGINE)
    submitted = httpx.post(f"{platform.demand.url}/v1/needs/{need_id}/submit", headers=desk("NLD"))
    assert submitted.status_code == 200, submitted.text

    [webhook] = eventually(lambda: hits(platform, "nld"), 60, "the notice at the NLD desk's endpoint")
    notice = Webhook(nld["secret"]).verify(webhook.body, webhook.headers)
    assert notice["type"] == "need.unplaceable"
    data = notice["data"]
    assert set(data) == {"need_id", "item_code", "reason", "link"}
    assert (data["need_id"], data["item_code"]) == (need_id, "AMMO-155MM")
    assert "1,000,000,000" in data["reason"]
    seen = httpx.get(f"{platform.demand.url}/v1/needs/{need_id}", headers=desk("NLD")).json()
    assert (seen["status"], seen["status_reason"]) == ("unplaceable", data["reason"])

    time.sleep(1.0)  # room for anything that should not come
    assert [r.path for r in platform.receiver.requests] == ["/hooks/nld"]


def test_the_desk_still_silent_is_reminded_as_the_accession_deadline_draws_near(platform: Platform) -> None:
    start = TODAY + timedelta(days=60)
    window = {"start": start.isoformat(), "end": (start + timedelta(days=365)).isoformat()}
    for nation in ("FIN", "EST"):
        need = {"nation": nation, "item_code": "NLAW", "quantity": 40, "delivery_window": window}
        assert httpx.post(f"{platform.demand.url}/v1/needs", json=need, headers=desk(nation)).status_code == 201

    def bundle() -> dict[str, Any] | None:
        found = httpx.get(f"{platform.demand.url}/v1/bundles", params={"item_code": "NLAW"}, headers=desk("FIN"))
        items = [b for b in found.json()["items"] if sorted(b["nations"]) == ["EST", "FIN"]]
        return items[0] if items else None

    bid = eventually(bundle, 60, "the NLAW bundle of Finland and Estonia")["id"]
    fin = register_endpoint(platform, desk("FIN"), "fin", event_types=["bundle.deadline_nearing"])
    register_endpoint(platform, desk("EST"), "est", event_types=["bundle.deadline_nearing"])
    seen = httpx.get(f"{platform.demand.url}/v1/bundles/{bid}", headers=ADMIN).json()
    lead = coordinator_of(seen["lead"] or seen["proposed_lead"])
    # Opened with a deadline beyond the days before it when the silent are reminded (7): the
    # demand service looks every 2 s, and a look between the opening and Estonia's answer
    # would rightly remind Estonia too. Estonia answers; then the deadline comes near.
    far = (TODAY + timedelta(days=30)).isoformat()
    opened = httpx.post(f"{platform.demand.url}/v1/bundles/{bid}/open", json={"deadline": far}, headers=lead)
    assert opened.status_code == 200, opened.text
    answered = httpx.post(f"{platform.demand.url}/v1/bundles/{bid}/participation", json={"decision": "confirm"},
                          headers=desk("EST"))  # fmt: skip
    assert answered.status_code == 200, answered.text
    deadline = (TODAY + timedelta(days=3)).isoformat()
    moved = httpx.post(f"{platform.demand.url}/v1/bundles/{bid}/deadline", json={"deadline": deadline}, headers=lead)
    assert moved.status_code == 200, moved.text

    [webhook] = eventually(lambda: hits(platform, "fin"), 60, "the reminder at the Finnish desk's endpoint")
    notice = Webhook(fin["secret"]).verify(webhook.body, webhook.headers)
    assert notice["type"] == "bundle.deadline_nearing"
    assert (notice["data"]["bundle_id"], notice["data"]["accession_deadline"]) == (bid, deadline)
    time.sleep(3.0)  # a few more checks: told once, and never to Estonia, which answered
    assert [r.path for r in platform.receiver.requests if r.path in ("/hooks/fin", "/hooks/est")] == ["/hooks/fin"]
