"""An accession to a committed framework is the nation's request: the bundle shows it as
requested until the contracts service says it took effect (the lead approved it, or had
opened the framework) or that the lead refused it."""

from __future__ import annotations

from typing import Any

from bundling_shared.auth import Role
from bundling_shared.events.contracts import (
    FrameworkAccededPayload,
    FrameworkAccededV1,
    FrameworkAccessionRefusedPayload,
    FrameworkAccessionRefusedV1,
)
from demand.service_layer.contracted import accession_decided
from tests.demand.helpers import aggregate_all, need_body, yearly
from tests.support.api import bearer, desk


async def committed_framework(demand: tuple[Any, Any]) -> str:
    service, client = demand
    body = need_body("NLD", None, item="MMR", yearly_quantities=yearly((2027, 4), (2028, 4)))
    assert (await client.post("/v1/needs", json=body, headers=desk("NLD"))).status_code == 201
    await aggregate_all(service)
    (bundle,) = (await client.get("/v1/bundles", headers=desk("NLD"))).json()["items"]
    committed = await client.post(f"/v1/bundles/{bundle['id']}/commit", json={"lead": "NLD"},
                                  headers=bearer(Role.COORDINATOR, nation="NLD"))  # fmt: skip
    assert committed.status_code == 200, committed.text
    return str(bundle["id"])


def acceded(bundle_id: str, nation: str, quantity: int) -> FrameworkAccededV1:
    event: FrameworkAccededV1 = FrameworkAccededV1.create(
        FrameworkAccededPayload(framework_id="fw-1", nation=nation, quantity=quantity, bundle_id=bundle_id),
        aggregate_id="fw-1",
        producer="contracts",
    )
    return event


def refused(bundle_id: str, nation: str) -> FrameworkAccessionRefusedV1:
    event: FrameworkAccessionRefusedV1 = FrameworkAccessionRefusedV1.create(
        FrameworkAccessionRefusedPayload(framework_id="fw-1", bundle_id=bundle_id, nation=nation, reason="no cover"),
        aggregate_id="fw-1",
        producer="contracts",
    )
    return event


async def test_an_accession_is_requested_until_the_contracts_service_says_it_took_effect(
    demand: tuple[Any, Any],
) -> None:
    service, client = demand
    bid = await committed_framework(demand)
    for nation in ("NOR", "LTU"):
        asked = await client.post(f"/v1/bundles/{bid}/accessions", json={"yearly_quantities": yearly((2027, 2))},
                                  headers=desk(nation))  # fmt: skip
        assert asked.status_code == 201, asked.text
        (mine,) = asked.json()["participation"]
        assert (mine["nation"], mine["status"]) == (nation, "accession_requested")
        assert asked.json()["total_quantity"] == 8 and nation not in asked.json()["nations"]
        assert asked.json()["ceiling_quantity"] == 8  # the ceiling grows only once the lead agrees

    event = acceded(bid, "NOR", 2)
    assert (
        await accession_decided(service.uow(), event_id=event.event_id, bundle_id=bid, nation="NOR", took_effect=True)
        is True
    )
    assert (
        await accession_decided(service.uow(), event_id=event.event_id, bundle_id=bid, nation="NOR", took_effect=True)
        is False
    )  # redelivered
    nor = (await client.get(f"/v1/bundles/{bid}", headers=desk("NOR"))).json()
    assert nor["participation"][0]["status"] == "acceded" and nor["total_quantity"] == 10 and "NOR" in nor["nations"]
    assert nor["ceiling_quantity"] == 10
    (listed,) = (await client.get(f"/v1/demand-sheet/{nor['item_code']}", headers=desk("EST"))).json()["open_bundles"]
    assert (listed["id"], listed["nation_count"], listed["total_quantity"]) == (bid, nor["nation_count"], 10)
    assert nor["nation_count"] == 2  # Norway acceded without a need of its own; Lithuania only asked

    assert (
        await accession_decided(
            service.uow(), event_id=refused(bid, "LTU").event_id, bundle_id=bid, nation="LTU", took_effect=False
        )
        is True
    )
    ltu = await client.get(f"/v1/bundles/{bid}", headers=desk("LTU"))
    assert ltu.json()["participation"][0]["status"] == "accession_refused"
    trail = (await client.get(f"/v1/bundles/{bid}/trail", headers=desk("LTU"))).json()["items"]
    assert any("refused" in entry["reason"] for entry in trail)
