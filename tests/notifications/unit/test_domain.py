"""Pure rules: retry schedule, Retry-After, 410, redirects, event-type filter, secrets."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest

from notifications.domain.delivery import AttemptResult, Delivery, DeliveryStatus, endpoints_for
from notifications.domain.endpoint import Endpoint, EndpointStatus
from notifications.domain.errors import DeliveryFinished, InvalidEndpoint
from notifications.domain.message import CONTRACT_CREATED, Message
from notifications.domain.retry import MAX_ATTEMPTS, Verdict, next_attempt_at, parse_retry_after, verdict

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def endpoint(event_types: tuple[str, ...] = (), status: EndpointStatus = EndpointStatus.ACTIVE) -> Endpoint:
    ep = Endpoint.register(
        organisation="NAMMO", url="https://hooks.example.eu/x", description="", event_types=event_types
    )
    ep.status = status
    return ep


def message() -> Message:
    return Message.create(
        event_type=CONTRACT_CREATED, payload={"contract_id": "c-1"}, occurred_at=T0, source_event_id="e-1"
    )


def delivery() -> Delivery:
    return Delivery.of(message(), endpoint(), T0)


def test_the_retry_schedule_is_5s_5m_30m_2h_5h_10h_10h_then_final() -> None:
    waits = [next_attempt_at(n, T0) for n in range(1, MAX_ATTEMPTS)]
    assert [w - T0 for w in waits if w is not None] == [
        timedelta(seconds=5),
        timedelta(minutes=5),
        timedelta(minutes=30),
        timedelta(hours=2),
        timedelta(hours=5),
        timedelta(hours=10),
        timedelta(hours=10),
    ]
    assert next_attempt_at(MAX_ATTEMPTS, T0) is None
    assert MAX_ATTEMPTS == 8


def test_retry_after_counts_only_when_it_asks_for_longer() -> None:
    assert next_attempt_at(1, T0, retry_after_seconds=120) == T0 + timedelta(seconds=120)
    assert next_attempt_at(2, T0, retry_after_seconds=10) == T0 + timedelta(minutes=5)
    # a receiver cannot park a delivery for longer than the schedule's longest wait
    assert next_attempt_at(1, T0, retry_after_seconds=10**9) == T0 + timedelta(hours=10)
    # and cannot extend the schedule past its last attempt
    assert next_attempt_at(MAX_ATTEMPTS, T0, retry_after_seconds=60) is None


@pytest.mark.parametrize(
    ("header", "seconds"),
    [("120", 120), (" 7 ", 7), ("0", 0), (None, None), ("Wed, 21 Oct 2025 07:28:00 GMT", None), ("-5", None)],
)
def test_retry_after_is_read_as_seconds_only(header: str | None, seconds: int | None) -> None:
    assert parse_retry_after(header) == seconds


@pytest.mark.parametrize(
    ("status_code", "expected"),
    [
        (200, Verdict.SUCCEEDED),
        (204, Verdict.SUCCEEDED),
        (299, Verdict.SUCCEEDED),
        (301, Verdict.RETRY),
        (302, Verdict.RETRY),
        (307, Verdict.RETRY),
        (400, Verdict.RETRY),
        (404, Verdict.RETRY),
        (410, Verdict.GONE),
        (429, Verdict.RETRY),
        (500, Verdict.RETRY),
        (None, Verdict.RETRY),
    ],
)
def test_only_2xx_succeeds_410_means_gone_and_redirects_are_failures(
    status_code: int | None, expected: Verdict
) -> None:
    assert verdict(status_code) is expected


def test_a_2xx_attempt_finishes_the_delivery() -> None:
    d = delivery()
    attempt, outcome = d.record(AttemptResult(status_code=204, latency_ms=12), T0)
    assert outcome is Verdict.SUCCEEDED
    assert d.status is DeliveryStatus.SUCCEEDED
    assert d.next_attempt_at is None
    assert attempt.succeeded and attempt.status_code == 204 and attempt.latency_ms == 12


def test_a_redirect_is_a_failed_attempt_tried_again_later() -> None:
    d = delivery()
    attempt, outcome = d.record(AttemptResult(status_code=302, latency_ms=3), T0)
    assert outcome is Verdict.RETRY
    assert not attempt.succeeded
    assert d.status is DeliveryStatus.PENDING
    assert d.next_attempt_at == T0 + timedelta(seconds=5)


def test_410_fails_the_delivery_for_good() -> None:
    d = delivery()
    _, outcome = d.record(AttemptResult(status_code=410, latency_ms=3), T0)
    assert outcome is Verdict.GONE
    assert d.status is DeliveryStatus.FAILED
    assert d.next_attempt_at is None
    with pytest.raises(DeliveryFinished):
        d.record(AttemptResult(status_code=200, latency_ms=3), T0)


def test_a_retry_after_header_on_a_failure_moves_the_next_attempt() -> None:
    d = delivery()
    d.record(AttemptResult(status_code=503, latency_ms=3, retry_after="600"), T0)
    assert d.next_attempt_at == T0 + timedelta(seconds=600)


def test_a_network_error_is_retried_even_without_a_status() -> None:
    d = delivery()
    attempt, outcome = d.record(AttemptResult(status_code=None, latency_ms=15_000, error="timed out after 15 s"), T0)
    assert outcome is Verdict.RETRY
    assert attempt.error == "timed out after 15 s"
    assert d.status is DeliveryStatus.PENDING


def test_the_delivery_fails_finally_after_the_last_scheduled_attempt() -> None:
    d = delivery()
    at = T0
    for _ in range(MAX_ATTEMPTS - 1):
        d.record(AttemptResult(status_code=500, latency_ms=1), at)
        assert d.status is DeliveryStatus.PENDING
        assert d.next_attempt_at is not None
        at = d.next_attempt_at
    d.record(AttemptResult(status_code=500, latency_ms=1), at)
    assert d.status is DeliveryStatus.FAILED
    assert d.attempt_count == MAX_ATTEMPTS
    assert d.next_attempt_at is None


def test_the_logged_response_body_is_cut_to_one_kib_without_breaking_characters() -> None:
    d = delivery()
    attempt, _ = d.record(AttemptResult(status_code=500, latency_ms=1, response_body="é" * 2000), T0)
    assert len(attempt.response_body.encode("utf-8")) <= 1024
    assert attempt.response_body == "é" * 512


def test_event_type_filter_and_status_decide_who_gets_a_message() -> None:
    wants_contracts = endpoint((CONTRACT_CREATED,))
    wants_all = endpoint(())
    paused = endpoint((), EndpointStatus.PAUSED)
    disabled = endpoint((CONTRACT_CREATED,), EndpointStatus.DISABLED)
    everyone = [wants_contracts, wants_all, paused, disabled]
    assert endpoints_for(message(), everyone) == [wants_contracts, wants_all]
    wants_contracts.event_types = ["bundle.updated"]  # as if a later type were chosen instead
    assert endpoints_for(message(), everyone) == [wants_all]


def test_an_unknown_event_type_is_refused_at_registration() -> None:
    with pytest.raises(InvalidEndpoint, match="unknown event types"):
        endpoint(("contract.creatd",))


def test_a_secret_is_whsec_and_at_least_24_random_bytes() -> None:
    first, second = endpoint(), endpoint()
    assert first.secret.startswith("whsec_")
    assert len(base64.b64decode(first.secret.removeprefix("whsec_"))) >= 24
    assert first.secret != second.secret


def test_after_rotation_both_secrets_sign_until_the_overlap_ends() -> None:
    ep = endpoint()
    old = ep.secret
    new = ep.rotate_secret(T0, timedelta(hours=24))
    assert new != old
    assert ep.signing_secrets(T0 + timedelta(hours=23)) == [new, old]
    assert ep.signing_secrets(T0 + timedelta(hours=24)) == [new]


def test_the_message_body_has_the_standard_webhooks_structure() -> None:
    body = json.loads(message().body())
    assert body == {"type": "contract.created", "timestamp": "2025-03-01T12:00:00Z", "data": {"contract_id": "c-1"}}
