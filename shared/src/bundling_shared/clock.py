"""The one source of "now" in a service, handed to whatever needs it.

Deadlines, standstill periods, expiring frameworks and late deliveries all turn on today's
date; reading the system clock where they are decided would make the rules untestable on
a chosen day and the tests true only in the years they were written. A service builds one
clock at start-up and passes it down; tests pass a ``FixedClock`` and move it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """An aware datetime in UTC."""
        ...

    def today(self) -> date: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    def today(self) -> date:
        return self.now().date()


@dataclass
class FixedClock:
    """Stands still until moved."""

    at: datetime

    def now(self) -> datetime:
        return self.at

    def today(self) -> date:
        return self.at.date()

    def advance(self, delta: timedelta) -> None:
        self.at = self.at + delta


@dataclass(frozen=True)
class AheadClock:
    """The system clock read a fixed time ahead: a service started as a process in an
    end-to-end test lives days later than the test that seeded it (a standstill has run
    out), without a route that could move a production clock."""

    ahead: timedelta

    def now(self) -> datetime:
        return datetime.now(UTC) + self.ahead

    def today(self) -> date:
        return self.now().date()
