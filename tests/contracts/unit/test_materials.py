"""Critical materials' rules: one spelling per material, names checked against the list,
origin shares, what lies outside the EU/EEA, the gravest risks first; and the supply-risk
report: a contract depends on a material through its item's harmonised specification or
its supplier's line, its value weighed by the origins outside the EU/EEA."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from bundling_shared.auth import Principal, Role
from contracts.domain.errors import ContractRuleViolation
from contracts.domain.materials import (
    Category,
    Material,
    MaterialTerms,
    RiskLevel,
    dependences,
    name_of,
    outside_eu_eea,
    require_known,
)
from contracts.domain.supply_risk import Dependencies, Exposure, report
from contracts.service_layer import production_lines
from tests.contracts.unit.fakes import FakeUnitOfWork
from tests.contracts.unit.test_production import MBDA, terms

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def material(name: str, risk: RiskLevel, origins: dict[str, float] | None = None) -> Material:
    return Material.state(
        name,
        MaterialTerms(category=Category.RAW_MATERIAL, risk=risk, origins=origins or {}, note=""),
        by="NSPA",
        at=NOW,
    )


def test_a_material_is_known_by_one_spelling() -> None:
    assert name_of("  Rare-Earth   Magnets ") == "rare-earth magnets"
    assert material(" Graphite ", RiskLevel.CRITICAL).name == "graphite"
    with pytest.raises(ContractRuleViolation) as refused:
        material("graphite/natural", RiskLevel.CRITICAL)
    assert refused.value.field == "name"


def test_names_are_checked_against_the_list_and_an_unknown_one_is_refused_naming_the_field() -> None:
    assert require_known(["Graphite", "cryostat"], {"graphite", "cryostat"}, "body.inputs") == ["graphite", "cryostat"]
    with pytest.raises(ContractRuleViolation) as refused:
        require_known(["graphite", "unobtainium"], {"graphite"}, "body.inputs")
    assert (refused.value.field, refused.value.rule) == ("body.inputs", "unknown_material")
    assert "unobtainium" in str(refused.value) and "graphite" not in str(refused.value).split(":")[1]


def test_origin_shares_add_up_to_at_most_the_whole_world() -> None:
    with pytest.raises(ContractRuleViolation) as refused:
        material("titanium", RiskLevel.HIGH, {"CHN": 0.65, "JPN": 0.4})
    assert refused.value.rule == "origin_shares_total"
    with pytest.raises(ContractRuleViolation):
        material("titanium", RiskLevel.HIGH, {"CHN": 0})


def test_what_lies_outside_the_eu_and_the_eea() -> None:
    assert [outside_eu_eea(c) for c in ("DEU", "NOR", "ISL", "LIE", "UKR", "USA", "CHN")] == [
        False, False, False, False, True, True, True,
    ]  # fmt: skip
    aluminium = material("aluminium", RiskLevel.MEDIUM, {"NOR": 0.02, "CHN": 0.58})
    assert aluminium.outside_eu_eea == {"CHN": 0.58}


def test_only_high_and_critical_risks_are_flagged_and_the_gravest_come_first() -> None:
    assert [r.flagged for r in RiskLevel] == [False, False, True, True]
    known = {m.name: m for m in (material("aluminium", RiskLevel.MEDIUM), material("graphite", RiskLevel.CRITICAL),
                                 material("cryostat", RiskLevel.HIGH))}  # fmt: skip
    found = dependences(["aluminium", "cryostat", "Graphite", "no longer listed"], known)
    assert [(d.name, d.flagged) for d in found] == [("graphite", True), ("cryostat", True), ("aluminium", False)]


def _exposure(
    agreement: str, nation: str, quantity: int, price: str | None, supplier: str | None = "nammo"
) -> Exposure:
    return Exposure(agreement, nation, "AMMO-155MM", supplier, quantity, None if price is None else Decimal(price))


def test_a_contract_depends_through_its_specification_or_its_suppliers_line() -> None:
    known = {"graphite": material("graphite", RiskLevel.CRITICAL, {"CHN": 0.77}),
             "nitrocellulose": material("nitrocellulose", RiskLevel.HIGH)}  # fmt: skip
    dependencies = Dependencies(
        by_item={"AMMO-155MM": {"nitrocellulose"}}, by_line={("nammo", "AMMO-155MM"): {"graphite"}}
    )
    exposures = [
        _exposure("c1", "NLD", 10_000, "4000.00"),
        _exposure("c1", "DNK", 5_000, "4000.00"),
        _exposure("c2", "POL", 300, None, supplier=None),  # not yet signed: no supplier, no price
    ]
    found = report(exposures, dependencies, known)
    graphite, nitrocellulose = found["materials"]
    assert (graphite["material"], graphite["value_eur"], graphite["contract_count"]) == ("graphite", "60000000.00", 1)
    assert graphite["value_outside_eu_eea_eur"] == "46200000.00"
    assert graphite["contracts"][0]["through"] == ["production_line"]
    assert (nitrocellulose["value_eur"], nitrocellulose["unpriced_quantity"]) == ("60000000.00", 300)
    assert [c["id"] for c in nitrocellulose["contracts"]] == ["c1", "c2"]
    assert nitrocellulose["contracts"][1]["value_eur"] is None
    assert found["by_origin"] == [{"country": "CHN", "value_eur": "46200000.00", "materials": ["graphite"]}]
    assert found["totals"]["flagged_contract_count"] == 2


def test_a_material_not_on_the_list_is_not_reported() -> None:
    dependencies = Dependencies(by_item={"AMMO-155MM": {"graphite"}})
    assert report([_exposure("c1", "NLD", 1, "1.00")], dependencies, {})["materials"] == []


async def test_a_line_is_declared_with_known_inputs_only() -> None:
    uow = FakeUnitOfWork()
    uow.suppliers.add(MBDA)
    company = Principal(subject="m", role=Role.INDUSTRY, organisation="MBDA-DE")
    with pytest.raises(ContractRuleViolation) as refused:
        await production_lines.declare_line(uow, company, terms=terms(inputs=["rocket propellant", "seeker"]))
    assert (refused.value.field, refused.value.rule) == ("body.inputs", "unknown_material")
    line = await production_lines.declare_line(uow, company, terms=terms(inputs=["Rocket  Propellant"]))
    assert line.inputs == ["rocket propellant"]
    (_, event) = uow.emitted[-1]
    assert [r.name for r in event.payload.material_risks] == ["rocket propellant"]
