"""A committed bundle the contracts service could not contract is not lost: the bundle shows
why (`contracting_problem`) and its trail records it, so that its lead sees it and acts."""

from __future__ import annotations

from typing import Any

from bundling_shared.events.contracts import (
    CommitmentRefusedPayload,
    CommitmentRefusedV1,
    FrameworkAccessionRefusedPayload,
    FrameworkAccessionRefusedV1,
)
from demand.service_layer.contracted import accession_decided, commitment_not_contracted
from tests.demand.helpers import yearly
from tests.demand.integration.test_accession_requested import committed_framework
from tests.support.api import desk

REASON = "a framework's value ceiling must be above 0 and at most 1000000000000.00 EUR"


def refused(bundle_id: str) -> CommitmentRefusedV1:
    event: CommitmentRefusedV1 = CommitmentRefusedV1.create(
        CommitmentRefusedPayload(
            bundle_id=bundle_id, kind="framework", item_code="MMR", lead="NLD", nations=["NLD"], reason=REASON
        ),
        aggregate_id=bundle_id,
        producer="contracts",
        nation="NLD",
    )
    return event


async def test_the_bundle_shows_why_its_commitment_was_not_contracted(demand: tuple[Any, Any]) -> None:
    service, client = demand
    bid = await committed_framework(demand)
    before = (await client.get(f"/v1/bundles/{bid}", headers=desk("NLD"))).json()
    assert before["contracting_problem"] is None

    event = refused(bid)
    assert await commitment_not_contracted(service.uow(), event_id=event.event_id, bundle_id=bid, reason=REASON) is True
    assert (
        await commitment_not_contracted(service.uow(), event_id=event.event_id, bundle_id=bid, reason=REASON) is False
    )  # redelivered
    not_ours = refused("bundle-not-ours")
    assert (
        await commitment_not_contracted(
            service.uow(), event_id=not_ours.event_id, bundle_id="bundle-not-ours", reason=REASON
        )
        is False
    )

    bundle = (await client.get(f"/v1/bundles/{bid}", headers=desk("NLD"))).json()
    assert bundle["contracting_problem"] == REASON
    assert bundle["status"] == before["status"] and bundle["revision"] == before["revision"]
    trail = (await client.get(f"/v1/bundles/{bid}/trail", headers=desk("NLD"))).json()["items"]
    (entry,) = [e for e in trail if e["kind"] == "not_contracted"]
    assert REASON in entry["reason"]


async def test_an_accession_a_rule_refused_says_so_in_the_trail(demand: tuple[Any, Any]) -> None:
    service, client = demand
    bid = await committed_framework(demand)
    asked = await client.post(f"/v1/bundles/{bid}/accessions", json={"yearly_quantities": yearly((2027, 2))},
                              headers=desk("NOR"))  # fmt: skip
    assert asked.status_code == 201, asked.text
    event = FrameworkAccessionRefusedV1.create(
        FrameworkAccessionRefusedPayload(
            framework_id="", bundle_id=bid, nation="NOR", reason="no framework contract", refused_by="contracts"
        ),
        aggregate_id=bid,
        producer="contracts",
    )
    decided = await accession_decided(
        service.uow(),
        event_id=event.event_id,
        bundle_id=bid,
        nation="NOR",
        took_effect=False,
        reason=event.payload.reason,
        refused_by_rule=True,
    )
    assert decided is True
    trail = (await client.get(f"/v1/bundles/{bid}/trail", headers=desk("NOR"))).json()["items"]
    assert any(e["reason"] == "the contracts service refused NOR's accession: no framework contract" for e in trail)
