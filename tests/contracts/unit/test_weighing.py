"""The weighing framework: scores, published weights, quality gates, funding eligibility,
and the explanation of every place."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from contracts.domain.weighing import Assessment, OfferFacts, Weights, completion_date, origin_class, weigh

TENDER = date(2025, 1, 1)
WEIGHTS = Weights(price=40, delivery=25, origin=25, industrial_participation=10)

EUROPEAN = OfferFacts(
    offer_id="o-eu",
    supplier_id="s-eu",
    supplier_organisation="NAMMO",
    unit_price_eur=Decimal("4000.00"),
    first_delivery=date(2025, 4, 1),
    monthly_rate=5_000,
    origin_country="NOR",
    eu_component_share=0.9,
    non_associated_component_share=0.05,
    local_production_share=0.2,
    licence_transfer=False,
    national_supplier_role=True,
    controlled_from_non_associated_country=False,
    quality_gates={"STANAG 4425": True},
)
FAR_AWAY = replace(
    EUROPEAN,
    offer_id="o-far",
    supplier_id="s-far",
    supplier_organisation="FARCO",
    unit_price_eur=Decimal("3000.00"),
    first_delivery=date(2026, 6, 1),
    monthly_rate=2_000,
    origin_country="KOR",
    eu_component_share=0.1,
    non_associated_component_share=0.9,
    local_production_share=0.0,
    national_supplier_role=False,
)


def run(offers: list[OfferFacts], weights: Weights = WEIGHTS, instrument: str | None = None) -> dict[str, Assessment]:
    ranking = weigh(
        offers,
        weights=weights,
        quantity=30_000,
        buyer="NLD",
        tender_date=TENDER,
        quality_gates=["STANAG 4425"],
        instrument=instrument,
    )
    return {a.offer_id: a for a in ranking}


def test_a_cheaper_offer_from_outside_europe_loses_on_origin_and_delivery_with_the_reasons() -> None:
    result = run([EUROPEAN, FAR_AWAY])
    eu, far = result["o-eu"], result["o-far"]
    assert eu.rank == 1 and far.rank == 2
    assert far.scores["price"] == 100.0 and eu.scores["price"] == 75.0
    assert far.weighted["origin"] < eu.weighted["origin"]
    assert far.weighted["delivery"] < eu.weighted["delivery"]
    assert "loses on origin" in far.why and "delivery" in far.why
    assert "ahead on price" in far.why
    assert eu.why.startswith("ranked 1 of 2")


def test_with_price_alone_the_cheaper_offer_wins() -> None:
    result = run([EUROPEAN, FAR_AWAY], weights=Weights(price=1, delivery=0, origin=0, industrial_participation=0))
    assert result["o-far"].rank == 1


def test_the_total_is_the_weighted_sum_of_the_criteria() -> None:
    eu = run([EUROPEAN, FAR_AWAY])["o-eu"]
    expected = sum(eu.scores[c] * WEIGHTS.share(c) for c in eu.scores)
    assert eu.total == pytest.approx(expected, abs=0.05)


def test_a_failed_or_missing_quality_gate_excludes_with_the_gate_named() -> None:
    failing = replace(EUROPEAN, offer_id="o-bad", quality_gates={"STANAG 4425": False})
    silent = replace(EUROPEAN, offer_id="o-silent", quality_gates={})
    result = run([failing, silent, FAR_AWAY])
    for offer_id in ("o-bad", "o-silent"):
        assert not result[offer_id].eligible and result[offer_id].rank is None
        assert "quality gate 'STANAG 4425'" in result[offer_id].why
    assert result["o-far"].rank == 1


@pytest.mark.parametrize(
    ("instrument", "eu_share", "non_associated", "eligible"),
    [
        ("EDIRPA", 0.65, 0.35, True),
        ("EDIRPA", 0.64, 0.0, False),
        ("EDIP", 0.5, 0.35, True),
        ("EDIP", 0.9, 0.36, False),
        ("SAFE", 0.9, 0.36, False),
        (None, 0.0, 1.0, True),
    ],
)
def test_funding_instruments_filter_on_component_origin(
    instrument: str | None, eu_share: float, non_associated: float, eligible: bool
) -> None:
    offer = replace(EUROPEAN, eu_component_share=eu_share, non_associated_component_share=non_associated)
    (assessment,) = run([offer], instrument=instrument).values()
    assert assessment.eligible is eligible
    if not eligible:
        assert str(instrument) in assessment.why


def test_control_from_a_non_associated_country_costs_the_product_origin_points() -> None:
    controlled = replace(EUROPEAN, offer_id="o-ctl", controlled_from_non_associated_country=True)
    result = run([EUROPEAN, controlled])
    assert result["o-ctl"].scores["origin"] == result["o-eu"].scores["origin"] - 40


def test_completion_and_origin_classes() -> None:
    assert completion_date(date(2025, 4, 1), 5_000, 30_000) == date(2025, 9, 1)
    assert completion_date(date(2025, 11, 1), 1, 3) == date(2026, 1, 1)
    assert [origin_class(c, "NLD") for c in ("NLD", "DEU", "USA", "KOR")] == ["national", "eu", "other_nato", "other"]


def test_weights_must_say_something() -> None:
    with pytest.raises(ValueError):
        Weights(price=0, delivery=0, origin=0, industrial_participation=0)
    with pytest.raises(ValueError):
        Weights(price=-1, delivery=1, origin=0, industrial_participation=0)
