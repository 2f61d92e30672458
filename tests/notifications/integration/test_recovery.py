"""Visibility and recovery: the attempt log with filters, resending one message, and
recovering every failed message of a time window; each only for the endpoint's owner."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from standardwebhooks.webhooks import Webhook

from notifications.bootstrap import NotificationsService
from notifications.domain.retry import MAX_ATTEMPTS
from notifications.service_layer import messages
from tests.notifications import events
from tests.notifications.conftest import FakeClock
from tests.notifications.integration.conftest import (
    Receiver,
    Reply,
    announce,
    api_of,
    dispatch_once,
    make_settings,
    register_supplier,
    running_service,
)
from tests.support.api import industry
from tests.support.today import TODAY

NAMMO = industry("NAMMO")


@pytest.fixture
async def patient(tmp_path: Path, clock: FakeClock) -> AsyncIterator[NotificationsService]:
    """A service that lets an endpoint fail for a month before disabling it."""
    async with running_service(make_settings(tmp_path, disable_after_failing_days=30), clock) as svc:
        yield svc


@pytest.fixture
async def api(patient: NotificationsService) -> AsyncIterator[httpx.AsyncClient]:
    async with api_of(patient) as client:
        yield client


async def register(api: httpx.AsyncClient, url: str, org: str = "NAMMO", **body: Any) -> dict[str, Any]:
    response = await api.post("/v1/endpoints", json={"url": url, **body}, headers=industry(org))
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def exhaust(service: NotificationsService, clock: FakeClock) -> None:
    """Run the whole retry schedule so that every pending delivery fails for good."""
    for _ in range(MAX_ATTEMPTS):
        await dispatch_once(service)
        clock.advance(timedelta(hours=11))


async def test_recovering_a_window_sends_again_only_the_failed_messages_created_in_it(
    api: httpx.AsyncClient, patient: NotificationsService, receiver: Receiver, clock: FakeClock
) -> None:
    endpoint = await register(api, receiver.script("/outage", Reply(503)))
    t0 = clock.now()
    early = await announce(patient, "contract-early")
    clock.advance(timedelta(hours=1))
    inside = await announce(patient, "contract-inside")
    await exhaust(patient, clock)
    late = await announce(patient, "contract-late")
    await exhaust(patient, clock)
    for message_id in (early, inside, late):
        [delivery] = (await api.get(f"/v1/messages/{message_id}/deliveries", headers=NAMMO)).json()["items"]
        assert delivery["status"] == "failed"

    receiver.script("/outage", Reply(204))  # the endpoint is back
    path = f"/v1/endpoints/{endpoint['id']}/recover"
    window = {"since": (t0 + timedelta(minutes=30)).isoformat(), "until": (t0 + timedelta(hours=2)).isoformat()}
    assert (await api.post(path, json=window, headers=industry("THALES"))).status_code == 404
    response = await api.post(path, json=window, headers=NAMMO)
    assert response.status_code == 200, response.text
    assert response.json() == {"requeued": 1}
    hits = len(receiver.hits)
    await dispatch_once(patient)
    [hit] = receiver.hits[hits:]
    assert hit.headers["webhook-id"] == inside
    assert json.loads(hit.body)["data"]["contract_id"] == "contract-inside"

    everything = {"since": (t0 - timedelta(hours=1)).isoformat(), "until": clock.now().isoformat()}
    assert (await api.post(path, json=everything, headers=NAMMO)).json() == {"requeued": 2}
    assert (await api.post(path, json=everything, headers=NAMMO)).json() == {"requeued": 0}, "pending now"


async def test_a_recovery_window_must_be_a_window_with_time_zones(
    api: httpx.AsyncClient, receiver: Receiver, clock: FakeClock
) -> None:
    endpoint = await register(api, receiver.url("/x"))
    path = f"/v1/endpoints/{endpoint['id']}/recover"
    backwards = {"since": clock.now().isoformat(), "until": (clock.now() - timedelta(hours=1)).isoformat()}
    response = await api.post(path, json=backwards, headers=NAMMO)
    assert response.status_code == 422 and "since must be before until" in response.json()["detail"]
    naive = {"since": "2026-01-01T00:00:00"}
    response = await api.post(path, json=naive, headers=NAMMO)
    assert response.status_code == 422 and "time zone" in response.json()["detail"]


async def test_a_resend_and_a_recovery_requeue_at_the_service_clock_not_the_machine_s(
    api: httpx.AsyncClient, patient: NotificationsService, receiver: Receiver, clock: FakeClock
) -> None:
    """The API's "now" is the one the consumers stamp and the dispatcher claims by: on a
    service living days away from the machine's day, a resend is due at once, not days off."""
    clock.advance(timedelta(days=-9, hours=-5))
    endpoint = await register(api, receiver.url("/lost"))
    message_id = await announce(patient)
    await dispatch_once(patient)
    path = f"/v1/endpoints/{endpoint['id']}/messages/{message_id}/resend"

    response = await api.post(path, headers=NAMMO)
    assert response.status_code == 200, response.text
    assert datetime.fromisoformat(response.json()["next_attempt_at"]) == clock.now()
    assert await dispatch_once(patient) == 1
    assert len(receiver.hits) == 2


async def test_resending_one_message_keeps_its_webhook_id_and_restarts_the_schedule(
    api: httpx.AsyncClient, patient: NotificationsService, receiver: Receiver, clock: FakeClock
) -> None:
    endpoint = await register(api, receiver.url("/lost"))
    message_id = await announce(patient)
    await dispatch_once(patient)
    path = f"/v1/endpoints/{endpoint['id']}/messages/{message_id}/resend"

    assert (await api.post(path, headers=industry("THALES"))).status_code == 404
    response = await api.post(path, headers=NAMMO)
    assert response.status_code == 200, response.text
    assert (response.json()["status"], response.json()["attempt_count"]) == ("pending", 0)
    conflict = await api.post(path, headers=NAMMO)
    assert conflict.status_code == 409 and "still pending" in conflict.json()["detail"]
    clock.advance(timedelta(seconds=1))
    await dispatch_once(patient)

    first, second = receiver.hits
    assert first.headers["webhook-id"] == second.headers["webhook-id"] == message_id
    assert Webhook(endpoint["secret"]).verify(second.body, second.headers)
    log = (await api.get(f"/v1/endpoints/{endpoint['id']}/attempts", headers=NAMMO)).json()["items"]
    assert len(log) == 2, "the log keeps every attempt, before and after the resend"


async def test_a_message_the_endpoint_was_not_entitled_to_cannot_be_resent_to_it(
    api: httpx.AsyncClient, patient: NotificationsService, receiver: Receiver
) -> None:
    """A call-off for THALES must not reach NAMMO by way of a resend."""
    nammo = await register(api, receiver.url("/nammo"))
    await register(api, receiver.url("/thales"), org="THALES")
    await register_supplier(patient, events.supplier_registered("THALES"))
    await register_supplier(patient, events.supplier_registered("NAMMO"))
    call_off = events.call_off(supplier="THALES")
    message_id = await messages.consume(
        patient.uow(), consumer=messages.CONTRACTS_CONSUMER, event=call_off, links=messages.Links()
    )
    response = await api.post(f"/v1/endpoints/{nammo['id']}/messages/{message_id}/resend", headers=NAMMO)
    assert response.status_code == 404
    assert (await api.get(f"/v1/messages/{message_id}/deliveries", headers=NAMMO)).status_code == 404


async def test_the_attempt_log_filters_by_outcome_message_type_and_time(
    api: httpx.AsyncClient, patient: NotificationsService, receiver: Receiver, clock: FakeClock
) -> None:
    endpoint = await register(api, receiver.script("/log", Reply(500), Reply(204)))
    first = await announce(patient, "contract-1")
    await dispatch_once(patient)  # 500
    clock.advance(timedelta(seconds=5))
    t_retry = clock.now()
    await dispatch_once(patient)  # 204
    clock.advance(timedelta(minutes=1))
    second = await announce(patient, "contract-2")
    await dispatch_once(patient)  # 204
    path = f"/v1/endpoints/{endpoint['id']}/attempts"

    async def log(**params: str) -> list[tuple[str, int | None]]:
        response = await api.get(path, params=params, headers=NAMMO)
        assert response.status_code == 200, response.text
        return [(a["message_id"], a["status_code"]) for a in response.json()["items"]]

    assert await log() == [(second, 204), (first, 204), (first, 500)]
    assert await log(outcome="failed") == [(first, 500)]
    assert await log(outcome="succeeded") == [(second, 204), (first, 204)]
    assert await log(message_id=first) == [(first, 204), (first, 500)]
    assert await log(event_type="contract.created", outcome="failed") == [(first, 500)]
    assert await log(event_type="bundle.opened") == []
    assert await log(since=t_retry.isoformat()) == [(second, 204), (first, 204)]
    assert await log(until=t_retry.isoformat()) == [(first, 500)]
    bad = await api.get(path, params={"outcome": "maybe"}, headers=NAMMO)
    assert bad.status_code == 422
    naive = await api.get(path, params={"since": "2026-01-01T00:00:00"}, headers=NAMMO)
    assert naive.status_code == 422


async def test_endpoint_status_health_and_filters_are_visible_to_their_owner(
    api: httpx.AsyncClient, patient: NotificationsService, receiver: Receiver, clock: FakeClock
) -> None:
    endpoint = await register(
        api, receiver.script("/gone", Reply(410)), item_categories=["ammo"], rate_limit_per_second=5
    )
    assert (endpoint["item_categories"], endpoint["rate_limit_per_second"]) == (["AMMO"], 5)
    await announce(patient)
    await dispatch_once(patient)
    shown = (await api.get(f"/v1/endpoints/{endpoint['id']}", headers=NAMMO)).json()
    assert shown["status"] == "disabled"
    assert shown["disabled_reason"] == "the endpoint answered 410 Gone"
    assert datetime.fromisoformat(shown["disabled_at"]) == clock.now()
    resumed = (await api.post(f"/v1/endpoints/{endpoint['id']}/resume", headers=NAMMO)).json()
    assert (resumed["status"], resumed["disabled_reason"]) == ("active", None)


@pytest.mark.parametrize("rate", [0, 1001])
async def test_a_rate_limit_out_of_range_is_refused(api: httpx.AsyncClient, rate: int) -> None:
    response = await api.post(
        "/v1/endpoints",
        json={"url": "https://hooks.example-defence.eu/x", "rate_limit_per_second": rate},
        headers=NAMMO,
    )
    assert response.status_code == 422


async def test_the_owner_changes_what_an_endpoint_receives_without_a_new_secret(
    api: httpx.AsyncClient, receiver: Receiver
) -> None:
    endpoint = await register(api, receiver.url("/x"), rate_limit_per_second=5)
    path = f"/v1/endpoints/{endpoint['id']}"
    assert (await api.patch(path, json={"item_categories": ["radar"]}, headers=industry("THALES"))).status_code == 404
    changed = await api.patch(
        path, json={"event_types": ["bundle.opened"], "item_categories": ["radar"]}, headers=NAMMO
    )
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert (body["event_types"], body["item_categories"], body["rate_limit_per_second"]) == (
        ["bundle.opened"],
        ["RADAR"],
        5,
    ), "fields not given stay as they were"
    assert "secret" not in body and body["url"] == endpoint["url"]
    unlimited = (await api.patch(path, json={"rate_limit_per_second": None}, headers=NAMMO)).json()
    assert unlimited["rate_limit_per_second"] is None
    wrong = await api.patch(path, json={"event_types": ["contract.signed"]}, headers=NAMMO)
    assert wrong.status_code == 422 and "unknown event types" in wrong.json()["detail"]


async def restricted_news_sent_while_cleared(
    api: httpx.AsyncClient, patient: NotificationsService, url: str, clock: FakeClock
) -> tuple[dict[str, Any], str]:
    """THALES's endpoint at `url`, THALES cleared, a call-off for it recorded and dispatched once."""
    thales = await register(api, url, org="THALES")
    await register_supplier(patient, events.supplier_registered("THALES"))
    call_off = events.call_off(supplier="THALES")
    message_id = await messages.consume(
        patient.uow(), consumer=messages.CONTRACTS_CONSUMER, event=call_off, links=messages.Links()
    )
    assert message_id is not None
    clock.advance(timedelta(seconds=1))
    await dispatch_once(patient)
    return thales, message_id


async def test_restricted_news_is_not_resent_once_the_security_declaration_lapsed(
    api: httpx.AsyncClient, patient: NotificationsService, receiver: Receiver, clock: FakeClock
) -> None:
    thales, message_id = await restricted_news_sent_while_cleared(api, patient, receiver.url("/thales"), clock)
    assert len(receiver.hits) == 1
    withdrawn = events.supplier_registered("THALES", TODAY - timedelta(days=1))
    await register_supplier(patient, withdrawn)

    response = await api.post(f"/v1/endpoints/{thales['id']}/messages/{message_id}/resend", headers=industry("THALES"))
    assert response.status_code == 409
    assert "security declaration" in response.json()["detail"]


async def test_restricted_news_waiting_for_its_retry_is_withheld_once_the_declaration_lapsed(
    api: httpx.AsyncClient, patient: NotificationsService, receiver: Receiver, clock: FakeClock
) -> None:
    """The declaration is checked again before every attempt: news made while the supplier
    was cleared is not sent after its clearance lapsed, and the attempt log says why."""
    url = receiver.script("/thales", Reply(503), Reply(204))
    thales, message_id = await restricted_news_sent_while_cleared(api, patient, url, clock)
    assert len(receiver.hits) == 1, "sent while cleared; the endpoint failed and a retry is due"

    lapsed = events.supplier_registered("THALES", TODAY - timedelta(days=1))
    await register_supplier(patient, lapsed)
    clock.advance_to_retry()
    await dispatch_once(patient)
    assert len(receiver.hits) == 1, "the retry was withheld"
    [delivery] = (await api.get(f"/v1/messages/{message_id}/deliveries", headers=industry("THALES"))).json()["items"]
    assert (delivery["status"], delivery["attempt_count"]) == ("failed", 2)
    log = (await api.get(f"/v1/endpoints/{thales['id']}/attempts", headers=industry("THALES"))).json()["items"]
    assert log[0]["error"].startswith("withheld: THALES holds no valid security declaration")
    assert log[0]["status_code"] is None

    await register_supplier(patient, events.supplier_registered("THALES"))  # renewed
    response = await api.post(f"/v1/endpoints/{thales['id']}/messages/{message_id}/resend", headers=industry("THALES"))
    assert response.status_code == 200, response.text
    await dispatch_once(patient)
    assert len(receiver.hits) == 2 and receiver.hits[1].headers["webhook-id"] == message_id
