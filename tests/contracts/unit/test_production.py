"""A production line's rules: its ramp-up as rate steps, what it can turn out over a
period, and what a declaration must hold."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from contracts.domain.errors import ContractRuleViolation
from contracts.domain.production import LineTerms, ProductionLine, RateStep
from contracts.domain.suppliers import IndustrialBase, Supplier

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
MBDA = Supplier("supplier-mbda", "MBDA-DE", "DEU", False, False, IndustrialBase.EUROPEAN)


def terms(**changes: object) -> LineTerms:
    """The Patriot line in Germany: from mid-2027, 20 missiles a month, 40 from 2028 on."""
    base = LineTerms(
        item_code="PATRIOT-PAC2",
        site="Schrobenhausen",
        country="DEU",
        earliest_start=date(2027, 6, 15),
        minimum_economic_quantity=1_000,
        rates=[RateStep(date(2027, 7, 1), 20), RateStep(date(2028, 1, 1), 40)],
        inputs=["rocket propellant", "cryostat"],
    )
    return LineTerms(**{**base, **changes})  # type: ignore[typeddict-item]


def test_a_ramp_up_turns_out_each_steps_rate_over_the_months_it_holds() -> None:
    line = ProductionLine.declare(supplier=MBDA, terms=terms(), now=NOW)
    assert [line.monthly_rate(date(2027, m, 1)) for m in (5, 6, 7, 12)] == [0, 0, 20, 20]
    assert line.monthly_rate(date(2031, 5, 20)) == 40
    assert [(y.year, y.quantity) for y in line.capacity_by_year(2026, 2029)] == [
        (2026, 0),
        (2027, 120),  # July to December at 20
        (2028, 480),
        (2029, 480),
    ]
    assert line.capacity_between(date(2027, 12, 1), date(2028, 2, 1)) == 20 + 40 + 40
    assert line.capacity_between(date(2028, 2, 1), date(2027, 12, 1)) == 0
    assert (line.organisation, line.supplier_id, line.revision) == ("MBDA-DE", "supplier-mbda", 1)


def test_a_pause_is_a_step_of_zero_and_a_revision_says_what_changed() -> None:
    line = ProductionLine.declare(supplier=MBDA, terms=terms(), now=NOW)
    steps = [RateStep(date(2027, 7, 1), 20), RateStep(date(2028, 1, 1), 0), RateStep(date(2028, 4, 1), 60)]
    what = line.revise(terms(rates=steps, minimum_economic_quantity=800), NOW)
    assert line.capacity_by_year(2028, 2028)[0].quantity == 9 * 60
    assert line.revision == 2 and "revision 2" in what and "800" in what and line.history[-1] == what
    with pytest.raises(ContractRuleViolation, match="declare another line") as refused:
        line.revise(terms(item_code="PATRIOT-PAC3-MSE"), NOW)
    assert refused.value.field == "item_code"


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"rates": []}, "rates", "1 to 120 rate steps"),
        ({"rates": [RateStep(date(2027, 7, 2), 20)]}, "rates", "first day"),
        ({"rates": [RateStep(date(2028, 1, 1), 20), RateStep(date(2027, 7, 1), 30)]}, "rates", "later than"),
        ({"rates": [RateStep(date(2027, 5, 1), 20)]}, "rates", "before the earliest start"),
        ({"rates": [RateStep(date(2027, 7, 1), 0)]}, "rates", "above zero"),
        ({"rates": [RateStep(date(2027, 7, 1), 10_000_001)]}, "rates", "monthly rate"),
        ({"minimum_economic_quantity": 0}, "minimum_economic_quantity", "between 1 and"),
        ({"site": "  "}, "site", "site"),
        ({"item_code": "patriot pac2"}, "item_code", "capital letters"),
        ({"inputs": ["graphite", "graphite"]}, "inputs", "distinct"),
        ({"earliest_start": date(1999, 1, 1)}, "earliest_start", "between 2000"),
    ],
)
def test_a_declaration_breaking_a_rule_is_refused_naming_the_field(
    changes: dict[str, object], field: str, words: str
) -> None:
    with pytest.raises(ContractRuleViolation, match=words) as refused:
        ProductionLine.declare(supplier=MBDA, terms=terms(**changes), now=NOW)
    assert refused.value.field == field


def test_a_lines_history_tells_its_last_hundred_revisions() -> None:
    line = ProductionLine.declare(supplier=MBDA, terms=terms(), now=NOW)
    for quantity in range(1, 106):
        line.revise(terms(minimum_economic_quantity=quantity), NOW)
    assert len(line.history) == 100 and line.history[-1].startswith("revision 106:") and line.revision == 106
