"""The handlers of the item catalogue, against a unit of work in memory."""

from __future__ import annotations

import pytest

from bundling_shared.errors import NotFound
from demand.domain.errors import InvalidReference, NotAllowedNow
from demand.domain.reference import CatalogueItem
from demand.service_layer import catalogue
from tests.demand.unit.fakes import FakeUnitOfWork
from tests.demand.unit.handlers import ADMIN, coordinator, desk


async def test_an_item_is_added_once_and_retired_once_with_a_reason() -> None:
    uow = FakeUnitOfWork()
    item = CatalogueItem.define(code="ammo-105mm", name="105 mm", category="artillery ammunition", unit="rounds")
    await catalogue.add_item(uow, item=item)
    with pytest.raises(NotAllowedNow, match="already in the catalogue"):
        await catalogue.add_item(uow, item=item)
    retired = await catalogue.retire_item(uow, code="AMMO-105MM", reason="superseded")
    assert (retired.retired_at, retired.retired_reason) == (uow.clock.now(), "superseded")
    with pytest.raises(InvalidReference, match="already retired"):
        await catalogue.retire_item(uow, code="AMMO-105MM", reason="again")
    listed, _ = await catalogue.list_items(uow, category=None, include_retired=False, limit=100, offset=0)
    assert "AMMO-105MM" not in [i.code for i in listed]
    with pytest.raises(NotFound, match="item PHASER not found"):
        await catalogue.get_item(uow, code="PHASER")


async def test_who_else_operates_an_item_leaves_out_the_desks_own_nation_only() -> None:
    uow = FakeUnitOfWork()
    for_desk = await catalogue.operators_of(uow, caller=desk("DEU"), code="AMMO-155MM")
    assert "DEU" in for_desk.operators and "DEU" not in for_desk.others
    assert "DEU" in for_desk.user_groups["PzH 2000"]
    for caller in (coordinator("DEU"), ADMIN):
        assert (await catalogue.operators_of(uow, caller=caller, code="AMMO-155MM")).others == for_desk.operators
