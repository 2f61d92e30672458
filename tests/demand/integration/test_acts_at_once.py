"""Desks acting on one bundle at the same moment: the one whose bundle changed between its
reading and its writing is tried again on the bundle as it is now, so nations confirming
before a deadline do not refuse each other, and neither answer is lost."""

from __future__ import annotations

from bundling_shared.auth import Role
from demand.domain.access import Caller
from demand.service_layer import bundles as handlers
from tests.demand.helpers import aggregate_all, lead
from tests.demand.integration.test_bundles_api import SOON, Demand, bundles, register
from tests.support.api import desk
from tests.support.rivals import RivalBeforeFirstCommit


async def test_two_desks_confirming_at_once_both_stand(demand: Demand) -> None:
    service, client = demand
    for nation, quantity in (("NLD", 200), ("DEU", 400), ("ESP", 100)):
        await register(client, nation, quantity, item="PATRIOT-PAC2")
    await aggregate_all(service)
    (bundle,) = await bundles(client)
    bid = bundle["id"]
    body = {"deadline": SOON, "minimum_nations": 2}
    opened = await client.post(f"/v1/bundles/{bid}/open", json=body, headers=await lead(client, bid))
    assert opened.status_code == 200

    async def germany_confirms() -> None:
        answer = await client.post(
            f"/v1/bundles/{bid}/participation", json={"decision": "confirm"}, headers=desk("DEU")
        )
        assert answer.status_code == 200

    uow = RivalBeforeFirstCommit(service.uow(), germany_confirms)
    netherlands = Caller(role=Role.NATION_DESK, nation="NLD", organisation=None, subject="nld-desk")
    view = await handlers.answer_participation(
        uow, caller=netherlands, bundle_id=bid, confirm=True, quantity=150, funding=None
    )

    assert uow.rivals_run == 1  # Germany's answer came in between, and the Dutch one was tried again
    shares = {s.nation: (s.participation.value, s.confirmed_quantity) for s in view.bundle.shares}
    assert shares["DEU"] == ("confirmed", 400) and shares["NLD"] == ("confirmed", 150)
    stored = await client.get(f"/v1/bundles/{bid}", headers=await lead(client, bid))
    confirmed = {p["nation"]: p["confirmed_quantity"] for p in stored.json()["participation"]}
    assert confirmed == {"NLD": 150, "DEU": 400, "ESP": None}
