"""Who is calling: a role and the nation or organisation it acts for."""

from __future__ import annotations

import re
from enum import StrEnum

from pydantic import BaseModel, model_validator

ALPHA3 = re.compile(r"^[A-Z]{3}$")


class Role(StrEnum):
    NATION_DESK = "nation_desk"
    COORDINATOR = "coordinator"
    INDUSTRY = "industry"
    ADMIN = "admin"


class Principal(BaseModel):
    subject: str
    role: Role
    nation: str | None = None
    organisation: str | None = None

    @model_validator(mode="after")
    def _scope_matches_role(self) -> Principal:
        if self.nation is not None and not ALPHA3.match(self.nation):
            raise ValueError("nation must be an ISO 3166-1 alpha-3 code")
        if self.role is Role.NATION_DESK and self.nation is None:
            raise ValueError("a nation desk token must name its nation")
        if self.role is Role.INDUSTRY and self.organisation is None:
            raise ValueError("an industry token must name its organisation")
        if self.role is Role.COORDINATOR and self.nation is None and self.organisation is None:
            raise ValueError("a coordinator token must name its lead nation or agency")
        return self

    @property
    def party(self) -> str:
        """The nation or organisation this principal speaks for."""
        return self.nation or self.organisation or self.subject
