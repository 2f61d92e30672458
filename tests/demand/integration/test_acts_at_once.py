"""Desks acting on one bundle at the same moment take turns: each claims the bundle before
reading it, so nations confirming before a deadline do not refuse each other, and no
answer is lost."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest

from bundling_shared.auth import Role
from demand.domain.access import Caller
from demand.service_layer import bundles as handlers
from demand.service_layer.bundles import BundleView
from tests.demand.helpers import aggregate_all, lead
from tests.demand.integration.test_bundles_api import SOON, Demand, bundles, register
from tests.support.api import desk
from tests.support.rivals import RivalBeforeFirstCommit
from tests.support.statements import objects_flushed, statements_run


async def opened_bundle(demand: Demand, quantities: dict[str, int]) -> str:
    """The one bundle the nations' needs make, opened for their answers."""
    service, client = demand
    for nation, quantity in quantities.items():
        await register(client, nation, quantity, item="PATRIOT-PAC2")
    await aggregate_all(service)
    (bundle,) = await bundles(client)
    bid: str = bundle["id"]
    body = {"deadline": SOON, "minimum_nations": 2}
    opened = await client.post(f"/v1/bundles/{bid}/open", json=body, headers=await lead(client, bid))
    assert opened.status_code == 200
    return bid


async def test_two_desks_confirming_at_once_both_stand(demand: Demand) -> None:
    service, client = demand
    bid = await opened_bundle(demand, {"NLD": 200, "DEU": 400, "ESP": 100})

    async def germany_confirms() -> None:
        answer = await client.post(
            f"/v1/bundles/{bid}/participation", json={"decision": "confirm"}, headers=desk("DEU")
        )
        assert answer.status_code == 200

    # Germany's answer is in just before the Dutch desk claims the bundle: the Dutch act
    # reads the bundle with it.
    uow = RivalBeforeFirstCommit(service.uow(), germany_confirms, at="bundles")
    netherlands = Caller(role=Role.NATION_DESK, nation="NLD", organisation=None, subject="nld-desk")
    view = await handlers.answer_participation(
        uow, caller=netherlands, bundle_id=bid, confirm=True, quantity=150, funding=None
    )

    assert uow.rivals_run == 1
    shares = {s.nation: (s.participation.value, s.confirmed_quantity) for s in view.bundle.shares}
    assert shares["DEU"] == ("confirmed", 400) and shares["NLD"] == ("confirmed", 150)
    stored = await client.get(f"/v1/bundles/{bid}", headers=await lead(client, bid))
    confirmed = {p["nation"]: p["confirmed_quantity"] for p in stored.json()["participation"]}
    assert confirmed == {"NLD": 150, "DEU": 400, "ESP": None}


async def test_desks_answering_at_once_take_turns_and_none_has_to_start_over(
    demand: Demand, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Six desks answer at the same moment with trying again switched off: each claimed the
    bundle before reading it, so every answer stands."""

    async def once(attempt: Callable[[], Awaitable[BundleView]]) -> BundleView:
        return await attempt()

    monkeypatch.setattr(handlers, "again_if_changed", once)
    _, client = demand
    nations = ("NLD", "DEU", "ESP", "POL", "CZE", "DNK")
    bid = await opened_bundle(demand, dict.fromkeys(nations, 100))

    answers = await asyncio.gather(
        *(
            client.post(f"/v1/bundles/{bid}/participation", json={"decision": "confirm"}, headers=desk(nation))
            for nation in nations
        )
    )
    assert [a.status_code for a in answers] == [200] * len(nations)
    stored = await client.get(f"/v1/bundles/{bid}", headers=await lead(client, bid))
    assert {p["nation"]: p["confirmed_quantity"] for p in stored.json()["participation"]} == dict.fromkeys(nations, 100)


async def test_an_act_reads_its_bundle_once(demand: Demand) -> None:
    """The claim reads the bundle locked on PostgreSQL (a write claims it on SQLite) and
    the act's rules are checked on that reading: no second trip for the same row. On
    PostgreSQL the claim reads the bundle's shares with it, and the bundle's new state,
    its nation's share and the trail entry are then written as one statement. On both,
    the bundle's new state is a plain update of its row, not a flush of the session."""
    service, client = demand
    bid = await opened_bundle(demand, {"NLD": 200, "DEU": 400})
    with objects_flushed() as flushed, statements_run(service.engine) as sent:
        answer = await client.post(
            f"/v1/bundles/{bid}/participation", json={"decision": "confirm"}, headers=desk("DEU")
        )
    assert answer.status_code == 200
    assert flushed == []
    reads = [s for s in sent if s.startswith("SELECT") and ("FROM bundles WHERE" in s or "FROM bundles LEFT" in s)]
    assert len(reads) == 1, reads
    if service.engine.dialect.name == "postgresql":
        assert [s.split()[0] for s in sent] == ["SELECT", "WITH"], sent
        assert "JOIN bundle_shares" in sent[0] and sent[0].endswith("FOR UPDATE OF bundles"), sent
        written = sent[-1]
        for part in ("UPDATE bundles SET", "UPDATE bundle_shares SET", "INSERT INTO bundle_decisions"):
            assert part in written, (part, written)
    stored = (await client.get(f"/v1/bundles/{bid}", headers=desk("DEU"))).json()
    assert [(p["nation"], p["status"], p["confirmed_quantity"]) for p in stored["participation"]] == [
        ("DEU", "confirmed", 400)
    ]
    assert stored["revision"] == answer.json()["revision"]
