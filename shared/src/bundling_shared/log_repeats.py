"""The same failure logged once per interval, with a count, not once per try.

While Kafka or a database is away every client that retries logs the same failure on
every try: the Kafka clients alone write hundreds of lines a second, which bury what
happened and fill the disk. The first line of a kind is written at once; the repeats
within the interval are counted, and the first one after it is written with
`repeated`, how many were held back meanwhile. A line of another kind is never held.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Hashable
from typing import Any

import structlog

REPEAT_SECONDS = 10.0
MAX_KINDS = 1_000  # remembered kinds of line; more are forgotten oldest first


class Repeats:
    """Which kinds of line are written now and how many of each were held back."""

    def __init__(self, interval: float = REPEAT_SECONDS, clock: Callable[[], float] = time.monotonic) -> None:
        self.interval = interval
        self._clock = clock
        self._seen: dict[Hashable, list[float]] = {}  # kind -> [written at, held back since]

    def admit(self, kind: Hashable) -> int | None:
        """None: hold this line back. A number: write it, with that many held back before it."""
        now = self._clock()
        seen = self._seen.get(kind)
        if seen is not None and now - seen[0] < self.interval:
            seen[1] += 1
            return None
        self._seen.pop(kind, None)
        if len(self._seen) >= MAX_KINDS:
            del self._seen[next(iter(self._seen))]
        self._seen[kind] = [now, 0]
        return 0 if seen is None else int(seen[1])

    def forget(self, kind: Hashable) -> int | None:
        """The next line of this kind is written at once (the trouble ended). Returns how
        many were held back since the last one written, or None if none was."""
        seen = self._seen.pop(kind, None)
        return None if seen is None else int(seen[1])


class RepeatFilter(logging.Filter):
    """For the loggers of libraries that log each retry (`aiokafka`): a kind of line is
    its logger, level and message template, whatever values fill it in."""

    def __init__(self, prefixes: tuple[str, ...], repeats: Repeats | None = None) -> None:
        super().__init__()
        self._prefixes = prefixes
        self._repeats = repeats or Repeats()

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING or not record.name.startswith(self._prefixes):
            return True
        held = self._repeats.admit((record.name, record.levelno, str(record.msg)))
        if held is None:
            return False
        if held:
            record.msg = f"{record.getMessage()} (repeated {held} times in the last {self._repeats.interval:g}s)"
            record.args = None
        return True


class RepeatLimitedLogger:
    """A structlog logger for a loop that fails on every turn while a dependency is away
    (the outbox relay, a worker, a reconnecting broker): its warnings and errors of one
    event are written once per interval, with `repeated`; `recovered` writes an info
    line and lets the next failure be written at once."""

    def __init__(self, log: structlog.stdlib.BoundLogger, repeats: Repeats | None = None) -> None:
        self._log = log
        self._repeats = repeats or Repeats()

    def warning(self, event: str, **fields: Any) -> None:
        self._write(self._log.warning, event, fields)

    def error(self, event: str, **fields: Any) -> None:
        self._write(self._log.error, event, fields)

    def recovered(self, failure: str, event: str, **fields: Any) -> None:
        """Only after a failure was written: a working loop says nothing per turn. With
        `repeated`, the failures held back since the last one written."""
        held = self._repeats.forget(failure)
        if held is not None:
            self._log.info(event, **fields, **({"repeated": held} if held else {}))

    def _write(self, method: Callable[..., Any], event: str, fields: dict[str, Any]) -> None:
        held = self._repeats.admit(event)
        if held is None:
            return
        if held:
            fields["repeated"] = held
        method(event, **fields)
