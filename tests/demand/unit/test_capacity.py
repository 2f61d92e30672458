"""Declared capacity beside demand, against a unit of work in memory: a line told by the
contracts service is kept per item, its revisions in order, and once the item's
aggregated demand reaches the line's minimum economic quantity its company is told, once."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from uuid import uuid4

from demand.domain.capacity import DeclaredLine, ItemCapacity, supply_risks
from demand.domain.need import YearQuantity
from demand.service_layer import capacity, needs
from tests.demand.unit.fakes import FakeUnitOfWork
from tests.demand.unit.handlers import desk, terms

LINE = DeclaredLine(
    line_id="line-patriot-de",
    organisation="MBDA-DE",
    item_code="PATRIOT-PAC2",
    site="Schrobenhausen",
    country="DEU",
    earliest_start=date(2027, 6, 15),
    minimum_economic_quantity=1_000,
    capacity_by_year=[YearQuantity(2027, 120), YearQuantity(2028, 480), YearQuantity(2029, 480)],
)


def line(**changes: object) -> DeclaredLine:
    return replace(LINE, **changes)  # type: ignore[arg-type]


async def test_a_line_is_unlocked_once_when_the_items_demand_reaches_its_minimum() -> None:
    uow = FakeUnitOfWork()
    assert await capacity.line_declared(uow, event_id=uuid4(), line=line())
    for nation, missiles in (("NLD", 250), ("DEU", 400), ("ESP", 150)):
        await needs.register_need(uow, caller=desk(nation), terms=terms(nation, missiles, "PATRIOT-PAC2"))
    assert await capacity.unlock_due(uow) == []  # 800 of 1,000
    assert uow.events("demand.capacity.unlocked") == []

    await needs.register_need(uow, caller=desk("ROU"), terms=terms("ROU", 200, "PATRIOT-PAC2"))
    (unlocked,) = await capacity.unlock_due(uow)
    assert (unlocked.line_id, unlocked.unlocked_by_demand) == ("line-patriot-de", 1_000)
    assert await capacity.unlock_due(uow) == []  # told once
    (told,) = uow.events("demand.capacity.unlocked")
    assert (told.organisation, told.aggregate_id) == ("MBDA-DE", "line-patriot-de")
    assert told.payload.model_dump() == {
        "line_id": "line-patriot-de",
        "organisation": "MBDA-DE",
        "item_code": "PATRIOT-PAC2",
        "minimum_economic_quantity": 1_000,
        "demand_quantity": 1_000,
        "nation_count": 4,
    }


async def test_a_line_declared_after_the_demand_is_unlocked_at_once_and_revisions_apply_in_order() -> None:
    uow = FakeUnitOfWork()
    await needs.register_need(uow, caller=desk("NLD"), terms=terms("NLD", 1_500, "PATRIOT-PAC2"))
    event_id = uuid4()
    assert await capacity.line_declared(uow, event_id=event_id, line=line())
    assert not await capacity.line_declared(uow, event_id=event_id, line=line())  # told twice
    assert len(uow.events("demand.capacity.unlocked")) == 1
    kept = uow.lines.stored["line-patriot-de"]
    assert await capacity.line_declared(uow, event_id=uuid4(), line=line(revision=3, minimum_economic_quantity=5_000))
    assert not await capacity.line_declared(uow, event_id=uuid4(), line=line(revision=2, site="elsewhere"))
    assert (kept.revision, kept.minimum_economic_quantity, kept.site) == (3, 5_000, "Schrobenhausen")
    assert kept.unlocked_at is not None  # a raised minimum does not take back what the company was told
    assert len(uow.events("demand.capacity.unlocked")) == 1


def test_an_items_capacity_adds_up_its_lines_year_by_year() -> None:
    other = line(line_id="line-patriot-es", capacity_by_year=[YearQuantity(2028, 100)])
    summed = ItemCapacity.of([line(), other], [2026, 2027, 2028])
    assert [(y.year, y.quantity) for y in summed.years] == [(2026, 0), (2027, 120), (2028, 580)]
    assert summed.unlocked == 0 and len(summed.lines) == 2


def test_only_high_and_critical_risks_are_told_gravest_first_with_what_depends_on_them() -> None:
    propellant = {"name": "rocket propellant", "category": "raw_material", "risk": "high", "flagged": True}
    graphite = {"name": "graphite", "category": "raw_material", "risk": "critical", "flagged": True}
    aluminium = {"name": "aluminium", "category": "raw_material", "risk": "medium", "flagged": False}
    lines = [
        line(material_risks=[propellant, aluminium]),
        line(line_id="line-b", organisation="RHEINMETALL", material_risks=[propellant]),
    ]
    found = supply_risks(lines, [graphite, aluminium])
    assert [(r.material, r.risk, r.through) for r in found] == [
        ("graphite", "critical", ["specification"]),
        ("rocket propellant", "high", ["MBDA-DE", "RHEINMETALL"]),
    ]
    assert ItemCapacity.of(lines, [2027], [graphite]).supply_risks == found
    assert supply_risks([line()], []) == []


def test_a_revision_takes_the_lines_new_material_risks() -> None:
    known = line()
    assert known.revised(line(revision=2, material_risks=[{"name": "cryostat", "risk": "high"}]))
    assert known.material_risks == [{"name": "cryostat", "risk": "high"}]
