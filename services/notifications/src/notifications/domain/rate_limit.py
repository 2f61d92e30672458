"""Per-endpoint rate limits: some receivers can take only so many webhooks a second.

A token bucket per endpoint, filled at the endpoint's rate up to one second's worth, so
a quiet endpoint may take a short burst and a busy one gets an even flow. The dispatcher
asks before it claims, so a limited endpoint's backlog waits in the database instead of
holding a sending slot.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class _Bucket:
    rate: float
    tokens: float
    at: float


class RateLimiter:
    def __init__(self) -> None:
        self._buckets: dict[str, _Bucket] = {}

    def _bucket(self, endpoint_id: str, rate: int, now: float) -> _Bucket:
        bucket = self._buckets.get(endpoint_id)
        if bucket is None or bucket.rate != rate:
            bucket = self._buckets[endpoint_id] = _Bucket(rate=float(rate), tokens=float(rate), at=now)
        else:
            bucket.tokens = min(bucket.rate, bucket.tokens + (now - bucket.at) * bucket.rate)
            bucket.at = now
        return bucket

    def available(self, endpoint_id: str, rate: int | None, now: float) -> int:
        """How many sends the endpoint may take now (a large number when unlimited)."""
        if rate is None:
            self._buckets.pop(endpoint_id, None)
            return 1 << 30
        return int(self._bucket(endpoint_id, rate, now).tokens)

    def take(self, endpoint_id: str, rate: int | None, now: float) -> bool:
        if rate is None:
            return True
        bucket = self._bucket(endpoint_id, rate, now)
        if bucket.tokens < 1:
            return False
        bucket.tokens -= 1
        return True

    def exhausted(self, now: float) -> set[str]:
        """Endpoints with no token left: the next claim leaves them out."""
        return {
            endpoint_id for endpoint_id, b in self._buckets.items() if min(b.rate, b.tokens + (now - b.at) * b.rate) < 1
        }
