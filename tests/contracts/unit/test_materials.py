"""Critical materials' rules: one spelling per material, names checked against the list,
origin shares, what lies outside the EU/EEA, the gravest risks first; and the supply-risk
report: a contract depends on a material through its item's harmonised specification or
its supplier's line, its value weighed by the origins outside the EU/EEA."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from unittest.mock import patch

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bundling_shared.auth import Principal, Role
from contracts.domain import supply_risk
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


def _reported_one_exposure_at_a_time(
    exposures: list[Exposure], dependencies: Dependencies, known: dict[str, Material], shown: int
) -> dict[str, Any]:
    """The report's figures worked out the plain way: for each material, each exposure
    depending on it added to its agreement, the agreements sorted whole."""
    per_material: dict[str, dict[str, list[Any]]] = {}
    for e in exposures:
        for name, through in dependencies.of(e.item_code, e.supplier_id).items():
            if name not in known:
                continue
            held = per_material.setdefault(name, {}).setdefault(e.agreement_id, [e.item_code, 0, None, set()])
            held[1] += e.quantity
            if e.unit_price_eur is not None:
                held[2] = (held[2] or Decimal(0)) + e.unit_price_eur * e.quantity
            held[3] |= through
    figures = {}
    for name, held_by in per_material.items():
        largest = sorted(held_by.items(), key=lambda kv: (-(kv[1][2] or 0), -kv[1][1], kv[0]))[:shown]
        figures[name] = (
            sum((v for _, _, v, _ in held_by.values() if v is not None), Decimal(0)),
            sum(q for _, q, v, _ in held_by.values() if v is None),
            len(held_by),
            [(a, item, q, v, sorted(through)) for a, (item, q, v, through) in largest],
        )
    flagged = {a for name, held_by in per_material.items() if known[name].flagged for a in held_by}
    priced = [e for e in exposures if e.unit_price_eur is not None]
    totals = (
        len({e.agreement_id for e in exposures}),
        sum((e.unit_price_eur * e.quantity for e in priced if e.unit_price_eur is not None), Decimal(0)),
        len(flagged),
        sum(
            (e.unit_price_eur * e.quantity for e in priced if e.agreement_id in flagged and e.unit_price_eur),
            Decimal(0),
        ),
    )
    return {"materials": figures, "totals": totals}


_NAMES = ["graphite", "tungsten", "nitrocellulose", "aluminium", "not listed"]


@st.composite
def _books(draw: st.DrawFn) -> tuple[list[Exposure], Dependencies, dict[str, Material]]:
    """Agreements (each of one item and supplier, at one price or none) of one to three
    nations' parts, the materials items and lines take, and which of those are listed."""
    items, suppliers = ["AMMO-155MM", "VSRAT"], ["nammo", "rheinmetall", None]
    exposures = []
    for n in range(draw(st.integers(min_value=0, max_value=40))):
        item, supplier = draw(st.sampled_from(items)), draw(st.sampled_from(suppliers))
        price = draw(st.one_of(st.none(), st.sampled_from(["0.50", "4000.00", "4000.10", "12.30"]).map(Decimal)))
        for nation in draw(st.lists(st.sampled_from(["NLD", "DNK", "POL"]), min_size=1, max_size=3, unique=True)):
            exposures.append(Exposure(f"c{n}", nation, item, supplier, draw(st.integers(0, 50)), price))
    names = st.sets(st.sampled_from(_NAMES), max_size=3)
    by_item = {item: draw(names) for item in items}
    by_line = {(s, item): draw(names) for s in suppliers if s for item in items}
    risks = st.sampled_from([RiskLevel.MEDIUM, RiskLevel.HIGH, RiskLevel.CRITICAL])
    known = {n: material(n, draw(risks), {"CHN": 0.5}) for n in _NAMES[:4] if draw(st.booleans())}
    return exposures, Dependencies(by_item, by_line), known


@settings(max_examples=100, deadline=None)
@given(book=_books())
def test_the_report_adds_up_what_each_exposure_puts_at_stake_whatever_the_book(
    book: tuple[list[Exposure], Dependencies, dict[str, Material]],
) -> None:
    exposures, dependencies, known = book
    with patch.object(supply_risk, "MAX_CONTRACTS_SHOWN", 3):  # a few agreements pass over it
        found = report(exposures, dependencies, known)
    expected = _reported_one_exposure_at_a_time(exposures, dependencies, known, shown=3)
    cents = Decimal("0.01")
    assert {
        row["material"]: (
            Decimal(row["value_eur"]),
            row["unpriced_quantity"],
            row["contract_count"],
            [(c["id"], c["item_code"], c["quantity"], c["value_eur"], c["through"]) for c in row["contracts"]],
        )
        for row in found["materials"]
    } == {
        name: (
            value.quantize(cents),
            unpriced,
            count,
            [(a, i, q, None if v is None else f"{v:.2f}", t) for a, i, q, v, t in largest],
        )
        for name, (value, unpriced, count, largest) in expected["materials"].items()
    }
    count, value, flagged_count, flagged_value = expected["totals"]
    totals = found["totals"]
    assert (totals["contract_count"], Decimal(totals["value_eur"])) == (count, value.quantize(cents))
    assert (totals["flagged_contract_count"], Decimal(totals["flagged_value_eur"])) == (
        flagged_count,
        flagged_value.quantize(cents),
    )


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
