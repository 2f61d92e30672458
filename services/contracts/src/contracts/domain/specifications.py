"""Harmonised specifications: the common requirement that lets one product serve many nations.

A proposal becomes harmonised only when every participating nation agreed; one objection
(with its reason) withdraws it. What is harmonised applies equally to deliveries for own
forces and for Ukraine, so that both get the same product.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Required, TypedDict, Unpack

from bundling_shared.strict import ALPHA3_PATTERN
from contracts.domain.errors import ContractRuleViolation
from contracts.domain.ids import new_id


class SpecificationStatus(StrEnum):
    PROPOSED = "proposed"
    HARMONISED = "harmonised"
    WITHDRAWN = "withdrawn"


APPLIES_EQUALLY = "applies equally to deliveries for own forces and for Ukraine"


class SpecificationTerms(TypedDict, total=False):
    """What a proposal states, in the specification's own names: the one shape a proposal
    takes to `Specification.propose`, from a request or from the demand service's event."""

    reference: Required[str]
    item_code: Required[str]
    title: Required[str]
    nations: Required[list[str]]
    standards: list[str]
    certification: str | None
    key_performance: dict[str, str]
    critical_materials: list[str]
    deviations: list[dict[str, Any]]


@dataclass
class Specification:
    id: str
    reference: str
    version: int
    item_code: str
    title: str
    nations: list[str]
    created_at: datetime
    # What a proposal may leave out.
    standards: list[str] = field(default_factory=list)
    certification: str | None = None
    key_performance: dict[str, str] = field(default_factory=dict)
    critical_materials: list[str] = field(default_factory=list)
    deviations: list[dict[str, Any]] = field(default_factory=list)
    positions: dict[str, dict[str, str]] = field(default_factory=dict)
    status: str = SpecificationStatus.PROPOSED.value
    outcome: str | None = None
    proposed_by: str = ""

    @classmethod
    def propose(
        cls, *, version: int, proposed_by: str = "", at: datetime, **terms: Unpack[SpecificationTerms]
    ) -> Specification:
        reference, nations = terms["reference"], terms["nations"]
        if not nations:
            raise ContractRuleViolation(f"specification {reference} names no participating nation")
        if unnamed := [n for n in nations if not ALPHA3_PATTERN.fullmatch(n)]:
            raise ContractRuleViolation(f"specification {reference} names nations not by their alpha-3 code: {unnamed}")
        if version < 1:
            raise ContractRuleViolation("a specification version starts at 1")
        for deviation in terms.get("deviations", []):
            if deviation.get("nation") not in nations:
                raise ContractRuleViolation(
                    f"deviation of {deviation.get('nation')} recorded, but it does not take part in {reference}"
                )
        spec = cls(id=new_id("spec"), version=version, proposed_by=proposed_by, created_at=at, **terms)
        spec.nations = sorted(set(nations))
        return spec

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
