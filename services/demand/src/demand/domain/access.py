"""Who may do what in the demand service: one table, consulted by every route and handler.

A decision turns on the caller's role and on how the caller stands to the object (its
relation): the lead of a bundle runs it and sees it in full; a nation in it sees what
concerns that nation; everyone else learns nothing, not even that it exists. A coordinator
is therefore not a global role: it acts for its nation or agency, on the bundles that
nation or agency leads. A bundle's lead is the lead it was committed under, otherwise the
nominated lead, otherwise (while none is nominated) the nation with the largest share.

A refusal that would reveal that the object exists answers as if it did not (`NotFound`,
404); a caller who may see the object but not do this is told so (`Forbidden`, 403).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bundling_shared.access import AccessTable, Verdict
from bundling_shared.auth import Role
from bundling_shared.errors import Forbidden
from demand.domain.bundle import BundleState
from demand.domain.errors import InvalidNeed


class Relation(StrEnum):
    ADMIN = "admin"  # the platform's administrator: every object, in full
    LEAD = "lead"  # speaks for the lead of the bundle (or fund) the object is, is in, or goes to
    UNLED_NATION = "nation in a bundle without a nominated lead"
    NATION = "nation in the bundle, the need's own nation, a pledge's contributor or a fund's"
    OUTSIDER = "outsider"
    ANY = "any"  # an act on a collection or on reference data, not on one object


class Action(StrEnum):
    LIST_BUNDLES = "list bundles (each as READ_BUNDLE allows)"
    READ_BUNDLE = "read a bundle, its lines and its trail"
    READ_BUNDLE_IN_FULL = "read every nation's lines, participation, trail and value"
    ANSWER_PARTICIPATION = "confirm or decline for its nation"
    NOMINATE_LEAD = "nominate the lead"
    OPEN_FOR_ACCESSION = "open for accession"
    SET_DEADLINE = "move the deadline"
    PLAN_SME_SHARE = "plan the SME share"
    ESTIMATE_UNIT_PRICE = "estimate the unit price"
    CLOSE = "close"
    CANCEL = "cancel"
    COMMIT = "commit"
    REGISTER_NEED = "register or preview a need (for its own nation)"
    LIST_NEEDS = "list needs (each as READ_NEED allows)"
    READ_NEED = "read a need and its history"
    CHANGE_NEED = "amend, submit or withdraw a need"
    READ_REFERENCE = "read the catalogue, nations, funding rules and demand sheet"
    EDIT_CATALOGUE = "add or retire a catalogue item"
    MAKE_PLEDGE = "pledge money to a bundle or a fund (for its own nation)"
    LIST_PLEDGES = "list pledges (each as READ_PLEDGE allows)"
    READ_PLEDGE = "read a pledge"
    CHANGE_PLEDGE = "confirm or withdraw its nation's pledge"
    RECORD_PAYMENT = "record a pledge as paid to the bundle or fund it leads"
    OPEN_FUND = "open a fund it leads"
    LIST_FUNDS = "list funds"
    READ_FUND = "read a fund, its totals and what it bought"
    RUN_FUND = "buy with a fund or close it"


DESK, COORDINATOR, INDUSTRY, ADMIN = Role.NATION_DESK, Role.COORDINATOR, Role.INDUSTRY, Role.ADMIN
OUTSIDER = Relation.OUTSIDER
NATIONS_IN_IT = (Relation.LEAD, Relation.UNLED_NATION, Relation.NATION)
RUNNING = (
    Action.OPEN_FOR_ACCESSION,
    Action.SET_DEADLINE,
    Action.PLAN_SME_SHARE,
    Action.ESTIMATE_UNIT_PRICE,
    Action.CLOSE,
    Action.CANCEL,
    Action.COMMIT,
)

# The table: for each action and relation, the roles allowed. Whatever is not allowed is
# Hidden when the same caller may not read the object either, Forbidden otherwise.
ALLOWED: dict[Action, dict[Relation, frozenset[Role]]] = {
    Action.LIST_BUNDLES: {Relation.ANY: frozenset({DESK, COORDINATOR, ADMIN})},
    Action.READ_BUNDLE: {
        Relation.ADMIN: frozenset({ADMIN}),
        Relation.LEAD: frozenset({DESK, COORDINATOR}),
        Relation.UNLED_NATION: frozenset({DESK, COORDINATOR}),
        Relation.NATION: frozenset({DESK, COORDINATOR}),
    },
    Action.READ_BUNDLE_IN_FULL: {Relation.ADMIN: frozenset({ADMIN}), Relation.LEAD: frozenset({COORDINATOR})},
    Action.ANSWER_PARTICIPATION: {relation: frozenset({DESK}) for relation in NATIONS_IN_IT},
    Action.NOMINATE_LEAD: {
        Relation.ADMIN: frozenset({ADMIN}),
        Relation.LEAD: frozenset({COORDINATOR}),
        Relation.UNLED_NATION: frozenset({COORDINATOR}),
    },
    **{action: {Relation.ADMIN: frozenset({ADMIN}), Relation.LEAD: frozenset({COORDINATOR})} for action in RUNNING},
    Action.REGISTER_NEED: {Relation.ANY: frozenset({DESK, ADMIN})},
    Action.LIST_NEEDS: {Relation.ANY: frozenset({DESK, COORDINATOR, ADMIN})},
    Action.READ_NEED: {
        Relation.ADMIN: frozenset({ADMIN}),
        Relation.NATION: frozenset({DESK, COORDINATOR}),
        Relation.LEAD: frozenset({COORDINATOR}),
    },
    Action.CHANGE_NEED: {Relation.ADMIN: frozenset({ADMIN}), Relation.NATION: frozenset({DESK})},
    Action.READ_REFERENCE: {Relation.ANY: frozenset({DESK, COORDINATOR, ADMIN})},
    Action.EDIT_CATALOGUE: {Relation.ANY: frozenset({ADMIN})},
    # A pledge: its nation (the contributor) and the lead of the bundle or fund it goes to.
    Action.MAKE_PLEDGE: {Relation.ANY: frozenset({DESK, ADMIN})},
    Action.LIST_PLEDGES: {Relation.ANY: frozenset({DESK, COORDINATOR, ADMIN})},
    Action.READ_PLEDGE: {
        Relation.ADMIN: frozenset({ADMIN}),
        Relation.NATION: frozenset({DESK, COORDINATOR}),
        Relation.LEAD: frozenset({COORDINATOR}),
    },
    Action.CHANGE_PLEDGE: {Relation.ADMIN: frozenset({ADMIN}), Relation.NATION: frozenset({DESK})},
    Action.RECORD_PAYMENT: {Relation.ADMIN: frozenset({ADMIN}), Relation.LEAD: frozenset({COORDINATOR})},
    # A fund is announced to every nation, who may pay into it; its lead runs it.
    Action.OPEN_FUND: {Relation.ANY: frozenset({COORDINATOR, ADMIN})},
    Action.LIST_FUNDS: {Relation.ANY: frozenset({DESK, COORDINATOR, ADMIN})},
    Action.READ_FUND: {
        Relation.ADMIN: frozenset({ADMIN}),
        **{
            relation: frozenset({DESK, COORDINATOR}) for relation in (Relation.LEAD, Relation.NATION, Relation.OUTSIDER)
        },
    },
    Action.RUN_FUND: {Relation.ADMIN: frozenset({ADMIN}), Relation.LEAD: frozenset({COORDINATOR})},
}

# Whether a refusal of an action may admit that the object exists: only to one who may read it.
_READ = {action: Action.READ_BUNDLE for action in ALLOWED} | {
    Action.READ_NEED: Action.READ_NEED,
    Action.CHANGE_NEED: Action.READ_NEED,
    Action.READ_PLEDGE: Action.READ_PLEDGE,
    Action.CHANGE_PLEDGE: Action.READ_PLEDGE,
    Action.RECORD_PAYMENT: Action.READ_PLEDGE,
    Action.READ_FUND: Action.READ_FUND,
    Action.RUN_FUND: Action.READ_FUND,
}


@dataclass(frozen=True)
class Caller:
    """Who acts: a role and the nation or agency (organisation) it speaks for."""

    role: Role
    nation: str | None = None
    organisation: str | None = None
    subject: str = "unknown"

    @property
    def party(self) -> str | None:
        return self.nation or self.organisation


@dataclass(frozen=True)
class SeenBy:
    """A list limited to what one caller may read: what concerns `nation` (its needs, the
    bundles it is in) and what `lead` leads (those bundles and the needs in them)."""

    nation: str | None = None
    lead: str | None = None


def seen_by(caller: Caller, read: Action) -> SeenBy | None:
    """What a list shows `caller`: as the table lets it read one by one (None: everything)."""
    if may(caller, read, Relation.ADMIN):
        return None
    return SeenBy(
        nation=caller.nation if may(caller, read, Relation.NATION) else None,
        lead=caller.party if may(caller, read, Relation.LEAD) else None,
    )


TABLE = AccessTable(allowed=ALLOWED, reads=_READ, anything=Relation.ANY)
verdict = TABLE.verdict


def authorise(caller: Caller, action: Action, relation: Relation, what: str = "it") -> None:
    TABLE.authorise(caller.role, action, relation, what)


def registering_for(caller: Caller, nation: str) -> None:
    """A desk registers and previews needs for its own nation only. The nation is a field
    of the request a desk can correct, so this is refused as the request's rule (422)."""
    if caller.role is DESK and caller.nation != nation:
        raise InvalidNeed(f"a {caller.nation} desk cannot register a need for {nation}")


def limited_to(caller: Caller) -> str | None:
    """The nation whose view a caller has of what it is not in (a preview, who else operates
    an item): a desk's own; None for one who sees across nations."""
    return caller.nation if caller.role is DESK else None


def acting_nation(caller: Caller) -> str:
    """The nation a caller acts for where only a nation can act (an accession): its desk's."""
    if caller.role is not DESK or caller.nation is None:
        raise Forbidden("only a nation desk acts for its nation")
    return caller.nation


def may(caller: Caller, action: Action, relation: Relation) -> bool:
    return verdict(caller.role, action, relation) is Verdict.ALLOWED


def leader(bundle: BundleState) -> str | None:
    """Who leads the bundle now: the lead it was committed under, else the nominated
    lead, else the nation with the largest share."""
    return bundle.lead or bundle.proposed_lead


def to_bundle(caller: Caller, bundle: BundleState) -> Relation:
    if caller.role is ADMIN:
        return Relation.ADMIN
    if caller.party is not None and caller.party == leader(bundle):
        return Relation.LEAD
    if caller.nation is not None and bundle.share(caller.nation) is not None:
        return Relation.NATION if bundle.lead or bundle.nominated_lead else Relation.UNLED_NATION
    return Relation.OUTSIDER


def to_need(caller: Caller, nation: str, led_by: str | None) -> Relation:
    """`nation` the need's; `led_by` the lead of the bundle it is in, if any."""
    if caller.role is ADMIN:
        return Relation.ADMIN
    if caller.nation == nation:
        return Relation.NATION
    if caller.party is not None and caller.party == led_by:
        return Relation.LEAD
    return Relation.OUTSIDER


def view_of(caller: Caller, relation: Relation) -> str | None:
    """Whose lines, participation and trail a reader of a bundle sees: None for all of
    them, otherwise its own nation's."""
    return None if may(caller, Action.READ_BUNDLE_IN_FULL, relation) else caller.nation


def to_pledge(caller: Caller, nation: str, recipient_lead: str | None) -> Relation:
    """`nation` the contributor; `recipient_lead` the lead of the bundle or fund it goes to."""
    if caller.role is ADMIN:
        return Relation.ADMIN
    if caller.nation == nation:
        return Relation.NATION
    if caller.party is not None and caller.party == recipient_lead:
        return Relation.LEAD
    return Relation.OUTSIDER


def to_fund(caller: Caller, lead: str, contributors: tuple[str, ...]) -> Relation:
    if caller.role is ADMIN:
        return Relation.ADMIN
    if caller.party is not None and caller.party == lead:
        return Relation.LEAD
    if caller.nation is not None and caller.nation in contributors:
        return Relation.NATION
    return Relation.OUTSIDER
