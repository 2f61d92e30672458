"""The retry rule: what an endpoint's answer means, and when to try again.

An endpoint has a bad night now and then; a webhook is tried again on a schedule long
enough to ride it out, and given up after that, so that a dead endpoint does not keep
the dispatcher busy for ever.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

# The wait before each retry; the first attempt goes out at once. Eight attempts over
# 27 h 35 min ride out an endpoint's bad night before the delivery is given up.
RETRY_SCHEDULE: tuple[timedelta, ...] = (
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=10),
)
MAX_ATTEMPTS = 1 + len(RETRY_SCHEDULE)
# A receiver may ask for a longer wait (Retry-After) but cannot park a delivery for longer
# than the schedule's own longest wait.
MAX_RETRY_AFTER = max(RETRY_SCHEDULE)


class Verdict(StrEnum):
    """What one attempt's outcome means for its delivery."""

    SUCCEEDED = "succeeded"
    RETRY = "retry"
    GONE = "gone"
    WITHHELD = "withheld"  # restricted news whose audience lost its clearance: not sent


def verdict(status_code: int | None) -> Verdict:
    """2xx succeeds; 410 says the endpoint is gone for good; anything else is tried again.

    Redirects count as failures and are not followed: a followed redirect would let an
    endpoint send our signed requests to an address nobody checked.
    """
    if status_code is None:
        return Verdict.RETRY
    if 200 <= status_code < 300:
        return Verdict.SUCCEEDED
    if status_code == 410:
        return Verdict.GONE
    return Verdict.RETRY


def parse_retry_after(value: str | None) -> int | None:
    """Seconds only; an HTTP date or garbage is ignored rather than guessed at."""
    if value is None:
        return None
    value = value.strip()
    if not value.isdigit():
        return None
    return int(value)


def next_attempt_at(attempts_made: int, now: datetime, retry_after_seconds: int | None = None) -> datetime | None:
    """When to try again after `attempts_made` failed attempts; None once the schedule is spent."""
    if attempts_made < 1:
        raise ValueError("no attempt has been made yet")
    if attempts_made >= MAX_ATTEMPTS:
        return None
    wait = RETRY_SCHEDULE[attempts_made - 1]
    if retry_after_seconds is not None:
        wait = max(wait, min(timedelta(seconds=retry_after_seconds), MAX_RETRY_AFTER))
    return now + wait
