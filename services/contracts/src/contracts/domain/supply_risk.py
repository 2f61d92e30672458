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

import functools
import heapq
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any, NamedTuple

from contracts.domain.materials import Material, RiskLevel, name_of
from contracts.domain.money import ZERO

CENT = Decimal("0.01")
MAX_CONTRACTS_SHOWN = 20
"""Contracts named per material, the largest first; `contract_count` counts them all."""

THROUGH_SPECIFICATION = "specification"
THROUGH_PRODUCTION_LINE = "production_line"


class Exposure(NamedTuple):
    """One nation's part of a contract or call-off, as the caller may see it: a lead's
    report reads ten thousand of them, so each is a plain tuple."""

    agreement_id: str
    nation: str
    item_code: str
    supplier_id: str | None
    quantity: int
    unit_price_eur: Decimal | None


@dataclass(frozen=True)
class Dependencies:
    """The materials each item's harmonised specifications name, and each supplier's line
    for an item takes as inputs."""

    by_item: dict[str, set[str]] = field(default_factory=dict)
    by_line: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    _found: dict[tuple[str, str | None], dict[str, frozenset[str]]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def of(self, item_code: str, supplier_id: str | None) -> dict[str, frozenset[str]]:
        """Material name -> how what is bought of the item from the supplier depends on it:
        the same for every contract of an item and supplier, so worked out once for each."""
        key = (item_code, supplier_id)
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


_Agreement = tuple[str, list[Any]]
"""A contract or call-off as the caller sees it: its id, and its nations' parts added up,
[units, value] (the value None while no part of it has a signed price). A lead's report
adds up ten thousand of them, so each is a plain list."""


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_EVEN)


def _text(value: Decimal | None) -> str | None:
    return None if value is None else f"{_cents(value):.2f}"


def _largest_first(agreement: _Agreement) -> tuple[Decimal, int, str]:
    agreement_id, (quantity, value) = agreement
    return (-(value or ZERO), -quantity, agreement_id)


@dataclass
class _Holding:
    """The agreements the caller sees for one item from one supplier: each depends on the
    same materials, so each material's figures are added up from holdings, not from
    every agreement again."""

    item_code: str
    agreements: list[_Agreement] = field(default_factory=list)
    value: Decimal = ZERO
    unpriced: int = 0

    @functools.cached_property
    def largest(self) -> list[_Agreement]:
        return heapq.nsmallest(MAX_CONTRACTS_SHOWN, self.agreements, key=_largest_first)


def _holdings(exposures: Iterable[Exposure]) -> dict[tuple[str, str | None], _Holding]:
    """Per item and supplier, the agreements the caller sees, each added up from its parts."""
    agreements: dict[str, list[Any]] = {}
    holdings: dict[tuple[str, str | None], _Holding] = {}
    for agreement_id, _, item_code, supplier_id, quantity, price in exposures:
        figures = agreements.get(agreement_id)
        if figures is None:
            figures = agreements[agreement_id] = [0, None]
            holding = holdings.get((item_code, supplier_id))
            if holding is None:
                holding = holdings[(item_code, supplier_id)] = _Holding(item_code)
            holding.agreements.append((agreement_id, figures))
        figures[0] += quantity
        if price is not None:
            value = price * quantity
            figures[1] = value if figures[1] is None else figures[1] + value
    for holding in holdings.values():
        holding.unpriced = sum(quantity for _, (quantity, value) in holding.agreements if value is None)
        holding.value = sum((value for _, (_, value) in holding.agreements if value is not None), ZERO)
    return holdings


def report(exposures: Iterable[Exposure], dependencies: Dependencies, materials: dict[str, Material]) -> dict[str, Any]:
    """Per known material depended on (gravest risk first, then the most value), and per
    country outside the EU/EEA, what the caller's contracts put at stake."""
    holdings = _holdings(exposures)
    per_material: dict[str, list[tuple[_Holding, frozenset[str]]]] = defaultdict(list)
    for (item_code, supplier_id), holding in holdings.items():
        for name, through in dependencies.of(item_code, supplier_id).items():
            per_material[name].append((holding, through))
    ranked: list[tuple[tuple[int, Decimal, str], dict[str, object]]] = []
    by_origin: dict[str, Decimal] = defaultdict(lambda: ZERO)
    origin_materials: dict[str, set[str]] = defaultdict(set)
    exposed_flagged: dict[int, _Holding] = {}
    for name, depending in per_material.items():
        material = materials.get(name)
        if material is None:
            continue
        value = sum((holding.value for holding, _ in depending), ZERO)
        unpriced = sum(holding.unpriced for holding, _ in depending)
        outside = material.outside_eu_eea
        for country, share in outside.items():
            by_origin[country] += value * Decimal(str(share))
            origin_materials[country].add(name)
        if material.flagged:
            exposed_flagged.update((id(holding), holding) for holding, _ in depending)
        candidates = [
            (entry, holding.item_code, through) for holding, through in depending for entry in holding.largest
        ]
        largest = sorted(candidates, key=lambda candidate: _largest_first(candidate[0]))[:MAX_CONTRACTS_SHOWN]
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
                    "contract_count": sum(len(holding.agreements) for holding, _ in depending),
                    "contracts": [
                        {
                            "id": agreement_id,
                            "item_code": item_code,
                            "value_eur": _text(value),
                            "quantity": quantity,
                            "through": sorted(through),
                        }
                        for (agreement_id, (quantity, value)), item_code, through in largest
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
    return {
        "materials": [row for _, row in sorted(ranked, key=lambda r: r[0])],
        "by_origin": [
            {"country": country, "value_eur": _text(v), "materials": sorted(origin_materials[country])}
            for country, v in sorted(by_origin.items(), key=lambda kv: (-kv[1], kv[0]))
        ],
        "totals": {
            "contract_count": sum(len(holding.agreements) for holding in holdings.values()),
            "value_eur": _text(sum((holding.value for holding in holdings.values()), ZERO)),
            "flagged_contract_count": sum(len(holding.agreements) for holding in exposed_flagged.values()),
            "flagged_value_eur": _text(sum((holding.value for holding in exposed_flagged.values()), ZERO)),
            "flagged_risks": [r.value for r in RiskLevel if r.flagged],
        },
    }
