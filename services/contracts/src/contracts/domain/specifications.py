"""Harmonised specifications: the common requirement that lets one product serve many nations.

A proposal becomes harmonised only when every participating nation agreed; one objection
(with its reason) withdraws it. What is harmonised applies equally to deliveries for own
forces and for Ukraine, so that both get the same product.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from contracts.domain.errors import ContractRuleViolation


class SpecificationStatus(StrEnum):
    PROPOSED = "proposed"
    HARMONISED = "harmonised"
    WITHDRAWN = "withdrawn"


APPLIES_EQUALLY = "applies equally to deliveries for own forces and for Ukraine"


@dataclass
class Specification:
    id: str
    reference: str
    version: int
    item_code: str
    title: str
    standards: list[str]
    certification: str | None
    key_performance: dict[str, str]
    critical_materials: list[str]
    nations: list[str]
    deviations: list[dict[str, Any]]
    created_at: datetime
    positions: dict[str, dict[str, str]] = field(default_factory=dict)
    status: str = SpecificationStatus.PROPOSED.value
    outcome: str | None = None
    proposed_by: str = ""

    @classmethod
    def propose(
        cls,
        *,
        reference: str,
        version: int,
        item_code: str,
        title: str,
        nations: list[str],
        standards: list[str] | None = None,
        certification: str | None = None,
        key_performance: dict[str, str] | None = None,
        critical_materials: list[str] | None = None,
        deviations: list[dict[str, Any]] | None = None,
        proposed_by: str = "",
        at: datetime,
    ) -> Specification:
        if not nations:
            raise ContractRuleViolation(f"specification {reference} names no participating nation")
        if version < 1:
            raise ContractRuleViolation("a specification version starts at 1")
        for deviation in deviations or []:
            if deviation.get("nation") not in nations:
                raise ContractRuleViolation(
                    f"deviation of {deviation.get('nation')} recorded, but it does not take part in {reference}"
                )
        return cls(
            id=f"spec-{uuid.uuid4().hex[:12]}",
            reference=reference,
            version=version,
            item_code=item_code,
            title=title,
            standards=list(standards or []),
            certification=certification,
            key_performance=dict(key_performance or {}),
            critical_materials=list(critical_materials or []),
            nations=sorted(set(nations)),
            deviations=list(deviations or []),
            proposed_by=proposed_by,
            created_at=at,
        )

    def _ensure_open(self, nation: str) -> None:
        if self.status != SpecificationStatus.PROPOSED.value:
            raise ContractRuleViolation(f"specification {self.reference} v{self.version} is already {self.status}")
        if nation not in self.nations:
            raise ContractRuleViolation(f"{nation} does not take part in specification {self.reference}")

    def agree(self, nation: str) -> None:
        self._ensure_open(nation)
        self.positions = {**self.positions, nation: {"position": "agree", "reason": ""}}
        if all(self.positions.get(n, {}).get("position") == "agree" for n in self.nations):
            self.status = SpecificationStatus.HARMONISED.value
            self.outcome = f"harmonised by {', '.join(self.nations)}; {APPLIES_EQUALLY}"

    def object(self, nation: str, reason: str) -> None:
        if not reason.strip():
            raise ContractRuleViolation("an objection needs a reason")
        self._ensure_open(nation)
        self.positions = {**self.positions, nation: {"position": "object", "reason": reason}}
        self.status = SpecificationStatus.WITHDRAWN.value
        self.outcome = f"withdrawn: {nation} objects ({reason})"

    def record_deviation(self, nation: str, description: str, compatible: bool) -> None:
        if nation not in self.nations:
            raise ContractRuleViolation(f"{nation} does not take part in specification {self.reference}")
        kept = [d for d in self.deviations if d.get("nation") != nation or d.get("description") != description]
        self.deviations = [*kept, {"nation": nation, "description": description, "compatible": compatible}]

    @property
    def harmonised(self) -> bool:
        return self.status == SpecificationStatus.HARMONISED.value

    @property
    def applies_to_ukraine_deliveries(self) -> bool:
        """What is harmonised applies equally to deliveries for own forces and for Ukraine."""
        return self.harmonised

    @property
    def compatible_deviations(self) -> list[str]:
        return [f"{d['nation']}: {d['description']}" for d in self.deviations if d.get("compatible")]


def next_version(versions: Sequence[Specification]) -> int:
    """A proposal is the next version of its reference, whatever became of the earlier ones."""
    return versions[-1].version + 1 if versions else 1
