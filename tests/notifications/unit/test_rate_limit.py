"""The token bucket behind per-endpoint rate limits, on a clock the test moves."""

from __future__ import annotations

from notifications.domain.rate_limit import RateLimiter


def test_a_bucket_holds_one_seconds_worth_and_refills_at_the_rate() -> None:
    limiter = RateLimiter()
    assert [limiter.take("ep", 3, 0.0) for _ in range(4)] == [True, True, True, False]
    assert limiter.exhausted(0.0) == {"ep"}
    assert limiter.take("ep", 3, 0.2) is False, "0.6 of a token is not a token"
    assert limiter.take("ep", 3, 0.34) is True
    assert limiter.available("ep", 3, 10.0) == 3, "never more than one second's worth"


def test_no_limit_means_no_bucket_and_endpoints_do_not_share() -> None:
    limiter = RateLimiter()
    assert all(limiter.take("free", None, 0.0) for _ in range(1000))
    assert limiter.take("a", 1, 0.0) and not limiter.take("a", 1, 0.0)
    assert limiter.take("b", 1, 0.0)
    assert limiter.exhausted(0.0) == {"a", "b"}


def test_a_changed_rate_starts_a_new_bucket() -> None:
    limiter = RateLimiter()
    assert limiter.take("ep", 1, 0.0) and not limiter.take("ep", 1, 0.0)
    assert limiter.take("ep", 5, 0.0), "the owner raised the limit"
