"""Who manages which webhook endpoints: one table, consulted by every handler.

A company manages its own organisation's endpoints and hears industry's messages on them;
a nation's desk, and a coordinator of that nation, manage the nation's endpoints and hear
its notices on them (a lead nation's coordinators hear what its lead is told); an agency's
coordinators (NSPA, OCCAR) manage the agency's and hear what is told to it as lead or as
contracting authority; the administrator manages every endpoint and registers for any
company, nation or agency by naming it. Another owner's endpoint answers as if it did not exist (404): its
existence is not the caller's to learn; a role that may never act here is told so (403).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bundling_shared.access import AccessTable
from bundling_shared.auth import Principal, Role
from bundling_shared.errors import Forbidden
from bundling_shared.parties import AGENCIES, is_agency
from notifications.domain.endpoint import Endpoint, Owner
from notifications.domain.errors import NotTheirs


class Relation(StrEnum):
    ADMIN = "admin"  # the platform's administrator: every endpoint
    OWNER = "owner"  # the endpoint is the caller's organisation's or nation's (or a delivery of the message is)
    OUTSIDER = "outsider"
    ANY = "any"  # an act on the caller's own collection, not on one endpoint


class Action(StrEnum):
    REGISTER_ENDPOINT = "register an endpoint (for its own organisation or nation)"
    LIST_ENDPOINTS = "list its endpoints"
    READ_ENDPOINT = "read an endpoint and its attempt log"
    MANAGE_ENDPOINT = "change, pause, resume, rotate the secret of or delete an endpoint"
    SEND_AGAIN = "resend a message to an endpoint or recover a window of failed ones"
    READ_DELIVERIES = "see where a message went"


DESK, COORDINATOR, INDUSTRY, ADMIN = Role.NATION_DESK, Role.COORDINATOR, Role.INDUSTRY, Role.ADMIN
_OWN = {Relation.ADMIN: frozenset({ADMIN}), Relation.OWNER: frozenset({INDUSTRY, DESK, COORDINATOR})}

# The table: for each action and relation, the roles allowed. Whatever is not allowed is
# Hidden when the caller may not read the object either, Forbidden otherwise.
ALLOWED: dict[Action, dict[Relation, frozenset[Role]]] = {
    Action.REGISTER_ENDPOINT: {Relation.ANY: frozenset({INDUSTRY, DESK, COORDINATOR, ADMIN})},
    Action.LIST_ENDPOINTS: {Relation.ANY: frozenset({INDUSTRY, DESK, COORDINATOR, ADMIN})},
    Action.READ_ENDPOINT: _OWN,
    Action.MANAGE_ENDPOINT: _OWN,
    Action.SEND_AGAIN: _OWN,
    Action.READ_DELIVERIES: _OWN,
}

# Whether a refusal may admit that the object exists: only to one who may read it.
_READ = {action: Action.READ_ENDPOINT for action in ALLOWED} | {Action.READ_DELIVERIES: Action.READ_DELIVERIES}

SUBSCRIBERS: frozenset[Role] = frozenset(role for row in ALLOWED.values() for roles in row.values() for role in roles)
"""The roles that may act here at all; the routes refuse the rest (403) before anything is read."""


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

    @classmethod
    def agency(cls, agency: str) -> Scope:
        return cls(Owner.AGENCY, agency)

    def holds(self, endpoint: Endpoint) -> bool:
        return endpoint.owner is self.owner and endpoint.organisation == self.organisation


def has_endpoints(caller: Principal) -> bool:
    """A coordinator has its nation's or its agency's endpoints; one of an organisation
    that is neither (no agency known here) has none."""
    return caller.role is not Role.COORDINATOR or caller.nation is not None or is_agency(caller.organisation)


def scope_of(caller: Principal) -> Scope | None:
    """The endpoints `caller` manages; None for the administrator, who manages all."""
    if caller.role in (Role.NATION_DESK, Role.COORDINATOR) and caller.nation:
        return Scope.nation(caller.nation)
    if caller.role is Role.INDUSTRY and caller.organisation:
        return Scope.industry(caller.organisation)
    if caller.role is Role.COORDINATOR and caller.organisation and is_agency(caller.organisation):
        return Scope.agency(caller.organisation)
    if caller.role is Role.ADMIN:
        return None
    if caller.role is Role.COORDINATOR:
        raise Forbidden(
            f"{caller.party}'s coordinators speak for no nation and no known agency"
            f" ({', '.join(AGENCIES)}): they have no webhook endpoints"
        )
    raise NotTheirs(f"role {caller.role.value} has no webhook endpoints")


TABLE = AccessTable(allowed=ALLOWED, reads=_READ, anything=Relation.ANY)
verdict = TABLE.verdict


def authorise(caller: Principal, action: Action, relation: Relation, what: str = "it") -> None:
    TABLE.authorise(caller.role, action, relation, what)


def to_endpoint(caller: Principal, endpoint: Endpoint) -> Relation:
    if caller.role is ADMIN:
        return Relation.ADMIN
    owns = has_endpoints(caller) and scope_of(caller) == Scope(endpoint.owner, endpoint.organisation)
    return Relation.OWNER if caller.role in (INDUSTRY, DESK, COORDINATOR) and owns else Relation.OUTSIDER


def to_message(caller: Principal, own_deliveries: int) -> Relation:
    """A company or a nation stands to a message only through its own deliveries of it
    (how many there are)."""
    if caller.role is ADMIN:
        return Relation.ADMIN
    return Relation.OWNER if own_deliveries else Relation.OUTSIDER


def registers_for(
    caller: Principal, *, nation: str | None, organisation: str | None, agency: str | None = None
) -> Scope:
    """Whose endpoint `caller` registers, given the nation, company or agency it named in
    the request (none: its own). A company, desk or agency coordinator may name only itself."""
    named_fields = {"nation": nation, "organisation": organisation, "agency": agency}
    given = [name for name, value in named_fields.items() if value is not None]
    if len(given) > 1:
        raise NotTheirs(
            f"name one of the nation, the organisation or the agency the endpoint is for, not {' and '.join(given)}",
            given[0],
        )
    field = given[0] if given else "organisation"
    if agency is not None and not is_agency(agency):
        raise NotTheirs(f"{agency!r} is no agency known here ({', '.join(AGENCIES)})", "agency")
    named = None
    if nation is not None:
        named = Scope.nation(nation)
    elif agency is not None:
        named = Scope.agency(agency)
    elif organisation is not None:
        named = Scope.industry(organisation)
    own = scope_of(caller)
    if own is None:  # the administrator
        chosen = named or (Scope.industry(caller.organisation) if caller.organisation else None)
        if chosen is None:
            raise NotTheirs("name the organisation, the nation or the agency the endpoint is for", field)
        return chosen
    if named is not None and named != own:
        raise NotTheirs(
            f"{own.organisation} cannot register an endpoint for {named.owner.value} {named.organisation}", field
        )
    return own
