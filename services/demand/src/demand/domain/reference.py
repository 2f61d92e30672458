"""Reference data shipped with the service: nations, weapon platforms and the item catalogue.

Funding instruments and need validation depend on who a nation is (EU member, NATO ally,
EEA-EFTA state, or Ukraine as the partner receiving support), and bundling depends on
which items exist and which nations operate the platforms they fit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from demand.domain.errors import InvalidReference

NSN = re.compile(r"^\d{4}-\d{2}-\d{3}-\d{4}$")


@dataclass(frozen=True)
class Nation:
    code: str
    name: str
    eu: bool = False
    nato: bool = False
    eea_efta: bool = False
    partner: bool = False

    @property
    def may_register_needs(self) -> bool:
        """EU members, NATO allies and EEA-EFTA states buy; a partner receives support."""
        return (self.eu or self.nato or self.eea_efta) and not self.partner


def _nation(code: str, name: str, memberships: str) -> Nation:
    """A row of the table below: the memberships (eu, nato, efta for EEA-EFTA, or partner)
    are one column, so that a nation acceding to a union changes one word of its row."""
    joined = memberships.split()
    return Nation(
        code,
        name,
        eu="eu" in joined,
        nato="nato" in joined,
        eea_efta="efta" in joined,
        partner="partner" in joined,
    )


NATIONS: dict[str, Nation] = {
    n.code: n
    for n in [
        _nation("ALB", "Albania", "nato"),
        _nation("AUT", "Austria", "eu"),
        _nation("BEL", "Belgium", "eu nato"),
        _nation("BGR", "Bulgaria", "eu nato"),
        _nation("CAN", "Canada", "nato"),
        _nation("HRV", "Croatia", "eu nato"),
        _nation("CYP", "Cyprus", "eu"),
        _nation("CZE", "Czechia", "eu nato"),
        _nation("DNK", "Denmark", "eu nato"),
        _nation("EST", "Estonia", "eu nato"),
        _nation("FIN", "Finland", "eu nato"),
        _nation("FRA", "France", "eu nato"),
        _nation("DEU", "Germany", "eu nato"),
        _nation("GRC", "Greece", "eu nato"),
        _nation("HUN", "Hungary", "eu nato"),
        _nation("ISL", "Iceland", "nato efta"),
        _nation("IRL", "Ireland", "eu"),
        _nation("ITA", "Italy", "eu nato"),
        _nation("LVA", "Latvia", "eu nato"),
        _nation("LIE", "Liechtenstein", "efta"),
        _nation("LTU", "Lithuania", "eu nato"),
        _nation("LUX", "Luxembourg", "eu nato"),
        _nation("MLT", "Malta", "eu"),
        _nation("MNE", "Montenegro", "nato"),
        _nation("NLD", "Netherlands", "eu nato"),
        _nation("MKD", "North Macedonia", "nato"),
        _nation("NOR", "Norway", "nato efta"),
        _nation("POL", "Poland", "eu nato"),
        _nation("PRT", "Portugal", "eu nato"),
        _nation("ROU", "Romania", "eu nato"),
        _nation("SVK", "Slovakia", "eu nato"),
        _nation("SVN", "Slovenia", "eu nato"),
        _nation("ESP", "Spain", "eu nato"),
        _nation("SWE", "Sweden", "eu nato"),
        _nation("TUR", "Türkiye", "nato"),
        _nation("GBR", "United Kingdom", "nato"),
        _nation("USA", "United States", "nato"),
        _nation("UKR", "Ukraine", "partner"),
    ]
}


# Weapon platforms and the nations operating them: a platform's operators form its user group.
PLATFORM_OPERATORS: dict[str, tuple[str, ...]] = {
    "PzH 2000": ("DEU", "NLD", "ITA", "GRC", "LTU", "HUN", "HRV", "UKR"),
    "CAESAR": ("FRA", "BEL", "CZE", "LTU", "EST", "DNK", "UKR"),
    "Archer": ("SWE", "GBR", "UKR"),
    "K9 Thunder": ("POL", "NOR", "FIN", "EST"),
    "M109": ("USA", "NOR", "BEL", "ITA", "GRC", "UKR"),
    "Patriot": ("USA", "DEU", "NLD", "ESP", "ROU", "POL", "SWE", "GRC", "UKR"),
    "CV90": ("SWE", "NOR", "DNK", "FIN", "NLD", "EST", "CZE", "SVK", "LTU", "UKR"),
    "Leopard 2": ("DEU", "NLD", "DNK", "NOR", "SWE", "FIN", "POL", "ESP", "PRT", "AUT", "CZE", "UKR"),
    "Gepard": ("DEU", "ROU", "UKR"),
}


@dataclass
class CatalogueItem:
    """An item nations can need; its platforms say which user groups care about it."""

    code: str
    name: str
    category: str
    unit: str
    nsn: str | None = None
    platforms: list[str] = field(default_factory=list)
    specification_ref: str | None = None
    retired_at: datetime | None = None
    retired_reason: str | None = None
    # The critical materials its harmonised specification names, with their supply risk
    # as the contracts service told them: `{"name", "category", "risk", "flagged"}`.
    specification_material_risks: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def define(
        cls,
        *,
        code: str,
        name: str,
        category: str,
        unit: str,
        nsn: str | None = None,
        platforms: list[str] | None = None,
        specification_ref: str | None = None,
    ) -> CatalogueItem:
        code = code.strip().upper()
        if not re.fullmatch(r"[A-Z0-9][A-Z0-9-]{1,79}", code):
            raise InvalidReference(f"item code {code!r} must be 2-80 capital letters, digits and dashes")
        if nsn is not None and not NSN.match(nsn):
            raise InvalidReference(f"NATO Stock Number {nsn!r} must look like 1320-12-345-6789")
        unknown = [p for p in platforms or [] if p not in PLATFORM_OPERATORS]
        if unknown:
            raise InvalidReference(f"unknown platform(s) {', '.join(unknown)}; known: {', '.join(PLATFORM_OPERATORS)}")
        if not name.strip() or not unit.strip() or not category.strip():
            raise InvalidReference("name, category and unit must not be empty")
        return cls(code, name.strip(), category.strip(), unit.strip(), nsn, list(platforms or []), specification_ref)

    @property
    def retired(self) -> bool:
        return self.retired_at is not None

    def retire(self, at: datetime, reason: str) -> None:
        if self.retired_at is not None:
            raise InvalidReference(f"item {self.code} was already retired")
        self.retired_at = at
        self.retired_reason = reason

    def harmonise(self, reference: str, material_risks: list[dict[str, Any]] | None = None) -> bool:
        """Nations agreed on a harmonised specification: needs default to it from now on
        and bundle under it. False when the item already had it. Its materials' risks are
        taken whenever told (a later version of the same reference may name others);
        an event from before they were told (`None`) leaves them as they are."""
        if material_risks is not None:
            self.specification_material_risks = material_risks
        if self.specification_ref == reference:
            return False
        self.specification_ref = reference
        return True

    @property
    def user_groups(self) -> dict[str, list[str]]:
        """Who else operates this: per platform the item fits, the nations operating it."""
        return {p: sorted(PLATFORM_OPERATORS[p]) for p in self.platforms}


# What the seeded items fit and which harmonised specification they are bought to, by code.
SEED_PLATFORMS: dict[str, list[str]] = {
    "AMMO-155MM": ["PzH 2000", "CAESAR", "Archer", "K9 Thunder", "M109"],
    "AMMO-120MM": ["Leopard 2"],
    "AMMO-35MM": ["Gepard"],
    "PATRIOT-PAC2": ["Patriot"],
    "PATRIOT-PAC3-MSE": ["Patriot"],
    "CV90": ["CV90"],
}
SEED_SPECIFICATIONS = {
    "AMMO-155MM": "SPEC-155MM-JBMOU",
    "AMMO-120MM": "SPEC-120MM",
    "VSRAT": "SPEC-VSRAT",
    "MMR": "SPEC-MMR",
    "PATRIOT-PAC2": "SPEC-PATRIOT-GEMT",
    "CV90": "SPEC-CV90-MKIV",
}
SEED_ITEMS: list[CatalogueItem] = [
    CatalogueItem(code, name, category, unit, None, list(SEED_PLATFORMS.get(code, ())), SEED_SPECIFICATIONS.get(code))
    for code, name, category, unit in [
        ("AMMO-155MM", "155 mm artillery ammunition (NATO JBMoU ballistics)", "artillery ammunition", "rounds"),
        ("AMMO-120MM", "120 mm tank ammunition", "tank ammunition", "rounds"),
        ("AMMO-35MM", "35 mm anti-aircraft ammunition", "air defence ammunition", "rounds"),
        ("VSRAT", "Very Short Range Anti-Tank weapon", "anti-tank weapons", "systems"),
        ("NLAW", "Next generation Light Anti-tank Weapon", "anti-tank weapons", "systems"),
        ("MMR", "Multi Mission Radar (Thales Nederland, Hengelo)", "radars", "systems"),
        ("PATRIOT-PAC2", "Patriot PAC-2 GEM-T missile", "air defence missiles", "missiles"),
        ("PATRIOT-PAC3-MSE", "Patriot PAC-3 MSE missile", "air defence missiles", "missiles"),
        ("CV90", "CV90 infantry fighting vehicle", "armoured vehicles", "vehicles"),
    ]
]
