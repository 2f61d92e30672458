"""Defence companies that may make offers and win awards.

A company needs a government security declaration (no undesired state-actor influence in
its management) to take part; without a valid one it can neither offer nor be awarded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Required, TypedDict, Unpack

from contracts.domain.errors import SupplierNotCleared
from contracts.domain.ids import new_id


class IndustrialBase(StrEnum):
    NATIONAL = "national"
    EUROPEAN = "european"
    NONE = "none"


class SupplierTerms(TypedDict, total=False):
    """What a company is registered with, in the supplier's own names: the one shape a
    registration takes from the request to `Supplier.register`."""

    organisation: Required[str]
    country: Required[str]
    sme: Required[bool]
    controlled_from_non_associated_country: Required[bool]
    industrial_base: Required[IndustrialBase]
    security_declaration_valid_until: date | None


@dataclass
class Supplier:
    id: str
    organisation: str
    country: str
    sme: bool
    controlled_from_non_associated_country: bool
    industrial_base: IndustrialBase
    # None until a declaration is issued: until then it may neither offer nor be awarded.
    security_declaration_valid_until: date | None = None

    @classmethod
    def register(cls, **terms: Unpack[SupplierTerms]) -> Supplier:
        return cls(id=new_id("supplier"), **terms)

    def declaration_valid_on(self, day: date) -> bool:
        return self.security_declaration_valid_until is not None and self.security_declaration_valid_until >= day

    def ensure_cleared(self, day: date, doing: str) -> None:
        if self.security_declaration_valid_until is None:
            raise SupplierNotCleared(f"supplier {self.organisation} has no security declaration and may not {doing}")
        if not self.declaration_valid_on(day):
            raise SupplierNotCleared(
                f"the security declaration of supplier {self.organisation} expired on "
                f"{self.security_declaration_valid_until.isoformat()}; it may not {doing}"
            )

    def renew_declaration(self, valid_until: date | None) -> None:
        self.security_declaration_valid_until = valid_until
