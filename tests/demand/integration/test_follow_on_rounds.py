"""On SQLite and PostgreSQL: an expiring contract or framework told by the contracts service
opens its follow-on round, which its nations see (each its own expected quantity) and join
by registering follow-on needs, placed by the aggregator's batches."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import TypeAdapter

from bundling_shared.events.contracts import ContractExpiringPayload, ContractExpiringV1, ExpiringShare
from bundling_shared.events.demand import NeedEvent
from bundling_shared.messaging.dead_letter import RetryPolicy
from demand.entrypoints.subscribers import ON_CONTRACT_EVENT
from demand.service_layer import aggregator
from tests.demand.helpers import every_item, outbox_events, trail_of, yearly
from tests.support.api import desk

POLICY = RetryPolicy(service="demand", max_attempts=2, backoff_seconds=0.05)


def expiring(horizon_years: int = 5) -> ContractExpiringV1:
    """The 155 mm framework of Czechia, the Netherlands and Denmark, ending with 2029."""
    quantities = {"CZE": 30_000, "NLD": 20_000, "DNK": 5_000}
    event: ContractExpiringV1 = ContractExpiringV1.create(
        ContractExpiringPayload(
            kind="framework",
            agreement_id="fw-155mm",
            bundle_id=None,
            item_code="AMMO-155MM",
            category="AMMO",
            contracting_authority="CZE",
            start=date(2025, 1, 1),
            end=date(2029, 12, 31),
            horizon_years=horizon_years,
            days_left=1000,
            nations=sorted(quantities),
            quantities=[ExpiringShare(nation=n, quantity=q) for n, q in sorted(quantities.items())],
            supplier_organisations=["MSM-GROUP"],
        ),
        aggregate_id="fw-155mm",
        producer="contracts",
    )
    return event


async def told(service: Any, event: ContractExpiringV1) -> None:
    await ON_CONTRACT_EVENT[ContractExpiringV1](service.uow(), event)


async def aggregate_in_a_batch(service: Any) -> None:
    bodies = [e for e in await outbox_events(service) if e["event_type"].startswith("demand.need.")]
    events = [TypeAdapter(NeedEvent).validate_python(body) for body in bodies]
    assert await aggregator.aggregate_batch(events, service.uow(), POLICY) == []


async def test_the_nations_of_an_expiring_framework_see_its_round_and_join_it(demand: tuple[Any, Any]) -> None:
    service, client = demand
    event = expiring()
    await told(service, event)
    await told(service, event)  # delivered again: nothing more
    (seen,) = await every_item(client, "/v1/bundles", desk("NLD"))
    assert (seen["status"], seen["kind"], seen["nations"]) == ("proposed", "framework_contract", [])
    assert seen["delivery_window"] == {"start": "2030-01-01", "end": "2034-12-31"}
    follows = seen["follows_on"]
    assert (follows["agreement_id"], follows["ends_on"], follows["nations"]) == (
        "fw-155mm", "2029-12-31", ["CZE", "DNK", "NLD"],
    )  # fmt: skip
    assert follows["expected"] == [{"nation": "NLD", "quantity": 20_000, "yearly": []}], "its own, no years known"
    assert seen["participation"] == [
        {"nation": "NLD", "status": "invited", "quantity": 0, "confirmed_quantity": None, "funding_instrument": None}
    ]
    assert await every_item(client, "/v1/bundles", desk("DEU")) == []
    assert (await client.get(f"/v1/bundles/{seen['id']}", headers=desk("DEU"))).status_code == 404
    (first, *_) = await trail_of(client, seen["id"], desk("DNK"))
    assert first["reason"].startswith("follow-on to framework fw-155mm expiring 2029-12-31")

    body = {
        "nation": "NLD",
        "item_code": "AMMO-155MM",
        "yearly_quantities": yearly((2030, 4_000), (2031, 4_000)),
        "delivery_window": {"start": "2030-01-01", "end": "2031-12-31"},
    }
    assert (await client.post("/v1/needs", json=body, headers=desk("NLD"))).status_code == 201
    await aggregate_in_a_batch(service)
    joined = (await client.get(f"/v1/bundles/{seen['id']}", headers=desk("NLD"))).json()
    assert (joined["nations"], joined["total_quantity"]) == (["NLD"], 8_000)
    assert joined["participation"][0]["status"] == "proposed"
    assert joined["follows_on"]["agreement_id"] == "fw-155mm"  # kept through the batch's write

    await told(service, expiring(horizon_years=2))
    assert len(await every_item(client, "/v1/bundles", desk("NLD"))) == 1
    trail = [e["reason"] for e in await trail_of(client, seen["id"], desk("CZE"))]
    assert trail[-1] == "follow-on to framework fw-155mm expiring 2029-12-31: 2 year(s) left"
    sheet = (await client.get("/v1/demand-sheet/AMMO-155MM", headers=desk("DNK"))).json()
    assert seen["id"] in [b["id"] for b in sheet["open_bundles"]]


def per_buyer(nation: str, quantity: int) -> ContractExpiringV1:
    """One of the contracts NSPA concluded, one per buyer, for the VSRAT joint order."""
    agreement_id = f"contract-vsrat-{nation.lower()}"
    event: ContractExpiringV1 = ContractExpiringV1.create(
        ContractExpiringPayload(
            kind="contract",
            agreement_id=agreement_id,
            bundle_id="bundle-vsrat",
            item_code="ATGM-VSRAT",
            category="ATGM",
            contracting_authority="NSPA",
            start=date(2026, 1, 1),
            end=date(2027, 12, 31),
            horizon_years=2,
            days_left=700,
            nations=[nation],
            quantities=[ExpiringShare(nation=nation, quantity=quantity)],
            supplier_organisations=["SAAB"],
        ),
        aggregate_id=agreement_id,
        producer="contracts",
    )
    return event


async def test_a_joint_order_contracted_per_buyer_is_followed_by_one_round_of_all_its_nations(
    demand: tuple[Any, Any],
) -> None:
    service, client = demand
    for nation, quantity in (("NLD", 300), ("DEU", 500), ("NOR", 200)):
        await told(service, per_buyer(nation, quantity))
    (round_,) = await every_item(client, "/v1/bundles", desk("DEU"))
    follows = round_["follows_on"]
    assert follows["nations"] == ["DEU", "NLD", "NOR"]
    assert follows["also_follows"] == ["contract-vsrat-deu", "contract-vsrat-nor"]
    assert follows["expected"] == [{"nation": "DEU", "quantity": 500, "yearly": []}]
    assert [p["nation"] for p in round_["participation"]] == ["DEU"]
    for nation in ("NLD", "NOR"):
        assert [b["id"] for b in await every_item(client, "/v1/bundles", desk(nation))] == [round_["id"]]


async def test_a_round_starts_from_each_nations_years_under_the_framework_it_follows(demand: tuple[Any, Any]) -> None:
    service, client = demand
    for nation, years in (("NLD", ((2030, 4_000), (2031, 6_000))), ("CZE", ((2030, 9_000), (2031, 3_000)))):
        body = {"nation": nation, "item_code": "AMMO-155MM", "yearly_quantities": yearly(*years),
                "delivery_window": {"start": "2030-01-01", "end": "2031-12-31"}}  # fmt: skip
        assert (await client.post("/v1/needs", json=body, headers=desk(nation))).status_code == 201
    await aggregate_in_a_batch(service)
    (source,) = await every_item(client, "/v1/bundles", desk("NLD"))
    event = expiring()
    payload = event.payload.model_copy(
        update={"bundle_id": source["id"], "start": date(2030, 1, 1), "end": date(2031, 12, 31),
                "nations": ["CZE", "NLD"], "quantities": [ExpiringShare(nation="CZE", quantity=12_000),
                                                          ExpiringShare(nation="NLD", quantity=10_000)]}
    )  # fmt: skip
    await told(service, event.model_copy(update={"payload": payload}))
    rounds = [b for b in await every_item(client, "/v1/bundles", desk("NLD")) if b["follows_on"]]
    (round_,) = rounds
    (mine,) = round_["follows_on"]["expected"]
    assert mine["nation"] == "NLD"
    assert mine["yearly"] == [{"year": 2032, "quantity": 4_000}, {"year": 2033, "quantity": 6_000}]
    lead = (await client.get(f"/v1/bundles/{round_['id']}", headers=desk("CZE"))).json()["follows_on"]["expected"]
    assert [e["nation"] for e in lead] == ["CZE"]
