"""Who may do what in the contracts service, as one table.

Every handler names the action it performs and the caller's relation to the object it
acts on (`relation_to`), and asks `authorise`. What the table does not allow is refused:
with 404 when the caller may not even see the object (it does not exist for it, so nothing
leaks about other nations' business), with 403 when it sees the object but may not do
this. Keeping the rules as rows means a right can be read, reviewed and tested in one
place instead of being spread over the handlers' conditions.

Relations, from the object's point of view:

- lead: the contracting authority (lead nation or agency) acting through its desk or a
  coordinator of that nation or agency, or a coordinator the lead assigned;
- participant: a nation that takes part (a line, a share, the buyer of a call-off or lot);
- partner: a nation taking part in the same contract or framework but not in this part
  of it (another nation's call-off or lot);
- outsider: any other nation or agency;
- supplier: the company contracted (or, in a procurement, a bidder: `bidder`);
- company: any other company;
- admin.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from bundling_shared.auth import Principal, Role
from contracts.service_layer.access import Forbidden, NotFound


class Relation(StrEnum):
    LEAD = "lead"
    PARTICIPANT = "participant"
    PARTNER = "partner"
    OUTSIDER = "outsider"
    SUPPLIER = "contracted supplier"
    BIDDER = "bidder"
    COMPANY = "unrelated company"
    ADMIN = "admin"
    ANY = "-"  # actions on no particular object


class Action(StrEnum):
    CONTRACT_VIEW = "see a contract (own lines, partners' totals)"
    CONTRACT_VIEW_ALL = "see every line, lot and change-log entry of a contract"
    CONTRACT_SET_MODE = "set how a joint order is contracted (before it is)"
    LOTS_VIEW = "see delivery lots"
    LOTS_PLAN = "plan, re-plan and allocate delivery lots"
    LOT_RECORD_DELIVERY = "record a delivery on a lot"
    LOT_FORECAST = "forecast a lot's delivery"
    DELAY_CHECK = "run the delay check"
    PROCUREMENT_OPEN = "open a procurement"
    PROCUREMENT_VIEW = "see a procurement's outcome"
    PROCUREMENT_VIEW_ALL = "see every offer and the full ranking"
    PROCUREMENT_OFFER = "make an offer"
    PROCUREMENT_AWARD = "award and sign"
    PROCUREMENT_EXPORT = "export a procurement (OCDS)"
    FRAMEWORK_CREATE = "create a framework contract"
    FRAMEWORK_VIEW = "see a framework (own share and call-offs, partners' totals)"
    FRAMEWORK_VIEW_ALL = "see every share, call-off, accession request and log entry"
    FRAMEWORK_MANAGE = "add suppliers, set accession policy and pooling, decide accessions"
    FRAMEWORK_REQUEST_ACCESSION = "ask to accede to a framework"
    FRAMEWORK_CALL_OFF = "call off"
    FRAMEWORK_EXPORT = "export a framework (OCDS)"
    ASSIGN_COORDINATOR = "assign a coordinator to a procurement or framework"
    REPORT = "read reports (rows limited to what the caller sees)"


D, C, CO, A = Role.NATION_DESK, Role.COORDINATOR, Role.INDUSTRY, Role.ADMIN
R = Relation

# (action, role, relation): allowed. Anything not listed is refused. Admin may do
# everything except `FOR_ITSELF` and is not listed.
ALLOWED: frozenset[tuple[Action, Role, Relation]] = frozenset(
    {
        (Action.CONTRACT_VIEW, D, R.LEAD), (Action.CONTRACT_VIEW, C, R.LEAD),
        (Action.CONTRACT_VIEW, D, R.PARTICIPANT), (Action.CONTRACT_VIEW, C, R.PARTICIPANT),
        (Action.CONTRACT_VIEW, CO, R.SUPPLIER),
        (Action.CONTRACT_VIEW_ALL, D, R.LEAD), (Action.CONTRACT_VIEW_ALL, C, R.LEAD),
        (Action.CONTRACT_VIEW_ALL, CO, R.SUPPLIER),
        (Action.CONTRACT_SET_MODE, C, R.ANY),
        (Action.LOTS_VIEW, D, R.LEAD), (Action.LOTS_VIEW, C, R.LEAD),
        (Action.LOTS_VIEW, D, R.PARTICIPANT), (Action.LOTS_VIEW, C, R.PARTICIPANT),
        (Action.LOTS_VIEW, CO, R.SUPPLIER),
        (Action.LOTS_PLAN, D, R.LEAD), (Action.LOTS_PLAN, C, R.LEAD),
        (Action.LOT_RECORD_DELIVERY, D, R.LEAD), (Action.LOT_RECORD_DELIVERY, C, R.LEAD),
        (Action.LOT_RECORD_DELIVERY, D, R.PARTICIPANT), (Action.LOT_RECORD_DELIVERY, C, R.PARTICIPANT),
        (Action.LOT_FORECAST, D, R.LEAD), (Action.LOT_FORECAST, C, R.LEAD), (Action.LOT_FORECAST, CO, R.SUPPLIER),
        (Action.DELAY_CHECK, C, R.ANY),
        (Action.PROCUREMENT_OPEN, D, R.LEAD), (Action.PROCUREMENT_OPEN, C, R.LEAD),
        (Action.PROCUREMENT_VIEW, D, R.LEAD), (Action.PROCUREMENT_VIEW, C, R.LEAD),
        (Action.PROCUREMENT_VIEW, D, R.PARTICIPANT), (Action.PROCUREMENT_VIEW, CO, R.BIDDER),
        (Action.PROCUREMENT_VIEW, CO, R.SUPPLIER),
        (Action.PROCUREMENT_VIEW_ALL, D, R.LEAD), (Action.PROCUREMENT_VIEW_ALL, C, R.LEAD),
        (Action.PROCUREMENT_OFFER, CO, R.COMPANY), (Action.PROCUREMENT_OFFER, CO, R.BIDDER),
        (Action.PROCUREMENT_AWARD, D, R.LEAD), (Action.PROCUREMENT_AWARD, C, R.LEAD),
        (Action.PROCUREMENT_EXPORT, D, R.LEAD), (Action.PROCUREMENT_EXPORT, C, R.LEAD),
        (Action.FRAMEWORK_CREATE, D, R.LEAD), (Action.FRAMEWORK_CREATE, C, R.LEAD),
        (Action.FRAMEWORK_VIEW, D, R.LEAD), (Action.FRAMEWORK_VIEW, C, R.LEAD),
        (Action.FRAMEWORK_VIEW, D, R.PARTICIPANT), (Action.FRAMEWORK_VIEW, C, R.PARTICIPANT),
        (Action.FRAMEWORK_VIEW, CO, R.SUPPLIER),
        (Action.FRAMEWORK_VIEW_ALL, D, R.LEAD), (Action.FRAMEWORK_VIEW_ALL, C, R.LEAD),
        (Action.FRAMEWORK_MANAGE, D, R.LEAD), (Action.FRAMEWORK_MANAGE, C, R.LEAD),
        (Action.FRAMEWORK_REQUEST_ACCESSION, D, R.OUTSIDER), (Action.FRAMEWORK_REQUEST_ACCESSION, D, R.PARTICIPANT),
        (Action.FRAMEWORK_CALL_OFF, D, R.PARTICIPANT), (Action.FRAMEWORK_CALL_OFF, D, R.LEAD),
        (Action.FRAMEWORK_EXPORT, D, R.LEAD), (Action.FRAMEWORK_EXPORT, C, R.LEAD),
        (Action.ASSIGN_COORDINATOR, D, R.LEAD), (Action.ASSIGN_COORDINATOR, C, R.LEAD),
        (Action.REPORT, D, R.ANY), (Action.REPORT, C, R.ANY),
    }
)  # fmt: skip

# Refused actions answer 404 unless the caller may see the object through this action.
SEEN_THROUGH: dict[Action, Action] = {
    Action.PROCUREMENT_OPEN: Action.CONTRACT_VIEW,
    Action.CONTRACT_VIEW_ALL: Action.CONTRACT_VIEW,
    Action.LOTS_PLAN: Action.LOTS_VIEW,
    Action.LOT_RECORD_DELIVERY: Action.LOTS_VIEW,
    Action.LOT_FORECAST: Action.LOTS_VIEW,
    Action.PROCUREMENT_VIEW_ALL: Action.PROCUREMENT_VIEW,
    Action.PROCUREMENT_OFFER: Action.PROCUREMENT_VIEW,
    Action.PROCUREMENT_AWARD: Action.PROCUREMENT_VIEW,
    Action.PROCUREMENT_EXPORT: Action.PROCUREMENT_VIEW,
    Action.FRAMEWORK_VIEW_ALL: Action.FRAMEWORK_VIEW,
    Action.FRAMEWORK_MANAGE: Action.FRAMEWORK_VIEW,
    Action.FRAMEWORK_CALL_OFF: Action.FRAMEWORK_VIEW,
    Action.FRAMEWORK_EXPORT: Action.FRAMEWORK_VIEW,
    Action.FRAMEWORK_REQUEST_ACCESSION: Action.FRAMEWORK_VIEW,
}


# What a party does for itself alone: a nation calls off from its own share, a company
# offers for itself. Admin speaks for neither, so it is refused these (403).
FOR_ITSELF = frozenset({Action.FRAMEWORK_CALL_OFF, Action.PROCUREMENT_OFFER})

# Actions that make something new: a role that may never do them is told so (403).
CREATE = frozenset({Action.PROCUREMENT_OPEN, Action.FRAMEWORK_CREATE})


def allowed(principal: Principal, action: Action, relation: Relation) -> bool:
    if principal.role is Role.ADMIN:
        return action not in FOR_ITSELF
    return (action, principal.role, relation) in ALLOWED


def authorise(
    principal: Principal, action: Action, relation: Relation, what: str, seen_through: Action | None = None
) -> None:
    """Refuse unless the table allows it: 403 if the caller sees the object, else 404."""
    if allowed(principal, action, relation):
        return
    seen_through = seen_through or SEEN_THROUGH.get(action)
    never = not any(row[0] is action and row[1] is principal.role for row in ALLOWED)
    if (
        relation is Relation.ANY
        or (never and action in CREATE)
        or (seen_through is not None and allowed(principal, seen_through, relation))
    ):
        raise Forbidden(f"{principal.role.value} ({relation.value}) may not {action.value}")
    raise NotFound(f"{what} not found")


def relation_to(
    principal: Principal,
    *,
    authority: str,
    nations: Iterable[str] = (),
    partners: Iterable[str] = (),
    coordinators: Iterable[str] = (),
    suppliers: Iterable[str] = (),
    bidders: Iterable[str] = (),
    supplier_id: str | None = None,
) -> Relation:
    """The caller's relation to one object: its authority, the nations taking part in it,
    the nations in the whole it is part of, the coordinators assigned to it, the suppliers
    contracted and the bidders; `supplier_id` is the caller's own, if it is a company."""
    if principal.role is Role.ADMIN:
        return Relation.ADMIN
    if principal.role is Role.INDUSTRY:
        if supplier_id is not None and supplier_id in set(suppliers):
            return Relation.SUPPLIER
        if supplier_id is not None and supplier_id in set(bidders):
            return Relation.BIDDER
        return Relation.COMPANY
    party = principal.party
    if party == authority or (principal.role is Role.COORDINATOR and party in set(coordinators)):
        return Relation.LEAD
    if principal.nation is not None and principal.nation in set(nations):
        return Relation.PARTICIPANT
    if principal.nation is not None and principal.nation in set(partners):
        return Relation.PARTNER
    return Relation.OUTSIDER


def table() -> list[tuple[str, str, str, bool]]:
    """The allowed rows, for documentation: (action, role, relation, allowed)."""
    rows = [(a.value, r.value, rel.value, True) for a, r, rel in ALLOWED]
    rows += [(a.value, A.value, Relation.ADMIN.value, True) for a in Action if a not in FOR_ITSELF]
    return sorted(rows)
