"""Need-to-know: who may see or do what. Whatever a caller may not see does not exist
for it (the API answers 404), so nothing leaks about other nations' business."""

from __future__ import annotations

from bundling_shared.auth import Principal, Role
from contracts.domain.model import ContractRuleViolation


class NotFound(Exception):
    """Unknown, or not the caller's to see."""


class Forbidden(Exception):
    """The caller sees it but its role may not do this."""


class Conflict(ContractRuleViolation):
    """The request clashes with what exists already."""


def is_admin(principal: Principal) -> bool:
    return principal.role is Role.ADMIN


def acts_for(principal: Principal, party: str) -> bool:
    """The caller speaks for this nation or agency (a desk or a coordinator), or is admin."""
    return is_admin(principal) or (principal.role in (Role.NATION_DESK, Role.COORDINATOR) and principal.party == party)


def is_coordinator(principal: Principal) -> bool:
    return principal.role in (Role.COORDINATOR, Role.ADMIN)


def industry_org(principal: Principal) -> str | None:
    return principal.organisation if principal.role is Role.INDUSTRY else None


def require(condition: bool, what: str) -> None:
    if not condition:
        raise NotFound(what)


def require_role(condition: bool, what: str) -> None:
    if not condition:
        raise Forbidden(what)
