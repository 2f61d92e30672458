"""The agencies that buy for nations: known to every service, because an agency can lead a
bundle (demand), sign for all (contracts) and hear what concerns what it leads
(notifications). A nation is named by its ISO 3166-1 alpha-3 code; an agency by its name."""

from __future__ import annotations

AGENCIES: dict[str, str] = {
    "NSPA": "NATO Support and Procurement Agency",
    "EDA": "European Defence Agency",
    "OCCAR": "Organisation for Joint Armament Co-operation",
}


def is_agency(party: str | None) -> bool:
    return party in AGENCIES
