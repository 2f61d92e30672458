"""Who may do what in the contracts service, as one table.

Every handler names the action it performs and the caller's relation to the object it
acts on (`relation_to`; finding it may need the database, finding the verdict does not),
and asks `authorise`. What the table does not allow is refused:
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
- funder: a nation paying toward a contract by pledges (`funded_by`) without a line in it;
- supplier: the company contracted (or, in a procurement, a bidder: `bidder`);
- itself: the company whose registry entry it is;
- company: any other company;
- admin.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from bundling_shared.auth import Principal, Role
from contracts.domain.errors import Forbidden, NotFound


class Relation(StrEnum):
    LEAD = "lead"
    PARTICIPANT = "participant"
    PARTNER = "partner"
    OUTSIDER = "outsider"
    FUNDER = "funder"
    SUPPLIER = "contracted supplier"
    BIDDER = "bidder"
    ITSELF = "the company itself"
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
    SUPPLIER_REGISTER = "register a supplier or change its security declaration"
    SUPPLIER_VIEW = "see a supplier's registry entry"
    SPECIFICATION_PROPOSE = "propose a specification"
    SPECIFICATION_VIEW = "see a specification while the nations take position"
    SPECIFICATION_VIEW_HARMONISED = "see a harmonised specification"
    SPECIFICATION_TAKE_POSITION = "agree to or object to a specification, for its own nation"
    SPECIFICATION_RECORD_DEVIATION = "record its own nation's deviation from a specification"
    PROCUREMENT_OPEN = "open a procurement"
    PROCUREMENT_VIEW = "see a procurement's outcome"
    PROCUREMENT_VIEW_ALL = "see every offer and the full ranking"
    PROCUREMENT_OFFER = "make an offer"
    PROCUREMENT_AWARD = "award and sign"
    PROCUREMENT_EXPORT = "export a procurement (OCDS)"
    TENDER_VIEW = "see an open tender's public notice"
    FRAMEWORK_CREATE = "create a framework contract"
    FRAMEWORK_VIEW = "see a framework (own share and call-offs, partners' totals)"
    FRAMEWORK_VIEW_ALL = "see every share, call-off, accession request and log entry"
    FRAMEWORK_MANAGE = "add suppliers, set accession policy and pooling, decide accessions"
    FRAMEWORK_REQUEST_ACCESSION = "ask to accede to a framework"
    FRAMEWORK_CALL_OFF = "call off"
    FRAMEWORK_EXPORT = "export a framework (OCDS)"
    ASSIGN_COORDINATOR = "assign a coordinator to a procurement or framework"
    REPORT = "read reports (rows limited to what the caller sees)"
    FUNDED_DELIVERIES_VIEW = "see what is planned and delivered of a contract it pays toward (totals by beneficiary)"
    LINE_DECLARE = "declare a production line of its own company"
    LINE_REVISE = "revise its own company's production line"
    LINE_VIEW = "see a production line"
    ALLOCATION_VIEW_ALL = "see every lot of the allocation of a line's output (a nation: its own)"
    STOCK_STATE = "state its nation's stock of an item against the NATO norm"
    STOCK_VIEW = "see its nation's stated stock levels"
    PURCHASE_RECORD = "record its nation's purchase contracted outside the platform"
    PURCHASE_VIEW = "see the purchases its nation recorded"
    PURCHASE_WITHDRAW = "withdraw a purchase its nation recorded"
    MATERIAL_VIEW = "read the critical materials and components and their risk"
    MATERIAL_MAINTAIN = "add or revise a critical material or component"


R = Relation
DESKS = frozenset({Role.NATION_DESK})
COORDINATORS = frozenset({Role.COORDINATOR})
COMPANIES = frozenset({Role.INDUSTRY})
SPEAKERS = DESKS | COORDINATORS
"""Who speaks for a nation or agency: its desk and its coordinators."""

# For each action and relation, the roles allowed. Anything not listed is refused. Admin
# may do everything except `FOR_ITSELF` and is not listed.
ALLOWED: dict[Action, dict[Relation, frozenset[Role]]] = {
    Action.CONTRACT_VIEW: {R.LEAD: SPEAKERS, R.PARTICIPANT: SPEAKERS, R.SUPPLIER: COMPANIES},
    Action.CONTRACT_VIEW_ALL: {R.LEAD: SPEAKERS, R.SUPPLIER: COMPANIES},
    Action.CONTRACT_SET_MODE: {R.LEAD: COORDINATORS},
    Action.LOTS_VIEW: {R.LEAD: SPEAKERS, R.PARTICIPANT: SPEAKERS, R.SUPPLIER: COMPANIES},
    Action.LOTS_PLAN: {R.LEAD: SPEAKERS},
    Action.LOT_RECORD_DELIVERY: {R.LEAD: SPEAKERS, R.PARTICIPANT: SPEAKERS},
    Action.LOT_FORECAST: {R.LEAD: SPEAKERS, R.SUPPLIER: COMPANIES},
    Action.DELAY_CHECK: {R.ANY: COORDINATORS},
    Action.SUPPLIER_REGISTER: {R.ANY: COORDINATORS},
    Action.SUPPLIER_VIEW: {R.OUTSIDER: COORDINATORS, R.ITSELF: COMPANIES},
    Action.SPECIFICATION_PROPOSE: {R.PARTICIPANT: SPEAKERS, R.OUTSIDER: COORDINATORS},
    Action.SPECIFICATION_VIEW: {R.PARTICIPANT: SPEAKERS, R.OUTSIDER: COORDINATORS},
    Action.SPECIFICATION_VIEW_HARMONISED: {R.PARTICIPANT: SPEAKERS, R.OUTSIDER: COORDINATORS, R.COMPANY: COMPANIES},
    Action.SPECIFICATION_TAKE_POSITION: {R.PARTICIPANT: DESKS},
    Action.SPECIFICATION_RECORD_DEVIATION: {R.PARTICIPANT: DESKS},
    Action.PROCUREMENT_OPEN: {R.LEAD: SPEAKERS},
    Action.PROCUREMENT_VIEW: {R.LEAD: SPEAKERS, R.PARTICIPANT: DESKS, R.BIDDER: COMPANIES, R.SUPPLIER: COMPANIES},
    Action.PROCUREMENT_VIEW_ALL: {R.LEAD: SPEAKERS},
    Action.PROCUREMENT_OFFER: {R.COMPANY: COMPANIES, R.BIDDER: COMPANIES},
    Action.PROCUREMENT_AWARD: {R.LEAD: SPEAKERS},
    Action.PROCUREMENT_EXPORT: {R.LEAD: SPEAKERS},
    # A tender notice is published to industry: any company may read it to decide whether
    # to bid. The nations read their procurements in full and have no use for the notice.
    Action.TENDER_VIEW: {R.COMPANY: COMPANIES, R.BIDDER: COMPANIES, R.SUPPLIER: COMPANIES},
    Action.FRAMEWORK_CREATE: {R.LEAD: SPEAKERS},
    Action.FRAMEWORK_VIEW: {R.LEAD: SPEAKERS, R.PARTICIPANT: SPEAKERS, R.SUPPLIER: COMPANIES},
    Action.FRAMEWORK_VIEW_ALL: {R.LEAD: SPEAKERS},
    Action.FRAMEWORK_MANAGE: {R.LEAD: SPEAKERS},
    Action.FRAMEWORK_REQUEST_ACCESSION: {R.OUTSIDER: DESKS, R.PARTICIPANT: DESKS},
    Action.FRAMEWORK_CALL_OFF: {R.PARTICIPANT: DESKS, R.LEAD: DESKS},
    Action.FRAMEWORK_EXPORT: {R.LEAD: SPEAKERS},
    Action.ASSIGN_COORDINATOR: {R.LEAD: SPEAKERS},
    Action.REPORT: {R.ANY: SPEAKERS},
    Action.FUNDED_DELIVERIES_VIEW: {R.FUNDER: SPEAKERS},
    # A company's lines are for the nations buying (desks and coordinators) and itself;
    # another company does not learn its competitor's capacity.
    Action.LINE_DECLARE: {R.ANY: COMPANIES},
    Action.LINE_REVISE: {R.ITSELF: COMPANIES},
    Action.LINE_VIEW: {R.ITSELF: COMPANIES, R.OUTSIDER: SPEAKERS},
    Action.ALLOCATION_VIEW_ALL: {R.ITSELF: COMPANIES},
    # A nation's stock against the NATO norm is its own: it ranks its lots, no one reads it.
    Action.STOCK_STATE: {R.ANY: DESKS},
    Action.STOCK_VIEW: {R.ANY: DESKS},
    # A nation's purchases outside the platform are its own business: its desk records,
    # lists and withdraws them; they count in its reports, no one else reads them.
    Action.PURCHASE_RECORD: {R.ANY: DESKS},
    Action.PURCHASE_VIEW: {R.ANY: DESKS, R.PARTICIPANT: DESKS},
    Action.PURCHASE_WITHDRAW: {R.PARTICIPANT: DESKS},
    # Supply risks are reference data for everyone who buys, specifies or makes: the
    # coordinators who see across the nations keep them; a desk or a company reads them.
    Action.MATERIAL_VIEW: {R.ANY: SPEAKERS | COMPANIES},
    Action.MATERIAL_MAINTAIN: {R.ANY: COORDINATORS},
}

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
    Action.TENDER_VIEW: Action.PROCUREMENT_VIEW,
    Action.FRAMEWORK_VIEW_ALL: Action.FRAMEWORK_VIEW,
    Action.FRAMEWORK_MANAGE: Action.FRAMEWORK_VIEW,
    Action.FRAMEWORK_CALL_OFF: Action.FRAMEWORK_VIEW,
    Action.FRAMEWORK_EXPORT: Action.FRAMEWORK_VIEW,
    Action.FRAMEWORK_REQUEST_ACCESSION: Action.FRAMEWORK_VIEW,
    Action.LINE_REVISE: Action.LINE_VIEW,
    Action.PURCHASE_WITHDRAW: Action.PURCHASE_VIEW,
}


# What a party does for itself alone: a nation calls off from its own share and takes its
# own position, a company offers for itself. Admin speaks for neither, so it is refused
# these (403).
FOR_ITSELF = frozenset(
    {
        Action.FRAMEWORK_CALL_OFF,
        Action.PROCUREMENT_OFFER,
        Action.SPECIFICATION_TAKE_POSITION,
        Action.SPECIFICATION_RECORD_DEVIATION,
        Action.LINE_DECLARE,
        Action.LINE_REVISE,
        Action.STOCK_STATE,
        Action.PURCHASE_RECORD,
    }
)

# Actions that make something new: nothing exists yet that a refusal could reveal, so the
# caller is told (403).
CREATE = frozenset(
    {Action.PROCUREMENT_OPEN, Action.FRAMEWORK_CREATE, Action.SPECIFICATION_PROPOSE, Action.LINE_DECLARE}
)


def allowed(principal: Principal, action: Action, relation: Relation) -> bool:
    if principal.role is Role.ADMIN:
        return action not in FOR_ITSELF
    return principal.role in ALLOWED[action].get(relation, frozenset())


def may_ever(principal: Principal, action: Action) -> bool:
    """Whether the caller's role may do this to anything at all."""
    if principal.role is Role.ADMIN:
        return action not in FOR_ITSELF
    return any(principal.role in roles for roles in ALLOWED[action].values())


def _refused(principal: Principal, action: Action, relation: Relation) -> Forbidden:
    return Forbidden(f"{principal.role.value} ({relation.value}) may not {action.value}")


def authorise_role(principal: Principal, action: Action) -> None:
    """Before anything is read: a role that may never do this is told so (403)."""
    if not may_ever(principal, action):
        raise _refused(principal, action, Relation.ANY)


def authorise(
    principal: Principal, action: Action, relation: Relation, what: str, seen_through: Action | None = None
) -> None:
    """Refuse unless the table allows it: 403 if the caller sees the object, else 404."""
    if allowed(principal, action, relation):
        return
    seen_through = seen_through or SEEN_THROUGH.get(action)
    if (
        relation is Relation.ANY
        or action in CREATE
        or (seen_through is not None and allowed(principal, seen_through, relation))
    ):
        raise _refused(principal, action, relation)
    raise NotFound(f"{what} not found")


def relation_to(
    principal: Principal,
    *,
    authority: str | None = None,
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


@dataclass(frozen=True)
class Reach:
    """The objects a caller may list, as a query finds them: every one, or those whose
    contracting authority it is (`party`, or a lead assigned it: `coordinator`), those its
    nation takes part in (`nation`), those its company supplies (`supplier_id`); none else."""

    everything: bool = False
    party: str | None = None
    coordinator: str | None = None
    nation: str | None = None
    supplier_id: str | None = None

    @property
    def nothing(self) -> bool:
        return not (self.everything or self.party or self.coordinator or self.nation or self.supplier_id)


def reach(principal: Principal, *actions: Action, supplier_id: str | None = None) -> Reach:
    """What the table lets the caller do all of `actions` to, as a reach: a relation is
    reached where every action allows it. A closer relation is allowed wherever a farther
    one is (a participant where an outsider is, a supplier where any company is), so a list
    that holds every object for a farther relation leaves none out that a closer one
    would hide. `supplier_id` is the caller's own, if it is a company."""

    def ok(relation: Relation) -> bool:
        return all(allowed(principal, action, relation) for action in actions)

    if principal.role is Role.ADMIN:
        return Reach(everything=ok(Relation.ADMIN))
    if principal.role is Role.INDUSTRY:
        if ok(Relation.COMPANY):
            return Reach(everything=True)
        return Reach(supplier_id=supplier_id if ok(Relation.SUPPLIER) else None)
    if ok(Relation.OUTSIDER):
        return Reach(everything=True)
    lead = principal.party if ok(Relation.LEAD) else None
    return Reach(
        party=lead,
        coordinator=lead if principal.role is Role.COORDINATOR else None,
        nation=principal.nation if ok(Relation.PARTICIPANT) else None,
    )


def relation_to_supplier(principal: Principal, organisation: str) -> Relation:
    """A company's own registry entry is its own; to everyone else a supplier is a stranger."""
    if principal.role is Role.ADMIN:
        return Relation.ADMIN
    if principal.role is Role.INDUSTRY:
        return Relation.ITSELF if principal.organisation == organisation else Relation.COMPANY
    return Relation.OUTSIDER


def specification_view(harmonised: bool) -> Action:
    """Industry reads a specification once every nation agreed, not while they take position."""
    return Action.SPECIFICATION_VIEW_HARMONISED if harmonised else Action.SPECIFICATION_VIEW


def industry_org(principal: Principal) -> str | None:
    """The company the caller speaks for, if it is one: its supplier record is how it relates
    to procurements, contracts and call-offs."""
    return principal.organisation if principal.role is Role.INDUSTRY else None
