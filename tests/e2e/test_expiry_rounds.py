"""Expiry drives the next round, across the three services on the real broker and
PostgreSQL: a framework four years from its end is told at its five-year horizon by the
contracts service; the demand service opens the follow-on round its nations see; the
nations' desks hear of it by signed webhook, without any nation's quantity."""

from __future__ import annotations

import json
from functools import partial
from typing import Any

import httpx
import pytest
from standardwebhooks.webhooks import Webhook

from tests.demand.helpers import coordinator_of
from tests.e2e.conftest import Platform
from tests.e2e.test_nation_notices import hits, register_endpoint
from tests.e2e.test_walking_skeleton import eventually
from tests.support.api import desk
from tests.support.today import TODAY

pytestmark = pytest.mark.e2e

FIRST, LAST = TODAY.year + 1, TODAY.year + 4
"""The framework's years: it ends four years ahead, within five years of today whatever the day."""
SHARES = {"NLD": 2_000, "CZE": 3_000}


def register_multi_year_need(platform: Platform, nation: str, per_year: int) -> None:
    body = {
        "nation": nation,
        "item_code": "AMMO-155MM",
        "yearly_quantities": [{"year": y, "quantity": per_year} for y in range(FIRST, LAST + 1)],
        "delivery_window": {"start": f"{FIRST}-01-01", "end": f"{LAST}-12-31"},
    }
    response = httpx.post(f"{platform.demand.url}/v1/needs", json=body, headers=desk(nation))
    assert response.status_code == 201, response.text


def bundles_of(platform: Platform, nation: str) -> list[dict[str, Any]]:
    answer = httpx.get(f"{platform.demand.url}/v1/bundles", headers=desk(nation), params={"item_code": "AMMO-155MM"})
    assert answer.status_code == 200, answer.text
    found: list[dict[str, Any]] = answer.json()["items"]
    return found


def test_an_expiring_framework_opens_its_follow_on_round_and_its_desks_hear_of_it(platform: Platform) -> None:
    contracts = platform.contracts
    contracts.stop()  # the contracts service looks for horizons every half second from here
    contracts.env["CONTRACTS_EXPIRY_SCAN_SECONDS"] = "0.5"
    contracts.start()
    nld = register_endpoint(platform, desk("NLD"), "nld", event_types=["contract.expiring"])
    cze = register_endpoint(platform, desk("CZE"), "cze", event_types=["contract.expiring"])
    register_endpoint(platform, desk("DEU"), "deu")  # not in it

    for nation, total in SHARES.items():
        register_multi_year_need(platform, nation, total // (LAST - FIRST + 1))
    bundle = eventually(
        lambda: next((b for b in bundles_of(platform, "NLD") if set(b["nations"]) == set(SHARES)), None),
        60,
        "the framework bundle of both nations",
    )
    committed = httpx.post(
        f"{platform.demand.url}/v1/bundles/{bundle['id']}/commit", json={}, headers=coordinator_of("CZE")
    )
    assert committed.status_code == 200, committed.text

    def follow_on_round() -> dict[str, Any] | None:
        return next((b for b in bundles_of(platform, "NLD") if b["follows_on"]), None)

    round_ = eventually(follow_on_round, 60, "the follow-on round the demand service opens")
    follows = round_["follows_on"]
    assert (follows["kind"], follows["ends_on"], follows["horizon_years"]) == ("framework", f"{LAST}-12-31", 5)
    assert follows["nations"] == ["CZE", "NLD"]
    # Its own quantity, and year by year what it took under the framework, a term later.
    term = LAST - FIRST + 1
    yearly = [{"year": y + term, "quantity": 500} for y in range(FIRST, LAST + 1)]
    assert follows["expected"] == [{"nation": "NLD", "quantity": 2_000, "yearly": yearly}]
    assert (round_["status"], round_["delivery_window"]["start"]) == ("proposed", f"{LAST + 1}-01-01")
    assert [b for b in bundles_of(platform, "DEU") if b["follows_on"]] == []

    for endpoint, hook in ((nld, "nld"), (cze, "cze")):
        [webhook] = eventually(partial(hits, platform, hook), 60, f"the notice at the {hook} desk")
        notice = Webhook(endpoint["secret"]).verify(webhook.body, webhook.headers)
        assert notice["type"] == "contract.expiring"
        data = notice["data"]
        assert (data["kind"], data["end"], data["horizon_years"], data["nation_count"]) == (
            "framework", f"{LAST}-12-31", 5, 2,
        )  # fmt: skip
        assert data["link"].endswith(f"/v1/frameworks/{data['agreement_id']}")
        assert "quantit" not in json.dumps(data) and "2000" not in json.dumps(data), "no nation's quantity"
    assert hits(platform, "deu") == []
