"""The /v1 API in-process: an organisation sees and manages only its own endpoints."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from bundling_shared.auth import Role
from notifications.bootstrap import NotificationsService
from notifications.entrypoints.app import create_app
from tests.notifications.conftest import FakeClock
from tests.notifications.integration.conftest import Receiver, Reply, announce, make_settings, running_service
from tests.support.api import bearer, coordinator, industry

ADMIN = bearer(Role.ADMIN, org="platform")
HOOK = "https://hooks.example-defence.eu/bundling"


async def create(api: httpx.AsyncClient, org: str, **body: Any) -> dict[str, Any]:
    response = await api.post("/v1/endpoints", json={"url": HOOK} | body, headers=industry(org))
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def test_the_secret_is_shown_once_at_creation(api: httpx.AsyncClient) -> None:
    created = await create(api, "NAMMO", description="155 mm desk", event_types=["contract.created"])
    assert created["secret"].startswith("whsec_")
    assert created["organisation"] == "NAMMO"
    assert created["status"] == "active"
    assert created["event_types"] == ["contract.created"]
    shown = (await api.get(f"/v1/endpoints/{created['id']}", headers=industry("NAMMO"))).json()
    assert "secret" not in shown
    listed = (await api.get("/v1/endpoints", headers=industry("NAMMO"))).json()["items"]
    assert all("secret" not in e for e in listed)


async def test_another_organisations_endpoint_is_not_found_for_every_operation(api: httpx.AsyncClient) -> None:
    nammo = await create(api, "NAMMO")
    theirs = industry("THALES")
    path = f"/v1/endpoints/{nammo['id']}"
    assert (await api.get(path, headers=theirs)).status_code == 404
    for action in ("pause", "resume", "rotate-secret"):
        assert (await api.post(f"{path}/{action}", headers=theirs)).status_code == 404, action
    assert (await api.get(f"{path}/attempts", headers=theirs)).status_code == 404
    assert (await api.delete(path, headers=theirs)).status_code == 404
    assert (await api.get("/v1/endpoints", headers=theirs)).json()["items"] == []
    # still there and untouched for its owner
    mine = (await api.get(path, headers=industry("NAMMO"))).json()
    assert mine["status"] == "active"


async def test_an_admin_sees_every_organisations_endpoints(api: httpx.AsyncClient) -> None:
    await create(api, "NAMMO")
    await create(api, "THALES")
    listed = (await api.get("/v1/endpoints", headers=ADMIN)).json()
    assert sorted(e["organisation"] for e in listed["items"]) == ["NAMMO", "THALES"]
    assert listed["total"] == 2


async def test_a_coordinator_of_no_known_agency_has_no_endpoints_and_an_agencys_has_its_own(
    api: httpx.AsyncClient,
) -> None:
    assert (await api.get("/v1/endpoints")).status_code == 401
    assert (await api.get("/v1/endpoints", headers=coordinator("ACME"))).status_code == 403
    response = await api.post("/v1/endpoints", json={"url": HOOK}, headers=coordinator("ACME"))
    assert response.status_code == 403
    created = await api.post("/v1/endpoints", json={"url": HOOK}, headers=coordinator("NSPA"))
    assert created.status_code == 201
    assert (created.json()["owner"], created.json()["organisation"]) == ("agency", "NSPA")
    listed = (await api.get("/v1/endpoints", headers=coordinator("NSPA"))).json()["items"]
    assert [e["id"] for e in listed] == [created.json()["id"]]
    assert (await api.get("/v1/endpoints", headers=coordinator("EDA"))).json()["items"] == []
    refused = await api.post("/v1/endpoints", json={"url": HOOK, "agency": "OCCAR"}, headers=coordinator("NSPA"))
    assert refused.status_code == 422


async def test_industry_cannot_register_for_another_organisation(api: httpx.AsyncClient) -> None:
    response = await api.post("/v1/endpoints", json={"url": HOOK, "organisation": "THALES"}, headers=industry("NAMMO"))
    assert response.status_code == 422
    created = (await api.post("/v1/endpoints", json={"url": HOOK, "organisation": "THALES"}, headers=ADMIN)).json()
    assert created["organisation"] == "THALES"


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("https://169.254.169.254/latest/meta-data", "link-local"),
        ("https://10.0.0.1/hooks", "private"),
        ("https://[::ffff:192.168.0.1]/hooks", "192.168.0.1"),
        ("https://metadata.internal/hooks", "169.254.169.254"),
        ("https://split.example.eu/hooks", "10.0.0.7"),
        ("https://nowhere.example.eu/hooks", "cannot be resolved"),
        ("ftp://hooks.example-defence.eu/x", "scheme"),
    ],
)
async def test_an_unsafe_url_is_refused_with_its_reason(api: httpx.AsyncClient, url: str, reason: str) -> None:
    response = await api.post("/v1/endpoints", json={"url": url}, headers=industry("NAMMO"))
    assert response.status_code == 422
    assert reason in response.json()["detail"]
    assert (await api.get("/v1/endpoints", headers=industry("NAMMO"))).json()["items"] == []


async def test_plain_http_needs_the_setting(tmp_path: Path) -> None:
    async with running_service(make_settings(tmp_path, allow_http=False)) as strict:
        app = create_app(service=strict)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://n") as api:
            response = await api.post(
                "/v1/endpoints", json={"url": "http://hooks.example-defence.eu/x"}, headers=industry("NAMMO")
            )
    assert response.status_code == 422
    assert "scheme 'http' is not allowed" in response.json()["detail"]


async def test_an_unknown_event_type_is_refused(api: httpx.AsyncClient) -> None:
    response = await api.post(
        "/v1/endpoints", json={"url": HOOK, "event_types": ["contract.signed"]}, headers=industry("NAMMO")
    )
    assert response.status_code == 422
    assert "unknown event types" in response.json()["detail"]


async def test_pause_resume_and_delete(api: httpx.AsyncClient) -> None:
    endpoint = await create(api, "NAMMO")
    path, mine = f"/v1/endpoints/{endpoint['id']}", industry("NAMMO")
    assert (await api.post(f"{path}/pause", headers=mine)).json()["status"] == "paused"
    assert (await api.get(path, headers=mine)).json()["status"] == "paused"
    assert (await api.post(f"{path}/resume", headers=mine)).json()["status"] == "active"
    assert (await api.delete(path, headers=mine)).status_code == 204
    assert (await api.get(path, headers=mine)).status_code == 404


async def test_rotating_shows_a_new_secret_once_and_keeps_the_old_one_for_24_hours(
    api: httpx.AsyncClient, clock: FakeClock
) -> None:
    endpoint = await create(api, "NAMMO")
    rotated = (await api.post(f"/v1/endpoints/{endpoint['id']}/rotate-secret", headers=industry("NAMMO"))).json()
    assert rotated["secret"].startswith("whsec_") and rotated["secret"] != endpoint["secret"]
    valid_until = datetime.fromisoformat(rotated["previous_secret_valid_until"])
    assert valid_until == clock.now() + timedelta(hours=24)  # the service's clock, the one it signs by
    [listed] = (await api.get("/v1/endpoints", headers=industry("NAMMO"))).json()["items"]
    assert datetime.fromisoformat(listed["previous_secret_valid_until"]) == valid_until
    assert "secret" not in listed and "previous_secret" not in listed


async def test_an_organisation_sees_a_message_only_through_its_own_deliveries(
    api: httpx.AsyncClient, service: NotificationsService, clock: FakeClock
) -> None:
    nammo = await create(api, "NAMMO")
    await create(api, "THALES", event_types=["contract.created"])
    message_id = await announce(service)
    mine = (await api.get(f"/v1/messages/{message_id}/deliveries", headers=industry("NAMMO"))).json()
    assert [(d["endpoint_id"], d["status"]) for d in mine["items"]] == [(nammo["id"], "pending")]
    assert mine["total"] == 1
    assert (await api.get(f"/v1/messages/{message_id}/deliveries", headers=industry("RHEINMETALL"))).status_code == 404
    every = (await api.get(f"/v1/messages/{message_id}/deliveries", headers=ADMIN)).json()
    assert (len(every["items"]), every["total"]) == (2, 2)
    assert (await api.get("/v1/messages/msg_nope/deliveries", headers=ADMIN)).status_code == 404


async def test_where_a_message_went_is_paged_oldest_first(
    api: httpx.AsyncClient, service: NotificationsService, clock: FakeClock
) -> None:
    made = [await create(api, org) for org in ("NAMMO", "THALES", "KNDS")]
    message_id = await announce(service)
    path = f"/v1/messages/{message_id}/deliveries"
    pages = [(await api.get(path, params={"limit": 2, "offset": offset}, headers=ADMIN)).json() for offset in (0, 2)]
    assert [page["total"] for page in pages] == [3, 3]
    assert [len(page["items"]) for page in pages] == [2, 1]
    went = [d for page in pages for d in page["items"]]
    assert sorted(d["endpoint_id"] for d in went) == sorted(e["id"] for e in made)
    assert went == sorted(went, key=lambda d: (d["created_at"], d["id"]))
    assert (await api.get(path, params={"limit": 501}, headers=ADMIN)).status_code == 422


async def test_the_attempt_log_is_served_newest_first(
    api: httpx.AsyncClient, service: NotificationsService, clock: FakeClock, receiver: Receiver
) -> None:
    url = receiver.script("/log", Reply(503, body=b"maintenance"), Reply(204))
    endpoint = await create(api, "NAMMO", url=url)
    await announce(service)
    for _ in range(2):
        await service.dispatcher.dispatch_due()
        await service.dispatcher.drain()
        clock.advance(timedelta(seconds=5))
    log = (await api.get(f"/v1/endpoints/{endpoint['id']}/attempts", headers=industry("NAMMO"))).json()
    assert [(a["status_code"], a["succeeded"]) for a in log["items"]] == [(204, True), (503, False)]
    assert log["items"][1]["response_body"] == "maintenance"
