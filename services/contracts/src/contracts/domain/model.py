"""Contracts placed by a lead nation or agency for several nations at once.

One joint order becomes one contract with a delivery line per participating nation, so
that each nation's quantities stay visible and deliverable on their own.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime


class ContractRuleViolation(Exception):
    pass


@dataclass
class ContractLine:
    nation: str
    quantity: int


@dataclass
class Contract:
    id: str
    bundle_id: str
    item_code: str
    contracting_authority: str
    window_start: date
    window_end: date
    lines: list[ContractLine] = field(default_factory=list)
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @classmethod
    def for_joint_order(
        cls,
        *,
        bundle_id: str,
        item_code: str,
        contracting_authority: str,
        window_start: date,
        window_end: date,
        quantities: dict[str, int],
    ) -> Contract:
        if not quantities:
            raise ContractRuleViolation(f"joint order {bundle_id} has no participating nation")
        if any(q <= 0 for q in quantities.values()):
            raise ContractRuleViolation(f"joint order {bundle_id} has a non-positive quantity")
        if window_end < window_start:
            raise ContractRuleViolation(f"joint order {bundle_id} ends its delivery window before it starts")
        return cls(
            id=f"contract-{uuid.uuid4().hex[:16]}",
            bundle_id=bundle_id,
            item_code=item_code,
            contracting_authority=contracting_authority,
            window_start=window_start,
            window_end=window_end,
            lines=[ContractLine(nation, quantities[nation]) for nation in sorted(quantities)],
        )

    @property
    def total_quantity(self) -> int:
        return sum(line.quantity for line in self.lines)

    @property
    def nations(self) -> list[str]:
        return [line.nation for line in self.lines]

    def concerns(self, party: str) -> bool:
        """A nation takes part when it has a line or contracts for the others."""
        return party == self.contracting_authority or party in self.nations
