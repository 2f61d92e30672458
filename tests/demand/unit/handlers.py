"""Callers and requests as the handler tests use them, and the aggregator fed as the broker
would feed it."""

from __future__ import annotations

from datetime import date
from typing import Any

from bundling_shared.auth import Role
from bundling_shared.events.demand import NeedAmendedV1, NeedRegisteredV1, NeedWithdrawnV1
from demand.domain.access import Caller
from demand.domain.need import NeedTerms
from demand.service_layer import aggregator
from tests.demand.unit.fakes import FakeUnitOfWork

ADMIN = Caller(Role.ADMIN, organisation="platform", subject="admin")


def desk(nation: str) -> Caller:
    return Caller(Role.NATION_DESK, nation=nation, subject=f"desk:{nation}")


def coordinator(party: str) -> Caller:
    """A coordinator speaking for a nation (alpha-3) or an agency."""
    if len(party) == 3:
        return Caller(Role.COORDINATOR, nation=party, subject=f"coordinator:{party}")
    return Caller(Role.COORDINATOR, organisation=party, subject=f"coordinator:{party}")


def terms(nation: str = "NLD", quantity: int | None = 100, item: str = "AMMO-155MM", **more: Any) -> NeedTerms:
    asked = NeedTerms(
        nation=nation, item_code=item, quantity=quantity, window_start=date(2025, 1, 1), window_end=date(2028, 12, 31)
    )
    asked.update(more)  # type: ignore[typeddict-item]
    return asked


async def place_all(uow: FakeUnitOfWork) -> None:
    """Every need event published so far, to the aggregator, in order: as on the broker, an
    event it applied before changes nothing."""
    for _, event in list(uow.published):
        if isinstance(event, NeedRegisteredV1 | NeedAmendedV1 | NeedWithdrawnV1):
            await aggregator.aggregate(event, uow)
