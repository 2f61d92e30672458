"""Defence companies that may make offers and win awards.

A company needs a government security declaration (no undesired state-actor influence in
its management) to take part; without a valid one it can neither offer nor be awarded.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from contracts.domain.errors import SupplierNotCleared


class IndustrialBase(StrEnum):
    NATIONAL = "national"
    EUROPEAN = "european"
    NONE = "none"


@dataclass
class Supplier:
    id: str
    organisation: str
    country: str
    sme: bool
    controlled_from_non_associated_country: bool
    industrial_base: str
    security_declaration_valid_until: date | None

    @classmethod
    def register(
        cls,
        *,
        organisation: str,
        country: str,
        sme: bool,
        controlled_from_non_associated_country: bool,
        industrial_base: IndustrialBase,
        security_declaration_valid_until: date | None,
    ) -> Supplier:
        return cls(
            id=f"supplier-{uuid.uuid4().hex[:12]}",
            organisation=organisation,
            country=country,
            sme=sme,
            controlled_from_non_associated_country=controlled_from_non_associated_country,
            industrial_base=industrial_base.value,
            security_declaration_valid_until=security_declaration_valid_until,
        )

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
