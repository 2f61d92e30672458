"""The same failure written once per interval with how many were held back; another kind
of line never held; the waits between tries growing, capped and jittered."""

from __future__ import annotations

import logging

import pytest
import structlog

from bundling_shared.backoff import Backoff
from bundling_shared.log_repeats import RepeatFilter, RepeatLimitedLogger, Repeats


class Ticking:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_kind_of_line_is_written_once_per_interval_with_the_count_held_back() -> None:
    clock = Ticking()
    repeats = Repeats(10.0, clock)
    assert repeats.admit("kafka down") == 0
    assert [repeats.admit("kafka down") for _ in range(500)] == [None] * 500
    assert repeats.admit("database down") == 0  # another kind is not held
    clock.now = 10.0
    assert repeats.admit("kafka down") == 500
    assert repeats.admit("kafka down") is None
    assert repeats.forget("kafka down") == 1
    assert repeats.admit("kafka down") == 0  # after the trouble ended, written at once


def record(name: str, message: str, *args: object, level: int = logging.ERROR) -> logging.LogRecord:
    return logging.LogRecord(name, level, __file__, 1, message, args, None)


def test_a_library_retrying_is_written_once_per_interval_whatever_fills_its_message() -> None:
    clock = Ticking()
    library = RepeatFilter(("aiokafka",), Repeats(10.0, clock))
    passed = [library.filter(record("aiokafka", "Unable connect to node %s: %s", 1, n)) for n in range(1000)]
    assert passed.count(True) == 1
    assert library.filter(record("aiokafka.consumer.fetcher", "Failed fetch messages from %s", 1))
    assert library.filter(record("uvicorn.error", "same text")) and library.filter(record("uvicorn.error", "same text"))
    assert library.filter(record("aiokafka", "Unable connect to node %s: %s", 1, 2, level=logging.INFO))
    clock.now = 10.0
    summary = record("aiokafka", "Unable connect to node %s: %s", 1, "refused")
    assert library.filter(summary)
    assert summary.getMessage() == "Unable connect to node 1: refused (repeated 999 times in the last 10s)"


def test_a_loop_failing_on_every_turn_writes_one_line_per_interval_and_one_when_it_recovers() -> None:
    clock = Ticking()
    with structlog.testing.capture_logs() as written:
        log = RepeatLimitedLogger(structlog.get_logger("test"), Repeats(10.0, clock))
        log.recovered("outbox.publish_failed", "outbox.publishing_again")  # nothing failed: nothing said
        for _ in range(300):
            log.warning("outbox.publish_failed", error="KafkaConnectionError")
        clock.now = 12.0
        log.warning("outbox.publish_failed", error="KafkaConnectionError")
        log.warning("outbox.publish_failed", error="KafkaConnectionError")
        log.recovered("outbox.publish_failed", "outbox.publishing_again")
    assert [(w["event"], w.get("repeated")) for w in written] == [
        ("outbox.publish_failed", None),
        ("outbox.publish_failed", 299),
        ("outbox.publishing_again", 1),
    ]


@pytest.mark.parametrize("draw", [0.0, 1.0])
def test_waits_double_up_to_the_cap_each_between_half_and_all_of_it(draw: float) -> None:
    backoff = Backoff(0.5, 30.0, rng=lambda: draw)
    waits = [backoff.next() for _ in range(10)]
    ceilings = [0.5, 1, 2, 4, 8, 16, 30, 30, 30, 30]
    assert waits == [c * (0.5 if draw == 0.0 else 1.0) for c in ceilings]
    backoff.reset()
    assert backoff.next() == 0.5 * (0.5 if draw == 0.0 else 1.0)
