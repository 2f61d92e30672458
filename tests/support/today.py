"""The day a test run lives on.

A run can cross midnight: a seed written before it and a rule checked after it would then
disagree on what "today" is, and a deadline set for today would be refused as past. Every
test reads the day from here, fixed once when the run starts, and every clock a test hands
a service (a fixed clock in process, ``CLOCK_START`` for a process) lives on that same day.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

TODAY: date = datetime.now(UTC).date()

NOON = time(12, tzinfo=UTC)
"""Where a service started as a process begins its day: it runs on in real time from there,
and twelve hours either side keep a run of the suite on the one day."""


def now_on_the_day() -> datetime:
    """The present time of day, on the run's day: the clock of an in-process service."""
    return datetime.combine(TODAY, datetime.now(UTC).timetz())


def clock_start(days_ahead: int = 0) -> str:
    """``CLOCK_START`` of a service process living `days_ahead` days after the run's day."""
    return datetime.combine(TODAY + timedelta(days=days_ahead), NOON).isoformat()
