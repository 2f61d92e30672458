"""The weighing framework: how offers are scored, filtered and ranked, transparently.

Not only the best product for the best price: delivery time and origin weigh too, and so
does what an offer does for the national and European defence industrial base. Every
criterion yields 0-100 points; the published weights turn them into one total. Quality
gates and the funding instrument's origin rules exclude an offer outright, with the reason.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

CRITERIA = ("price", "delivery", "origin", "industrial_participation")

# Funding instruments and their origin rules (share of component value).
MIN_EU_SHARE = {"EDIRPA": 0.65}
MAX_NON_ASSOCIATED_SHARE = {"EDIP": 0.35, "SAFE": 0.35}

# EU members and associated countries that are NATO allies too; the rest of each group below.
EUROPEAN_ALLIES = frozenset(
    {
        "BEL", "BGR", "CZE", "DEU", "DNK", "ESP", "EST", "FIN", "FRA", "GRC", "HRV", "HUN", "ISL",
        "ITA", "LTU", "LUX", "LVA", "NLD", "NOR", "POL", "PRT", "ROU", "SVK", "SVN", "SWE",
    }
)  # fmt: skip
EU_ASSOCIATED = EUROPEAN_ALLIES | {"AUT", "CYP", "IRL", "LIE", "MLT", "UKR"}
"""Countries whose products count as European (EU member states and associated countries)."""
NATO = EUROPEAN_ALLIES | {"ALB", "CAN", "GBR", "MKD", "MNE", "TUR", "USA"}

NATIONS = EU_ASSOCIATED | NATO
"""The nations the platform knows: EU members and associated countries, Ukraine among
them, and NATO allies. A participant, a buyer or a receiving nation is one of them."""


def origin_class(country: str, buyer: str) -> str:
    """national, eu, other_nato or other, as seen from the buying nation."""
    if country == buyer:
        return "national"
    if country in EU_ASSOCIATED:
        return "eu"
    if country in NATO:
        return "other_nato"
    return "other"


@dataclass(frozen=True)
class Weights:
    price: float
    delivery: float
    origin: float
    industrial_participation: float

    def __post_init__(self) -> None:
        values = self.as_dict().values()
        if any(v < 0 for v in values) or sum(values) <= 0:
            raise ValueError("weights are non-negative and at least one is positive")

    def as_dict(self) -> dict[str, float]:
        return {c: float(getattr(self, c)) for c in CRITERIA}

    def share(self, criterion: str) -> float:
        return self.as_dict()[criterion] / sum(self.as_dict().values())


@dataclass(frozen=True)
class OfferFacts:
    """What the weighing needs to know about one offer and its supplier."""

    offer_id: str
    supplier_id: str
    supplier_organisation: str
    unit_price_eur: Decimal
    first_delivery: date
    monthly_rate: int
    # Origin: where it is made, who controls its maker, where its value comes from.
    origin_country: str
    controlled_from_non_associated_country: bool
    eu_component_share: float
    non_associated_component_share: float
    # Industrial participation of the buying nations.
    local_production_share: float
    licence_transfer: bool
    national_supplier_role: bool
    quality_gates: dict[str, bool]


@dataclass
class Assessment:
    offer_id: str
    supplier_id: str
    supplier_organisation: str
    eligible: bool
    scores: dict[str, float] = field(default_factory=dict)
    weighted: dict[str, float] = field(default_factory=dict)
    total: float = 0.0
    rank: int | None = None
    completion: date | None = None
    exclusions: list[str] = field(default_factory=list)
    why: str = ""


def completion_date(first_delivery: date, monthly_rate: int, quantity: int) -> date:
    """The month the last item arrives at the offered monthly rate."""
    months = max(math.ceil(quantity / monthly_rate) - 1, 0)
    month_index = first_delivery.month - 1 + months
    return date(first_delivery.year + month_index // 12, month_index % 12 + 1, 1)


def _exclusions(offer: OfferFacts, gates: list[str], instrument: str | None) -> list[str]:
    reasons = [f"fails quality gate '{gate}'" for gate in gates if not offer.quality_gates.get(gate, False)]
    if instrument in MIN_EU_SHARE and offer.eu_component_share < MIN_EU_SHARE[instrument]:
        reasons.append(
            f"{instrument} needs at least {MIN_EU_SHARE[instrument]:.0%} of component value from EU/associated "
            f"countries; offered {offer.eu_component_share:.0%}"
        )
    if instrument in MAX_NON_ASSOCIATED_SHARE and (
        offer.non_associated_component_share > MAX_NON_ASSOCIATED_SHARE[instrument]
    ):
        reasons.append(
            f"{instrument} allows at most {MAX_NON_ASSOCIATED_SHARE[instrument]:.0%} of component value from "
            f"non-associated countries; offered {offer.non_associated_component_share:.0%}"
        )
    return reasons


def _origin_points(offer: OfferFacts, buyer: str) -> float:
    """Half for where the product comes from, half for where its component value comes from."""
    klass = origin_class(offer.origin_country, buyer)
    product = {"national": 1.0, "eu": 0.8, "other_nato": 0.4, "other": 0.0}[klass]
    if offer.controlled_from_non_associated_country:
        product = 0.0
    return round(50 * product + 50 * offer.eu_component_share, 2)


def _industrial_points(offer: OfferFacts) -> float:
    return round(40 * offer.local_production_share + 30 * offer.licence_transfer + 30 * offer.national_supplier_role, 2)


def weigh(
    offers: list[OfferFacts],
    *,
    weights: Weights,
    quantity: int,
    buyer: str,
    tender_date: date,
    quality_gates: list[str],
    instrument: str | None,
) -> list[Assessment]:
    """Score every offer, exclude the ineligible with reasons, rank the rest, explain each place."""
    results: list[Assessment] = []
    eligible: list[tuple[OfferFacts, Assessment]] = []
    for offer in offers:
        assessment = Assessment(offer.offer_id, offer.supplier_id, offer.supplier_organisation, eligible=True)
        assessment.completion = completion_date(offer.first_delivery, offer.monthly_rate, quantity)
        assessment.exclusions = _exclusions(offer, quality_gates, instrument)
        if assessment.exclusions:
            assessment.eligible = False
            assessment.why = "excluded: " + "; ".join(assessment.exclusions)
        else:
            eligible.append((offer, assessment))
        results.append(assessment)
    if eligible:
        lowest = min(o.unit_price_eur for o, _ in eligible)
        fastest = min(max((a.completion - tender_date).days, 1) for _, a in eligible if a.completion)
        for offer, a in eligible:
            assert a.completion is not None
            days = max((a.completion - tender_date).days, 1)
            a.scores = {
                "price": round(float(100 * lowest / offer.unit_price_eur), 2),
                "delivery": round(100 * fastest / days, 2),
                "origin": _origin_points(offer, buyer),
                "industrial_participation": _industrial_points(offer),
            }
            a.weighted = {c: round(a.scores[c] * weights.share(c), 2) for c in CRITERIA}
            a.total = round(sum(a.weighted.values()), 2)
        ranked = sorted(eligible, key=lambda pair: (-pair[1].total, pair[0].unit_price_eur, pair[1].offer_id))
        winner = ranked[0][1]
        for place, (_, a) in enumerate(ranked, start=1):
            a.rank = place
            a.why = _explain(a, winner, place, len(ranked))
    return sorted(results, key=lambda a: (a.rank is None, a.rank or 0, a.offer_id))


def _explain(a: Assessment, winner: Assessment, place: int, count: int) -> str:
    if place == 1:
        best = max(CRITERIA, key=lambda c: a.weighted[c])
        return f"ranked 1 of {count} with {a.total:.2f} points; strongest on {best} ({a.weighted[best]:.2f} points)"
    gaps = {c: round(winner.weighted[c] - a.weighted[c], 2) for c in CRITERIA}
    losses = [f"{c} (-{gap:.2f})" for c, gap in sorted(gaps.items(), key=lambda kv: -kv[1]) if gap > 0]
    gains = [f"{c} (+{-gap:.2f})" for c, gap in sorted(gaps.items(), key=lambda kv: kv[1]) if gap < 0]
    text = f"ranked {place} of {count} with {a.total:.2f} points, {winner.total - a.total:.2f} behind the winner"
    if losses:
        text += "; loses on " + ", ".join(losses)
    if gains:
        text += "; ahead on " + ", ".join(gains)
    return text
