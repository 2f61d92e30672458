"""An expiring contract or framework told to its nations' desks and its supplier(s) alone,
with no nation's quantity and a link to the agreement."""

from __future__ import annotations

import json

from notifications.adapters.url_guard import DnsUrlGuard
from tests.notifications import events
from tests.notifications.unit.fakes import FakeUnitOfWork
from tests.notifications.unit.test_messages import consume, delivered_to, subscribe


async def test_the_nations_in_it_and_its_supplier_alone_hear_that_it_expires(
    uow: FakeUnitOfWork, guard: DnsUrlGuard
) -> None:
    cze, nld, dnk = [await subscribe(uow, guard, n, nation=True) for n in ("CZE", "NLD", "DNK")]
    msm = await subscribe(uow, guard, "MSM-GROUP")
    await subscribe(uow, guard, "DEU", nation=True)  # not in it
    await subscribe(uow, guard, "NAMMO")  # another company

    message_id = await consume(uow, events.contract_expiring())
    assert delivered_to(uow, message_id) == {cze.id, nld.id, dnk.id, msm.id}
    message = uow.messages.rows[message_id or ""]
    assert message.event_type == "contract.expiring" and message.item_code == "AMMO-155MM"
    data = message.payload
    assert (data["end"], data["horizon_years"], data["nation_count"]) == ("2029-12-31", 5, 3)
    assert data["link"].endswith("/v1/frameworks/fw-155mm")
    body = json.dumps(data)
    assert "quantit" not in body and "30000" not in body and "20000" not in body, "no nation's quantity"


async def test_a_contract_links_to_the_contract_and_an_agency_that_signed_hears_it(
    uow: FakeUnitOfWork, guard: DnsUrlGuard
) -> None:
    nld = await subscribe(uow, guard, "NLD", nation=True)
    nspa = await subscribe(uow, guard, "NSPA", agency=True)
    message_id = await consume(uow, events.contract_expiring(kind="contract", lead="NSPA", suppliers=()))
    assert delivered_to(uow, message_id) == {nld.id, nspa.id}
    assert uow.messages.rows[message_id or ""].payload["link"].endswith("/v1/contracts/fw-155mm")
