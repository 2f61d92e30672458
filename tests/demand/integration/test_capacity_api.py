"""Demand against declared capacity through the API, on both databases: the demand sheet
and a bundle show the item's production lines and what they can turn out per year, and
when the aggregated demand reached a line's minimum economic quantity."""

from __future__ import annotations

from datetime import date
from uuid import uuid4

from demand.domain.capacity import DeclaredLine
from demand.domain.need import YearQuantity
from demand.service_layer.capacity import line_declared, unlock_due
from demand.service_layer.specifications import adopt_harmonised_specification
from tests.demand.helpers import ADMIN, aggregate_all, outbox_events
from tests.demand.integration.test_bundles_api import Demand, bundles, register
from tests.support.api import desk


def patriot_line(line_id: str, minimum: int, capacity: list[YearQuantity]) -> DeclaredLine:
    return DeclaredLine(
        line_id=line_id,
        organisation="MBDA-DE",
        item_code="PATRIOT-PAC2",
        site="Schrobenhausen",
        country="DEU",
        earliest_start=date(2027, 6, 15),
        minimum_economic_quantity=minimum,
        capacity_by_year=capacity,
        inputs=["rocket propellant"],
    )


async def test_the_demand_sheet_and_a_bundle_show_demand_against_declared_capacity(demand: Demand) -> None:
    service, client = demand
    ramp = [YearQuantity(2027, 120), YearQuantity(2028, 480)]
    await line_declared(service.uow(), event_id=uuid4(), line=patriot_line("line-a", 1_000, ramp))
    await line_declared(service.uow(), event_id=uuid4(), line=patriot_line("line-b", 5_000, [YearQuantity(2028, 20)]))
    window = {"start": "2027-01-01", "end": "2028-12-31"}
    for nation, missiles in (("NLD", 250), ("DEU", 400), ("ESP", 150), ("ROU", 200)):
        await register(client, nation, missiles, item_code="PATRIOT-PAC2", delivery_window=window)
    await aggregate_all(service)
    assert [x.line_id for x in await unlock_due(service.uow())] == ["line-a"]

    sheet = (await client.get("/v1/demand-sheet/PATRIOT-PAC2", headers=desk("ROU"))).json()
    capacity = sheet["capacity"]
    assert sheet["total_quantity"] == 1_000 and sheet["per_year"] == {"2027": 1_000}
    assert capacity["per_year"] == {"2027": 120, "2028": 500}
    assert (capacity["line_count"], capacity["unlocked_count"]) == (2, 1)
    unlocked = {x["line_id"]: x["unlocked_by_demand"] for x in capacity["lines"]}
    assert unlocked == {"line-a": 1_000, "line-b": None}

    (bundle,) = await bundles(client, item_code="PATRIOT-PAC2")
    seen = (await client.get(f"/v1/bundles/{bundle['id']}", headers=ADMIN)).json()
    assert seen["capacity"]["per_year"] == {"2027": 120, "2028": 500} and seen["capacity"]["unlocked_count"] == 1
    (told,) = await outbox_events(service, "demand.capacity.unlocked")
    assert told["payload"]["nation_count"] == 4 and "ROU" not in str(told["payload"])


PROPELLANT = {"name": "rocket propellant", "category": "raw_material", "risk": "high", "flagged": True}
GRAPHITE = {"name": "graphite", "category": "raw_material", "risk": "critical", "flagged": True}
ALUMINIUM = {"name": "aluminium", "category": "raw_material", "risk": "medium", "flagged": False}


async def test_a_bundle_and_the_demand_sheet_say_which_high_risk_materials_the_item_depends_on(
    demand: Demand,
) -> None:
    service, client = demand
    ramp = [YearQuantity(2027, 120)]
    line = patriot_line("line-a", 1_000, ramp)
    line.material_risks = [PROPELLANT, ALUMINIUM]
    await line_declared(service.uow(), event_id=uuid4(), line=line)
    await adopt_harmonised_specification(
        service.uow(), event_id=uuid4(), item_code="PATRIOT-PAC2", reference="SPEC-PAC2", material_risks=[GRAPHITE]
    )
    await register(
        client, "NLD", 250, item_code="PATRIOT-PAC2", delivery_window={"start": "2027-01-01", "end": "2027-12-31"}
    )
    await aggregate_all(service)

    expected = [
        {"material": "graphite", "risk": "critical", "through": ["specification"]},
        {"material": "rocket propellant", "risk": "high", "through": ["MBDA-DE"]},
    ]  # aluminium, of medium risk, is not told
    sheet = (await client.get("/v1/demand-sheet/PATRIOT-PAC2", headers=desk("ROU"))).json()
    assert sheet["supply_risks"] == expected
    (bundle,) = await bundles(client, item_code="PATRIOT-PAC2")
    seen = (await client.get(f"/v1/bundles/{bundle['id']}", headers=desk("NLD"))).json()
    assert seen["supply_risks"] == expected

    # A later version of the specification names none; an event from before risks were told keeps them.
    await adopt_harmonised_specification(
        service.uow(), event_id=uuid4(), item_code="PATRIOT-PAC2", reference="SPEC-PAC2", material_risks=None
    )
    sheet = (await client.get("/v1/demand-sheet/PATRIOT-PAC2", headers=desk("ROU"))).json()
    assert sheet["supply_risks"] == expected
    await adopt_harmonised_specification(
        service.uow(), event_id=uuid4(), item_code="PATRIOT-PAC2", reference="SPEC-PAC2", material_risks=[]
    )
    sheet = (await client.get("/v1/demand-sheet/PATRIOT-PAC2", headers=desk("ROU"))).json()
    assert sheet["supply_risks"] == expected[1:]
