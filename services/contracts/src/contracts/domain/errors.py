"""The refusals of the contracts context.

A rule a request or an event breaks is a `ContractRuleViolation` (422, the rule in words;
`field` names the part of the request that broke it). What is absent or not the caller's
to see, what its role may not do and what clashes with what exists are the refusals every
service shares; a clash here is also a rule of the contract, so that an event that clashes
(a nation acceding to a framework it is in) is refused with its reason like any other.
"""

from __future__ import annotations

from bundling_shared import errors
from bundling_shared.errors import Forbidden, NotFound

__all__ = [
    "CommitmentNotContracted",
    "Conflict",
    "ContractRuleViolation",
    "Forbidden",
    "NotFound",
    "SupplierNotCleared",
]


class ContractRuleViolation(Exception):
    """A rule the request breaks; `field` names the part of the request that broke it."""

    def __init__(self, message: str, *, field: str | None = None, rule: str | None = None) -> None:
        super().__init__(message)
        self.field = field
        self.rule = rule


class Conflict(errors.Conflict, ContractRuleViolation):
    """The request clashes with what exists already (409)."""


class SupplierNotCleared(ContractRuleViolation):
    """The supplier's security declaration is missing or has expired."""


class CommitmentNotContracted(Conflict):
    """The committed joint order or framework was kept instead of contracted: asked for its
    contract, the bundle answers with the rule that refused it."""

    def __init__(self, explained: str) -> None:
        super().__init__(explained, field="path.bundle_id", rule="commitment_not_contracted")
