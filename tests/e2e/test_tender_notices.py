"""A tender notice reaches the cleared companies, and a delay the desk of the nation whose
lot it is, across the three services on the real broker and PostgreSQL: the contracts
service publishes the event, the notifications service decides who hears it, and a company
without a security declaration, or another nation, hears nothing."""

from __future__ import annotations

import asyncio
import time
from datetime import date, timedelta
from typing import Any

import asyncpg
import pytest
from standardwebhooks.webhooks import Webhook

from bundling_shared.auth import Role
from tests.e2e.conftest import Platform
from tests.e2e.test_contracts_scenarios import call
from tests.e2e.test_nation_notices import hits, register_endpoint
from tests.e2e.test_walking_skeleton import eventually
from tests.support.api import bearer, coordinator, desk, industry
from tests.support.today import TODAY

pytestmark = pytest.mark.e2e

WEIGHTS = {"price": 40, "delivery": 25, "origin": 25, "industrial_participation": 10}


def registered_in_notifications(platform: Platform, *organisations: str) -> bool:
    """Whether the notifications service's register holds these companies yet: the tender
    notice must not overtake the registrations it is checked against."""
    dsn = platform.notifications.env["NOTIFICATIONS_DATABASE_URL"].replace("postgresql+asyncpg://", "postgresql://")

    async def held() -> set[str]:
        conn = await asyncpg.connect(dsn)
        try:
            return {r["organisation"] for r in await conn.fetch("SELECT organisation FROM suppliers")}
        finally:
            await conn.close()

    return set(organisations) <= asyncio.run(held())


def supplier(platform: Platform, organisation: str, valid_until: date | None) -> dict[str, Any]:
    declared = valid_until.isoformat() if valid_until else None
    body = {"organisation": organisation, "country": "NOR", "security_declaration_valid_until": declared}
    found: dict[str, Any] = call(platform, "POST", "/v1/suppliers", bearer(Role.ADMIN), body, 201)
    return found


def test_a_tender_notice_reaches_cleared_companies_and_a_delay_the_desk_of_its_nation(platform: Platform) -> None:
    nammo = register_endpoint(platform, industry("NAMMO"), "nammo", item_categories=["AMMO"])
    tenders = ["procurement.opened"]
    register_endpoint(platform, industry("FARCO"), "farco", event_types=tenders)  # registered, no declaration
    register_endpoint(platform, industry("SAAB"), "saab", event_types=tenders, item_categories=["RADAR"])
    nld = register_endpoint(platform, desk("NLD"), "nld", event_types=["delivery.delayed"])
    register_endpoint(platform, desk("DEU"), "deu")
    nammo_id = supplier(platform, "NAMMO", TODAY + timedelta(days=400))["id"]
    supplier(platform, "FARCO", None)
    supplier(platform, "SAAB", TODAY + timedelta(days=400))
    eventually(lambda: registered_in_notifications(platform, "NAMMO", "FARCO", "SAAB"), 60, "the register")

    # the Netherlands tenders 155 mm for itself: the cleared companies of the item hear of it
    due = TODAY + timedelta(days=30)
    tender = {"item_code": "AMMO-155MM", "buyer_nation": "NLD", "nations": ["NLD"], "quantity": 10_000,
              "tender_date": TODAY.isoformat(), "weights": WEIGHTS, "offers_due": due.isoformat()}  # fmt: skip
    procurement = call(platform, "POST", "/v1/procurements", desk("NLD"), tender, 201)
    [webhook] = eventually(lambda: hits(platform, "nammo"), 60, "the tender notice at NAMMO's endpoint")
    notice = Webhook(nammo["secret"]).verify(webhook.body, webhook.headers)
    assert notice["type"] == "procurement.opened"
    data = notice["data"]
    assert (data["procurement_id"], data["quantity"], data["offers_due"]) == (
        procurement["id"],
        10_000,
        due.isoformat(),
    )
    assert data["link"].endswith(f"/v1/tenders/{procurement['id']}")
    read = call(platform, "GET", f"/v1/tenders/{procurement['id']}", industry("NAMMO"))  # behind the link
    assert read["offers_due"] == due.isoformat()

    # a lot of the Netherlands falls late under its framework: its desk hears of it
    framework = call(platform, "POST", "/v1/frameworks", desk("NLD"), {
        "item_code": "AMMO-155MM", "participants": {"NLD": 1_000}, "ceiling_quantity": 1_000,
        "start": f"{TODAY.year - 1}-01-01", "end": f"{TODAY.year + 2}-12-31", "suppliers": {nammo_id: 4_000},
    }, 201)  # fmt: skip
    call_off = call(platform, "POST", f"/v1/frameworks/{framework['id']}/call-offs", desk("NLD"),
                    {"item_code": "AMMO-155MM", "quantity": 100, "delivery_due": f"{TODAY.year + 1}-12-31"},
                    201)  # fmt: skip
    late = (TODAY - timedelta(days=5)).isoformat()
    call(platform, "POST", f"/v1/contracts/{call_off['id']}/lots", desk("NLD"),
         {"lots": [{"nation": "NLD", "quantity": 100, "due_date": late}]}, 201)  # fmt: skip
    assert call(platform, "POST", "/v1/delivery-checks", coordinator())["delays_reported"] == 1
    [delay] = eventually(lambda: hits(platform, "nld"), 60, "the delay at the NLD desk's endpoint")
    told = Webhook(nld["secret"]).verify(delay.body, delay.headers)
    assert told["type"] == "delivery.delayed"
    assert (told["data"]["nation"], told["data"]["quantity_outstanding"]) == ("NLD", 100)

    time.sleep(1.0)  # room for anything that should not come
    heard = sorted({r.path for r in platform.receiver.requests})
    assert heard == ["/hooks/nammo", "/hooks/nld"], "no uncleared company, no other item's company, no other desk"
