"""One flow through all three services, each step a real event on Kafka:
need registered → bundle updated → joint order committed → contract created → webhook."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar

import httpx
import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from tests.demand.helpers import ADMIN, coordinator_of
from tests.e2e.conftest import Platform
from tests.support.api import coordinator, desk, industry
from tests.support.today import TODAY

pytestmark = pytest.mark.e2e

T = TypeVar("T")

WINDOW = {"start": TODAY.isoformat(), "end": (TODAY + timedelta(days=3 * 365)).isoformat()}
"""A delivery window of three years from the day the tests run."""


def eventually(probe: Callable[[], T | None], timeout: float = 60, what: str = "condition") -> T:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = probe()
        if result:
            return result
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def register_endpoint(platform: Platform, org: str, event_types: list[str]) -> dict[str, Any]:
    response = httpx.post(
        f"{platform.notifications.url}/v1/endpoints",
        json={"url": platform.receiver.url(f"/hooks/{org}"), "description": "e2e", "event_types": event_types},
        headers=industry(org),
    )
    assert response.status_code == 201, response.text
    endpoint: dict[str, Any] = response.json()
    return endpoint


def register_need(platform: Platform, nation: str, item: str, quantity: int) -> str:
    body = {
        "nation": nation,
        "item_code": item,
        "quantity": quantity,
        "delivery_window": WINDOW,
    }
    response = httpx.post(f"{platform.demand.url}/v1/needs", json=body, headers=desk(nation))
    assert response.status_code == 201, response.text
    need_id: str = response.json()["id"]
    return need_id


def bundle_of(platform: Platform, item: str, nations: set[str]) -> dict[str, Any] | None:
    items = httpx.get(f"{platform.demand.url}/v1/bundles", headers=ADMIN).json()["items"]
    for bundle in items:
        if bundle["item_code"] == item and set(bundle["nations"]) == nations:
            found: dict[str, Any] = bundle
            return found
    return None


def commit(platform: Platform, bundle_id: str, lead: str, correlation_id: str | None = None) -> None:
    """Committed by the coordinator of the bundle's lead (the largest share, none being
    nominated), who hands the order to `lead`."""
    seen = httpx.get(f"{platform.demand.url}/v1/bundles/{bundle_id}", headers=ADMIN).json()
    headers = coordinator_of(seen["proposed_lead"]) | ({"x-correlation-id": correlation_id} if correlation_id else {})
    response = httpx.post(f"{platform.demand.url}/v1/bundles/{bundle_id}/commit", json={"lead": lead}, headers=headers)
    assert response.status_code == 200, response.text


def contract_for(platform: Platform, bundle_id: str, lead: str = "NSPA") -> dict[str, Any] | None:
    """As the coordinator of the joint order's lead sees it: another coordinator is told
    that the order does not exist."""
    response = httpx.get(f"{platform.contracts.url}/v1/joint-orders/{bundle_id}/contract", headers=coordinator_of(lead))
    if response.status_code == 200:
        found: dict[str, Any] = response.json()
        return found
    return None


def bundled(platform: Platform, item: str, nations: set[str]) -> dict[str, Any]:
    return eventually(lambda: bundle_of(platform, item, nations), what=f"{item} bundled for {sorted(nations)}")


def contracted(platform: Platform, bundle_id: str, lead: str = "NSPA", timeout: float = 60) -> dict[str, Any]:
    return eventually(lambda: contract_for(platform, bundle_id, lead), timeout, f"the contract of {bundle_id}")


def test_a_need_becomes_a_contract_and_industry_gets_one_signed_webhook(platform: Platform) -> None:
    endpoint = register_endpoint(platform, "NAMMO", ["contract.created"])
    register_need(platform, "NLD", "AMMO-155MM", 10_000)
    register_need(platform, "CZE", "AMMO-155MM", 25_000)

    bundle = bundled(platform, "AMMO-155MM", {"NLD", "CZE"})
    assert bundle["total_quantity"] == 35_000
    commit(platform, bundle["id"], lead="CZE", correlation_id="corr-e2e-155mm")

    contract = contracted(platform, bundle["id"], lead="CZE")
    assert contract["contracting_authority"] == "CZE"
    assert {(x["nation"], x["quantity"]) for x in contract["lines"]} == {("NLD", 10_000), ("CZE", 25_000)}

    received = platform.receiver.wait_for(1)
    assert len(received) == 1
    time.sleep(2)  # nothing more may arrive: exactly one delivery
    assert len(platform.receiver.requests) == 1
    hook = received[0]
    assert hook.path == "/hooks/NAMMO"
    payload = Webhook(endpoint["secret"]).verify(hook.body, hook.headers)
    assert payload["type"] == "contract.created"
    assert payload["data"]["contract_id"] == contract["id"]
    assert payload["data"]["item_code"] == "AMMO-155MM"
    assert payload["data"]["total_quantity"] == 35_000
    assert "NLD" not in json.dumps(payload)  # industry gets no per-nation detail
    with pytest.raises(WebhookVerificationError):  # a tampered body does not verify
        Webhook(endpoint["secret"]).verify(hook.body.replace(b"35000", b"36000"), hook.headers)

    # The correlation id of the commit request travels through every service's logs.
    for service in (platform.demand, platform.contracts, platform.notifications):
        assert "corr-e2e-155mm" in service.log_text(), service.name


def test_killing_contracts_mid_flow_loses_no_event_and_duplicates_no_contract(platform: Platform) -> None:
    endpoint = register_endpoint(platform, "THALES", [])
    items = ["VSRAT", "MMR", "PATRIOT-PAC2", "CV90", "AMMO-120MM", "NLAW"]
    for item in items:
        register_need(platform, "NLD", item, 12)
        register_need(platform, "NOR", item, 8)
    bundles = [bundled(platform, item, {"NLD", "NOR"}) for item in items]

    platform.contracts.kill()  # down before the joint orders are committed
    for bundle in bundles[:3]:
        commit(platform, bundle["id"], lead="NSPA")
    platform.contracts.start()
    for bundle in bundles[3:]:
        commit(platform, bundle["id"], lead="NSPA")
    # and killed again while it works through the backlog
    eventually(lambda: contract_for(platform, bundles[0]["id"]) or contract_for(platform, bundles[3]["id"]), 90)
    platform.contracts.kill()
    platform.contracts.start()

    contracts = [contracted(platform, b["id"], timeout=120) for b in bundles]
    assert len({c["id"] for c in contracts}) == len(bundles)
    listed = httpx.get(f"{platform.contracts.url}/v1/contracts", headers=coordinator("NSPA")).json()["items"]
    assert sorted(c["bundle_id"] for c in listed) == sorted(b["id"] for b in bundles)  # one contract per order

    received = platform.receiver.wait_for(len(bundles), timeout=90)
    time.sleep(2)
    ids = [Webhook(endpoint["secret"]).verify(r.body, r.headers)["data"]["contract_id"] for r in received]
    assert sorted(ids) == sorted(c["id"] for c in contracts)
    assert len(platform.receiver.requests) == len(bundles)
