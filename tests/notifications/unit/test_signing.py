"""Signatures verify with the Standard Webhooks reference library, also across a rotation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from notifications.adapters.signing import signature_headers
from notifications.domain.endpoint import Endpoint
from notifications.domain.message import CONTRACT_CREATED, Message


def endpoint() -> Endpoint:
    return Endpoint.register(organisation="NAMMO", url="https://hooks.example.eu/x", description="", event_types=())


def body() -> str:
    message = Message.create(
        event_type=CONTRACT_CREATED,
        payload={"contract_id": "c-1", "total_quantity": 35_000},
        occurred_at=datetime.now(UTC),
        source_event_id="e-1",
    )
    return message.body()


def test_a_signed_webhook_verifies_and_a_tampered_one_does_not() -> None:
    ep, now, text = endpoint(), datetime.now(UTC), body()
    headers = signature_headers("msg_1", text, ep.signing_secrets(now), now)
    assert headers["webhook-id"] == "msg_1"
    assert headers["webhook-timestamp"] == str(int(now.timestamp()))
    assert headers["content-type"] == "application/json"
    assert Webhook(ep.secret).verify(text, headers)["data"]["total_quantity"] == 35_000
    with pytest.raises(WebhookVerificationError):
        Webhook(ep.secret).verify(text.replace("35000", "36000"), headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(endpoint().secret).verify(text, headers)  # another endpoint's secret
    with pytest.raises(WebhookVerificationError):
        Webhook(ep.secret).verify(text, {**headers, "webhook-id": "msg_2"})  # the id is signed too


def test_during_the_rotation_overlap_old_and_new_secret_both_verify() -> None:
    ep, now, text = endpoint(), datetime.now(UTC), body()
    old = ep.secret
    new = ep.rotate_secret(now, timedelta(hours=24))
    headers = signature_headers("msg_1", text, ep.signing_secrets(now), now)
    signatures = headers["webhook-signature"].split(" ")
    assert len(signatures) == 2 and all(s.startswith("v1,") for s in signatures)
    assert Webhook(new).verify(text, headers)
    assert Webhook(old).verify(text, headers)


def test_after_the_overlap_only_the_new_secret_verifies() -> None:
    ep, text = endpoint(), body()
    old = ep.secret
    rotated_at = datetime.now(UTC) - timedelta(hours=25)
    new = ep.rotate_secret(rotated_at, timedelta(hours=24))
    now = datetime.now(UTC)
    headers = signature_headers("msg_1", text, ep.signing_secrets(now), now)
    assert len(headers["webhook-signature"].split(" ")) == 1
    assert Webhook(new).verify(text, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(old).verify(text, headers)


def test_each_attempt_is_signed_with_its_own_timestamp() -> None:
    ep, text = endpoint(), body()
    first_at = datetime.now(UTC) - timedelta(seconds=30)
    second_at = datetime.now(UTC)
    first = signature_headers("msg_1", text, ep.signing_secrets(first_at), first_at)
    second = signature_headers("msg_1", text, ep.signing_secrets(second_at), second_at)
    assert first["webhook-id"] == second["webhook-id"]
    assert first["webhook-timestamp"] != second["webhook-timestamp"]
    assert first["webhook-signature"] != second["webhook-signature"]
    assert Webhook(ep.secret).verify(text, second)
