"""Debounced publication of bundle changes, against a unit of work in memory."""

from __future__ import annotations

from datetime import timedelta

from demand.service_layer import needs
from demand.service_layer.publication import publish_due
from tests.demand.unit.fakes import FakeUnitOfWork
from tests.demand.unit.handlers import desk, place_all, terms

QUIET, MAX_WAIT = timedelta(seconds=1), timedelta(seconds=5)


async def test_a_burst_of_changes_is_published_once_it_has_been_quiet() -> None:
    uow = FakeUnitOfWork()
    for nation in ("NLD", "CZE", "DEU"):
        await needs.register_need(uow, caller=desk(nation), terms=terms(nation))
    await place_all(uow)
    now = uow.clock.now()
    assert await publish_due(uow, now=now, quiet=QUIET, max_wait=MAX_WAIT) == 0
    assert await publish_due(uow, now=now + QUIET, quiet=QUIET, max_wait=MAX_WAIT) == 1
    assert await publish_due(uow, now=now + MAX_WAIT, quiet=QUIET, max_wait=MAX_WAIT) == 0  # nothing new
    (update,) = uow.events("demand.bundle.updated")
    assert update.payload.revision == 3 and update.payload.reason.startswith("3 change(s) since the last update")
    assert update.schema_version == 2 and update.payload.line_count == 3
    assert {(x.nation, x.need_count) for x in update.payload.nations} == {("NLD", 1), ("CZE", 1), ("DEU", 1)}
    assert sum(x.quantity for x in update.payload.nations) == update.payload.total_quantity
    assert "lines" not in update.payload.model_dump()  # its size does not grow with the bundle
