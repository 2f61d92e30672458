"""What every use case of the demand service shares: the unit-of-work factory and the
errors handlers raise besides the domain's own. The time comes from the unit of work's
clock, the one the service was started with."""

from __future__ import annotations

from collections.abc import Callable

from demand.domain.access import Action, Caller, Relation, may
from demand.service_layer.unit_of_work import SeenBy, UnitOfWork

PRODUCER = "demand"
AGGREGATOR = "demand-aggregator"

UowFactory = Callable[[], UnitOfWork]


class NotFound(Exception):
    """Absent, or not the caller's to see: both answer the same."""


def seen_by(caller: Caller, read: Action) -> SeenBy | None:
    """What a list shows `caller`: as the table lets it read one by one (None: everything)."""
    if may(caller, read, Relation.ADMIN):
        return None
    return SeenBy(
        nation=caller.nation if may(caller, read, Relation.NATION) else None,
        lead=caller.party if may(caller, read, Relation.LEAD) else None,
    )
