"""A framework, a procurement or a specification is listed to each party it names (its
nations, the coordinators its lead assigned, the companies it was signed with) from the
moment an act names it, and to no other party. The lists find a party's objects by the
rows kept of those names: written with each act that changes them, on both databases,
and written out for the objects kept before the rows existed."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bundling_shared.db import make_engine, migrate
from contracts.adapters import orm
from contracts.domain.weighing import Weights
from contracts.entrypoints.app import MIGRATIONS
from contracts.service_layer.frameworks import accede_to_framework, create_framework_for_commitment
from contracts.service_layer.specifications import propose_harmonisation
from tests.contracts.events import accession, framework_committed, harmonisation
from tests.contracts.integration.conftest import Api
from tests.contracts.integration.test_beneficiaries import tendered_cv90
from tests.support.api import coordinator, desk, industry


async def listed(api: Api, path: str, caller: dict[str, str]) -> list[str]:
    found = await api.call("GET", f"{path}?limit=500", caller)
    assert found["total"] == len(found["items"])
    return [item["id"] for item in found["items"]]


async def test_a_framework_is_listed_to_each_party_from_the_act_that_names_it(api: Api) -> None:
    framework_id = await create_framework_for_commitment(framework_committed(), api.service.uow())
    assert framework_id is not None
    path = f"/v1/frameworks/{framework_id}"
    thales = await api.supplier("THALES-NL", "NLD")
    newcomers = [desk("NOR"), industry("THALES-NL"), coordinator("NSPA")]
    assert [await listed(api, "/v1/frameworks", caller) for caller in newcomers] == [[], [], []]
    assert await listed(api, "/v1/frameworks", desk("NLD")) == [framework_id]

    await api.call("POST", f"{path}/suppliers", desk("NLD"), {"supplier_id": thales["id"], "unit_price_eur": 25_000})
    assert await listed(api, "/v1/frameworks", industry("THALES-NL")) == [framework_id]
    await api.call("PUT", f"{path}/settings", desk("NLD"), {"accession_policy": "open"})
    assert await accede_to_framework(accession("NOR", 2), api.service.uow()) is True
    assert await listed(api, "/v1/frameworks", desk("NOR")) == [framework_id]
    await api.call("POST", f"{path}/coordinators", desk("NLD"), {"coordinator": "NSPA"})
    assert await listed(api, "/v1/frameworks", coordinator("NSPA")) == [framework_id]

    assert [await listed(api, "/v1/frameworks", caller) for caller in newcomers] == [[framework_id]] * 3
    for outsider in (desk("DEU"), industry("SAAB"), coordinator("OCCAR")):
        assert await listed(api, "/v1/frameworks", outsider) == []
    assert await framework_parties(api.service.engine) == [
        (framework_id, "coordinator", "NSPA"),
        (framework_id, "participant", "NLD"),
        (framework_id, "participant", "NOR"),
        (framework_id, "supplier", thales["id"]),
    ]


async def test_a_procurement_is_listed_to_its_nations_and_to_the_coordinators_assigned_it(api: Api) -> None:
    procurement_id = await tendered_cv90(api)
    assert await listed(api, "/v1/procurements", desk("SWE")) == [procurement_id]
    assert await listed(api, "/v1/procurements", coordinator("NSPA")) == []
    path = f"/v1/procurements/{procurement_id}"
    await api.call("POST", f"{path}/coordinators", coordinator("SWE"), {"coordinator": "NSPA"})
    assert await listed(api, "/v1/procurements", coordinator("NSPA")) == [procurement_id]
    for outsider in (desk("DEU"), coordinator("OCCAR")):
        assert await listed(api, "/v1/procurements", outsider) == []


async def test_a_specification_is_listed_to_the_nations_it_harmonises(api: Api) -> None:
    specification_id = await propose_harmonisation(harmonisation(["NLD", "DEU"]), api.service.uow())
    for nation in ("NLD", "DEU"):
        assert await listed(api, "/v1/specifications", desk(nation)) == [specification_id]
    assert await listed(api, "/v1/specifications", desk("POL")) == []


async def framework_parties(engine: AsyncEngine) -> list[tuple[str, str, str]]:
    named = orm.framework_parties
    async with engine.connect() as conn:
        found = await conn.execute(select(named).order_by(named.c.relation, named.c.party))
        return [(row.framework_id, row.relation, row.party) for row in found]


async def test_the_parties_of_objects_kept_before_are_written_as_rows(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        await migrate(engine, MIGRATIONS, "0029")
        async with engine.begin() as conn:
            await conn.execute(insert(orm.frameworks), [FRAMEWORK])
            await conn.execute(insert(orm.procurements), [PROCUREMENT])
            await conn.execute(insert(orm.specifications), [SPECIFICATION])
        await migrate(engine, MIGRATIONS)
        assert await framework_parties(engine) == [
            ("fw-1", "coordinator", "NSPA"),
            ("fw-1", "participant", "DNK"),
            ("fw-1", "participant", "NLD"),
            ("fw-1", "supplier", "supplier-1"),
        ]
        async with engine.connect() as conn:
            procurement = (await conn.execute(select(orm.procurement_parties))).all()
            specification = (await conn.execute(select(orm.specification_nations))).all()
        assert sorted((row.relation, row.party) for row in procurement) == [
            ("coordinator", "OCCAR"),
            ("nation", "POL"),
            ("nation", "SWE"),
        ]
        assert sorted(row.nation for row in specification) == ["DEU", "NLD"]
    finally:
        await engine.dispose()


CREATED = datetime(2026, 1, 5, tzinfo=UTC)
FRAMEWORK = {
    "id": "fw-1", "bundle_id": None, "item_code": "MMR", "items": ["MMR"], "contracting_authority": "NLD",
    "participants": {"NLD": 9, "DNK": 2}, "ceiling_quantity": 11, "ceiling_value_eur": None,
    "start": date(2026, 1, 1), "end": date(2030, 12, 31), "suppliers": {"supplier-1": None}, "row_version": 1,
    "coordinators": ["NSPA"], "created_at": CREATED,
}  # fmt: skip
PROCUREMENT = {
    "id": "proc-1", "item_code": "CV90", "contracting_authority": "SWE", "buyer_nation": "SWE",
    "nations": ["SWE", "POL", "SWE"], "quantity": 50, "tender_date": date(2026, 2, 1), "offers_due": date(2026, 2, 15),
    "weights": Weights(price=40, delivery=30, origin=20, industrial_participation=10), "quality_gates": [],
    "standstill_days": 10, "status": "open", "row_version": 1, "evaluation": [], "coordinators": ["OCCAR"],
    "created_at": CREATED,
}  # fmt: skip
SPECIFICATION = {
    "id": "spec-1", "reference": "SPEC-155MM", "version": 1, "item_code": "AMMO-155MM", "title": "155 mm",
    "standards": [], "key_performance": {}, "critical_materials": [], "nations": ["NLD", "DEU"], "deviations": [],
    "positions": {}, "status": "proposed", "proposed_by": "NLD", "row_version": 1, "created_at": CREATED,
}  # fmt: skip
