"""Critical materials and components: the supply risks behind what the nations buy.

Strategic dependencies on raw materials (graphite, aluminium, titanium, rocket
propellants) and semi-finished goods (cryostats, composites) are a supply risk for the
whole defence industrial base; stockpiles are being considered. A specification's
`critical_materials` and a production line's `inputs` name them, and a name only counts
once it refers to a known material: otherwise "graphite" and "Graphite (natural)" would
be two risks, and no report could add up what depends on either.

The contracts service owns this reference data because it owns both things that name
materials: the harmonised specifications an item is bought to and the production lines
that make it. It checks every name against the list in the same transaction, and the
supply-risk report joins the list to contracts, their suppliers' lines and specifications
in one database. The demand service learns an item's material risks from the events that
carry the specification and the production line, and never writes here.

Where a material comes from (`origins`: ISO 3166-1 alpha-3 countries with their share of
world supply) is indicative: shares are rounded, from public surveys, and a material whose
origin is not well known holds none. The shares outside the EU and the EEA are what the
report weighs a contract's value by.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TypedDict

from contracts.domain.errors import ContractRuleViolation
from contracts.domain.weighing import EU_ASSOCIATED

MAX_NAME = 80
MAX_ORIGINS = 20
MAX_NOTE = 500
NAME = re.compile(r"[a-z0-9][a-z0-9 ,()'-]*")


class Category(StrEnum):
    RAW_MATERIAL = "raw_material"
    SEMI_FINISHED_GOOD = "semi_finished_good"
    COMPONENT = "component"


class RiskLevel(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def flagged(self) -> bool:
        """High and critical risks are told wherever the material is depended on."""
        return self in (RiskLevel.HIGH, RiskLevel.CRITICAL)

    @property
    def rank(self) -> int:
        return list(RiskLevel).index(self)


EU_EEA = EU_ASSOCIATED - {"UKR"}
"""The EU member states and the EEA-EFTA states (Iceland, Liechtenstein, Norway): a
material mined or made there is no dependency outside the single market. Ukraine is
associated as a partner, not part of it."""


def outside_eu_eea(country: str) -> bool:
    return country not in EU_EEA


def name_of(given: str) -> str:
    """The one spelling a material is known by: trimmed, single-spaced, lower case."""
    return " ".join(given.split()).lower()


class MaterialTerms(TypedDict):
    category: Category
    risk: RiskLevel
    origins: dict[str, float]  # country (alpha-3) -> share of world supply, 0 to 1
    note: str


def _bad(field: str, message: str, rule: str | None = None) -> ContractRuleViolation:
    return ContractRuleViolation(message, field=field, rule=rule)


def checked_name(given: str) -> str:
    name = name_of(given)
    if not 2 <= len(name) <= MAX_NAME or not NAME.fullmatch(name):
        raise _bad("name", f"a material's name is 2 to {MAX_NAME} letters, digits, spaces and ,()'-")
    return name


def checked_terms(terms: MaterialTerms) -> MaterialTerms:
    origins = terms["origins"]
    if len(origins) > MAX_ORIGINS:
        raise _bad("origins", f"at most {MAX_ORIGINS} countries of origin")
    if any(not 0 < share <= 1 for share in origins.values()):
        raise _bad("origins", "a country's share of world supply is above 0 and at most 1")
    if sum(origins.values()) > 1.0001:
        raise _bad("origins", "the countries' shares of world supply add up to at most 1", rule="origin_shares_total")
    if len(terms["note"]) > MAX_NOTE:
        raise _bad("note", f"a note holds at most {MAX_NOTE} characters")
    return terms


@dataclass
class Material:
    name: str
    category: str
    risk: str
    revised_at: datetime
    revised_by: str
    origins: dict[str, float] = field(default_factory=dict)
    note: str = ""

    @classmethod
    def state(cls, name: str, terms: MaterialTerms, *, by: str, at: datetime) -> Material:
        terms = checked_terms(terms)
        return cls(
            name=checked_name(name),
            category=Category(terms["category"]).value,
            risk=RiskLevel(terms["risk"]).value,
            origins=dict(sorted(terms["origins"].items(), key=lambda kv: (-kv[1], kv[0]))),
            note=terms["note"],
            revised_at=at,
            revised_by=by,
        )

    def revise(self, terms: MaterialTerms, *, by: str, at: datetime) -> None:
        restated = Material.state(self.name, terms, by=by, at=at)
        self.category, self.risk, self.origins, self.note = (
            restated.category,
            restated.risk,
            restated.origins,
            restated.note,
        )
        self.revised_at, self.revised_by = at, by

    @property
    def risk_level(self) -> RiskLevel:
        return RiskLevel(self.risk)

    @property
    def flagged(self) -> bool:
        return self.risk_level.flagged

    @property
    def outside_eu_eea(self) -> dict[str, float]:
        """Its known origins outside the EU and the EEA, with their shares."""
        return {country: share for country, share in self.origins.items() if outside_eu_eea(country)}


def unknown_names(named: list[str], known: set[str]) -> list[str]:
    """The names given that are no known material, as given, in order."""
    return [given for given in named if name_of(given) not in known]


def require_known(named: list[str], known: set[str], field: str) -> list[str]:
    """The names in their known spelling; an unknown one is refused, naming the field, so
    that a dependency is never recorded under a name no report adds up."""
    unknown = unknown_names(named, known)
    if unknown:
        raise _bad(
            field,
            f"not a known critical material or component: {', '.join(unknown)}; "
            "an admin or coordinator adds it to /v1/materials first",
            rule="unknown_material",
        )
    return [name_of(given) for given in named]


@dataclass(frozen=True)
class Dependence:
    """What a specification or production line depends on, with the material's risk."""

    name: str
    category: str
    risk: str
    flagged: bool
    origins_outside_eu_eea: dict[str, float]

    @classmethod
    def on(cls, material: Material) -> Dependence:
        return cls(material.name, material.category, material.risk, material.flagged, material.outside_eu_eea)


def dependences(names: list[str], materials: dict[str, Material]) -> list[Dependence]:
    """The named materials with their risk, the gravest first; a name no longer known
    (recorded before the list held it) is left out rather than guessed at."""
    found = [Dependence.on(materials[name_of(n)]) for n in names if name_of(n) in materials]
    return sorted(found, key=lambda d: (-RiskLevel(d.risk).rank, d.name))
