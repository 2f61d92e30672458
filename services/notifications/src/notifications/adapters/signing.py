"""Standard Webhooks signatures, made with the specification's own reference package so
that any receiver using one of its libraries verifies them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from math import floor

from standardwebhooks.webhooks import Webhook

CONTENT_TYPE = "application/json"


def signature_headers(message_id: str, body: str, secrets: Sequence[str], at: datetime) -> dict[str, str]:
    """`webhook-id` stays the same across retries so receivers can deduplicate; timestamp and
    signature are made per attempt, so a receiver's replay window applies to each. With
    two secrets (a rotation's overlap) both signatures go out and either one verifies."""
    if not secrets:
        raise ValueError("an endpoint without a secret cannot be signed for")
    at = at.astimezone(UTC)
    signatures = " ".join(Webhook(secret).sign(message_id, at, body) for secret in secrets)
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(floor(at.timestamp())),
        "webhook-signature": signatures,
        "content-type": CONTENT_TYPE,
    }
