"""What every use case of the demand service shares: the unit-of-work factory, clocks
and the errors handlers raise besides the domain's own."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

from demand.service_layer.unit_of_work import UnitOfWork

PRODUCER = "demand"
AGGREGATOR = "demand-aggregator"

UowFactory = Callable[[], UnitOfWork]


class NotFound(Exception):
    """Absent, or not the caller's to see: both answer the same."""


def utcnow() -> datetime:
    return datetime.now(UTC)


def today() -> date:
    return utcnow().date()
