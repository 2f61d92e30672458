"""Rows already stored that today's API would refuse still read: one odd need (a delivery
window in 1900, stored before the bounds existed or written around them) must not turn a
list of bundles into a 500 for everyone who sees that bundle."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx

from bundling_shared.auth import Role
from bundling_shared.events.demand import DeliveryWindow, NeedRegisteredPayload, NeedRegisteredV1
from demand.domain.need import Need, YearQuantity
from demand.service_layer import aggregator
from tests.support.api import bearer, desk

Demand = tuple[Any, httpx.AsyncClient]
ADMIN = bearer(Role.ADMIN, org="platform")


async def stored(service: Any, nation: str, start: date, end: date, **kw: Any) -> Need:
    """A submitted need written straight to the database, as an older release stored it."""
    async with service.uow() as u:
        need = Need.register(
            now=u.clock.now(),
            nation=nation,
            item_code="AMMO-155MM",
            quantity=kw.pop("quantity", 100),
            window_start=start,
            window_end=end,
            item=await u.catalogue.get("AMMO-155MM"),
            **kw,
        )
        u.needs.add(need)
        await u.commit()
    event = NeedRegisteredV1.create(
        NeedRegisteredPayload(
            need_id=need.id,
            nation=nation,
            item_code=need.item_code,
            quantity=need.quantity,
            delivery_window=DeliveryWindow(start=start, end=end),
        ),
        aggregate_id=need.id,
        producer="demand",
        nation=nation,
    )
    await aggregator.aggregate(event, service.uow())
    return need


async def test_a_need_of_1900_leaves_every_list_and_view_readable(demand: Demand) -> None:
    service, client = demand
    need = await stored(service, "FIN", date(1900, 1, 1), date(1900, 12, 31))
    multi = await stored(
        service,
        "EST",
        date(1899, 1, 1),
        date(1901, 12, 31),
        quantity=None,
        yearly=[YearQuantity(1899, 5), YearQuantity(1901, 7)],
    )
    for headers in (ADMIN, desk("FIN"), desk("EST")):
        listed = await client.get("/v1/bundles", headers=headers)
        assert listed.status_code == 200, listed.text
        for bundle in listed.json()["items"]:
            one = await client.get(f"/v1/bundles/{bundle['id']}", headers=headers)
            assert one.status_code == 200, one.text
            assert (await client.get(f"/v1/bundles/{bundle['id']}/trail", headers=headers)).status_code == 200
    listed = (await client.get("/v1/bundles", headers=ADMIN)).json()["items"]
    seen = [(await client.get(f"/v1/bundles/{b['id']}", headers=ADMIN)).json() for b in listed]
    years = {y["year"] for b in seen for y in b["yearly_totals"]}
    assert years == {1899, 1900, 1901}  # shown as stored, not hidden
    for own, headers in ((need, desk("FIN")), (multi, desk("EST"))):
        got = await client.get(f"/v1/needs/{own.id}", headers=headers)
        assert got.status_code == 200, got.text
        assert (await client.get(f"/v1/needs/{own.id}/history", headers=headers)).status_code == 200
    assert (await client.get("/v1/needs", headers=desk("EST"))).status_code == 200
    assert (await client.get("/v1/demand-sheet/AMMO-155MM", headers=desk("FIN"))).status_code == 200
