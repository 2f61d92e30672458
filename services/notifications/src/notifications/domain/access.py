"""Who manages which webhook endpoints: the one place every route asks.

A company manages its own organisation's endpoints and hears industry's messages on them;
a nation's desk manages its nation's endpoints and hears that nation's notices on them;
the administrator manages every endpoint and registers for any company or nation by
naming it. Coordinators act for a bundle's lead, not for a nation's own needs, and have
no endpoints. Another owner's endpoint answers as if it did not exist: its existence is
not the caller's to learn.
"""

from __future__ import annotations

from dataclasses import dataclass

from bundling_shared.auth import Principal, Role
from notifications.domain.model import Endpoint, NotificationRuleViolation, Owner

# The roles that may call the endpoint routes at all (the administrator always may).
SUBSCRIBERS: tuple[Role, ...] = (Role.INDUSTRY, Role.NATION_DESK)


class NotTheirs(NotificationRuleViolation):
    """A caller asked to register an endpoint for an owner it does not speak for."""


@dataclass(frozen=True)
class Scope:
    """The endpoints one caller manages: those of one owner, a company or a nation."""

    owner: Owner
    organisation: str

    @classmethod
    def industry(cls, organisation: str) -> Scope:
        return cls(Owner.INDUSTRY, organisation)

    @classmethod
    def nation(cls, nation: str) -> Scope:
        return cls(Owner.NATION, nation)

    def holds(self, endpoint: Endpoint) -> bool:
        return endpoint.owner is self.owner and endpoint.organisation == self.organisation


def scope_of(principal: Principal) -> Scope | None:
    """The endpoints `principal` manages; None for the administrator, who manages all.
    Only the roles in SUBSCRIBERS reach this (the routes refuse the rest with 403)."""
    if principal.role is Role.NATION_DESK and principal.nation:
        return Scope.nation(principal.nation)
    if principal.role is Role.INDUSTRY and principal.organisation:
        return Scope.industry(principal.organisation)
    if principal.role is Role.ADMIN:
        return None
    raise NotTheirs(f"role {principal.role.value} has no webhook endpoints")


def registers_for(principal: Principal, *, nation: str | None, organisation: str | None) -> Scope:
    """Whose endpoint `principal` registers, given the nation or organisation it named in
    the request (neither: its own). A company or desk may name only itself."""
    if nation is not None and organisation is not None:
        raise NotTheirs("name the nation or the organisation the endpoint is for, not both")
    own = scope_of(principal)
    if own is None:  # the administrator
        if nation is not None:
            return Scope.nation(nation)
        chosen = organisation or principal.organisation
        if not chosen:
            raise NotTheirs("name the organisation or the nation the endpoint is for")
        return Scope.industry(chosen)
    named = Scope.nation(nation) if nation is not None else None
    named = Scope.industry(organisation) if organisation is not None else named
    if named is not None and named != own:
        raise NotTheirs(f"{own.organisation} cannot register an endpoint for {named.owner.value} {named.organisation}")
    return own
