"""What the nations' contracts are exposed to: per critical material, the contracts whose
item depends on it, and the part of their value that rests on origins outside the EU/EEA.

A contract (or call-off) depends on a material when the harmonised specification its item
is bought to names it, or when a production line its supplier declared for the item takes
it as an input. Its exposure is its value at the signed unit price; while no price is
signed it is counted in units instead, never guessed in euros. The value resting on a
country outside the EU and the EEA is the exposed value times that country's share of the
material's world supply: a rough, comparable measure of where a disruption would bite,
as indicative as the shares themselves.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from contracts.domain.materials import Material, RiskLevel, name_of
from contracts.domain.money import ZERO

CENT = Decimal("0.01")
MAX_CONTRACTS_SHOWN = 20
"""Contracts named per material, the largest first; `contract_count` counts them all."""

THROUGH_SPECIFICATION = "specification"
THROUGH_PRODUCTION_LINE = "production_line"


@dataclass(frozen=True)
class Exposure:
    """One nation's part of a contract or call-off, as the caller may see it."""

    agreement_id: str
    nation: str
    item_code: str
    supplier_id: str | None
    quantity: int
    unit_price_eur: Decimal | None
    value_eur: Decimal | None = field(init=False)
    """Worked out once: a report reads it several times for each of a lead's ten thousand
    exposures."""

    def __post_init__(self) -> None:
        value = None if self.unit_price_eur is None else self.unit_price_eur * self.quantity
        object.__setattr__(self, "value_eur", value)


@dataclass(frozen=True)
class Dependencies:
    """The materials each item's harmonised specifications name, and each supplier's line
    for an item takes as inputs."""

    by_item: dict[str, set[str]] = field(default_factory=dict)
    by_line: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    _found: dict[tuple[str, str | None], dict[str, frozenset[str]]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def of(self, exposure: Exposure) -> dict[str, frozenset[str]]:
        """Material name -> how the exposure depends on it: the same for every exposure of
        an item and supplier, so worked out once for each of them (a lead's report reads
        ten thousand call-offs of a few suppliers)."""
        key = (exposure.item_code, exposure.supplier_id)
        found = self._found.get(key)
        if found is None:
            found = self._found[key] = self._worked_out(*key)
        return found

    def _worked_out(self, item_code: str, supplier_id: str | None) -> dict[str, frozenset[str]]:
        found: dict[str, set[str]] = defaultdict(set)
        for name in self.by_item.get(item_code, set()):
            found[name_of(name)].add(THROUGH_SPECIFICATION)
        if supplier_id is not None:
            for name in self.by_line.get((supplier_id, item_code), set()):
                found[name_of(name)].add(THROUGH_PRODUCTION_LINE)
        return {name: frozenset(through) for name, through in found.items()}

    @property
    def names(self) -> set[str]:
        return {name_of(n) for names in (*self.by_item.values(), *self.by_line.values()) for n in names}


@dataclass
class _Agreement:
    item_code: str
    quantity: int = 0
    value: Decimal | None = None
    through: set[str] = field(default_factory=set)


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_EVEN)


def _text(value: Decimal | None) -> str | None:
    return None if value is None else f"{_cents(value):.2f}"


def _agreements(exposures: list[Exposure], dependencies: Dependencies) -> dict[str, dict[str, _Agreement]]:
    """Per material, the agreements depending on it with the value and units the caller sees."""
    per_material: dict[str, dict[str, _Agreement]] = defaultdict(dict)
    for exposure in exposures:
        for name, through in dependencies.of(exposure).items():
            agreement = per_material[name].setdefault(exposure.agreement_id, _Agreement(exposure.item_code))
            agreement.quantity += exposure.quantity
            if exposure.value_eur is not None:
                agreement.value = (agreement.value or ZERO) + exposure.value_eur
            agreement.through |= through
    return per_material


def report(exposures: list[Exposure], dependencies: Dependencies, materials: dict[str, Material]) -> dict[str, Any]:
    """Per known material depended on (gravest risk first, then the most value), and per
    country outside the EU/EEA, what the caller's contracts put at stake."""
    per_material = _agreements(exposures, dependencies)
    ranked: list[tuple[tuple[int, Decimal, str], dict[str, object]]] = []
    by_origin: dict[str, Decimal] = defaultdict(lambda: ZERO)
    origin_materials: dict[str, set[str]] = defaultdict(set)
    exposed_flagged: set[str] = set()
    for name, agreements in per_material.items():
        material = materials.get(name)
        if material is None:
            continue
        value = sum((a.value for a in agreements.values() if a.value is not None), ZERO)
        unpriced = sum(a.quantity for a in agreements.values() if a.value is None)
        outside = material.outside_eu_eea
        for country, share in outside.items():
            by_origin[country] += value * Decimal(str(share))
            origin_materials[country].add(name)
        if material.flagged:
            exposed_flagged |= set(agreements)
        largest = sorted(agreements.items(), key=lambda kv: (-(kv[1].value or ZERO), -kv[1].quantity, kv[0]))
        rank = (-material.risk_level.rank, -value, name)
        ranked.append(
            (
                rank,
                {
                    "material": name,
                    "category": material.category,
                    "risk": material.risk,
                    "flagged": material.flagged,
                    "value_eur": _text(value),
                    "unpriced_quantity": unpriced,
                    "contract_count": len(agreements),
                    "contracts": [
                        {
                            "id": agreement_id,
                            "item_code": a.item_code,
                            "value_eur": _text(a.value),
                            "quantity": a.quantity,
                            "through": sorted(a.through),
                        }
                        for agreement_id, a in largest[:MAX_CONTRACTS_SHOWN]
                    ],
                    "share_outside_eu_eea": round(sum(outside.values()), 4),
                    "value_outside_eu_eea_eur": _text(value * Decimal(str(sum(outside.values())))),
                    "origins_outside_eu_eea": [
                        {"country": c, "share": s, "value_eur": _text(value * Decimal(str(s)))}
                        for c, s in outside.items()
                    ],
                },
            )
        )
    seen = {e.agreement_id for e in exposures}
    total = sum((e.value_eur for e in exposures if e.value_eur is not None), ZERO)
    flagged_value = sum(
        (e.value_eur for e in exposures if e.value_eur is not None and e.agreement_id in exposed_flagged), ZERO
    )
    return {
        "materials": [row for _, row in sorted(ranked, key=lambda r: r[0])],
        "by_origin": [
            {"country": country, "value_eur": _text(v), "materials": sorted(origin_materials[country])}
            for country, v in sorted(by_origin.items(), key=lambda kv: (-kv[1], kv[0]))
        ],
        "totals": {
            "contract_count": len(seen),
            "value_eur": _text(total),
            "flagged_contract_count": len(exposed_flagged),
            "flagged_value_eur": _text(flagged_value),
            "flagged_risks": [r.value for r in RiskLevel if r.flagged],
        },
    }
