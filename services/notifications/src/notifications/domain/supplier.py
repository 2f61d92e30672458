"""The register of security declarations: restricted news (call-offs, delivery schedules,
delays) names nations, quantities and dates of one contract, and reaches a supplier only
while it holds a valid declaration."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime


@dataclass
class Supplier:
    """The local register of an organisation's security declaration, fed by the
    contracts service; restricted messages reach only organisations cleared by it."""

    organisation: str
    supplier_id: str
    country: str
    security_declaration_valid_until: date | None
    updated_at: datetime

    def cleared_on(self, day: date) -> bool:
        return cleared(self.security_declaration_valid_until, day)

    def reregister(
        self, *, supplier_id: str, country: str, security_declaration_valid_until: date | None, at: datetime
    ) -> None:
        """The newest registration wins, whatever order the registrations arrive in: an
        older one arriving late changes nothing."""
        if at < self.updated_at:
            return
        self.supplier_id, self.country = supplier_id, country
        self.security_declaration_valid_until = security_declaration_valid_until
        self.updated_at = at


def cleared(valid_until: date | None, day: date) -> bool:
    return valid_until is not None and day <= valid_until
