"""A list is found by the database from what the access table lets the caller see
(`contracts.domain.access.reach`): those it leads, takes part in or supplies, or every one.
That holds only while a closer relation is allowed wherever a farther one is; the table is
held to it here, so that a change to it cannot make a list show what the object hides."""

from __future__ import annotations

from itertools import pairwise

import pytest

from bundling_shared.auth import Principal, Role
from contracts.domain.access import ALLOWED, Action, Reach, Relation, reach

R = Relation
CHAINS = {
    # objects with a lead: a contract, its lots, a framework
    **dict.fromkeys(
        (Action.CONTRACT_VIEW, Action.CONTRACT_VIEW_ALL, Action.LOTS_VIEW, Action.FRAMEWORK_VIEW),
        ((R.OUTSIDER, R.PARTICIPANT, R.LEAD), (R.COMPANY, R.SUPPLIER)),
    ),
    # a specification: its nations, and everyone else
    **dict.fromkeys((Action.SPECIFICATION_VIEW, Action.SPECIFICATION_VIEW_HARMONISED), ((R.OUTSIDER, R.PARTICIPANT),)),
    # a registry entry: a company's own, and everyone else
    Action.SUPPLIER_VIEW: ((R.COMPANY, R.ITSELF),),
}
"""Per action a list or a report is read through, the relations its objects can stand in,
from the farthest to the closest."""

DESK = Principal(subject="desk:NLD", role=Role.NATION_DESK, nation="NLD")
AGENCY = Principal(subject="coordinator:NSPA", role=Role.COORDINATOR, organisation="NSPA")
COMPANY = Principal(subject="industry:NAMMO", role=Role.INDUSTRY, organisation="NAMMO")
ADMIN = Principal(subject="admin", role=Role.ADMIN)


@pytest.mark.parametrize("action", CHAINS, ids=lambda a: a.name)
def test_a_relation_closer_than_an_allowed_one_is_allowed_too(action: Action) -> None:
    row = ALLOWED[action]
    for chain in CHAINS[action]:
        for farther, closer in pairwise(chain):
            assert row.get(farther, frozenset()) <= row.get(closer, frozenset()), f"{farther} -> {closer}"


def test_each_caller_reaches_what_it_leads_takes_part_in_or_supplies() -> None:
    assert reach(DESK, Action.CONTRACT_VIEW) == Reach(party="NLD", nation="NLD")
    assert reach(AGENCY, Action.FRAMEWORK_VIEW) == Reach(party="NSPA", coordinator="NSPA")
    assert reach(COMPANY, Action.CONTRACT_VIEW, supplier_id="sup-1") == Reach(supplier_id="sup-1")
    assert reach(ADMIN, Action.CONTRACT_VIEW) == Reach(everything=True)


def test_a_report_reaches_whole_what_every_action_it_needs_allows() -> None:
    assert reach(DESK, Action.LOTS_VIEW, Action.CONTRACT_VIEW_ALL) == Reach(party="NLD")
    assert reach(COMPANY, Action.LOTS_VIEW, Action.CONTRACT_VIEW_ALL, supplier_id="s") == Reach(supplier_id="s")


def test_a_registry_everyone_may_read_is_reached_whole_and_one_no_one_may_not_at_all() -> None:
    assert reach(COMPANY, Action.SPECIFICATION_VIEW_HARMONISED) == Reach(everything=True)
    assert reach(AGENCY, Action.SPECIFICATION_VIEW) == Reach(everything=True)
    assert reach(COMPANY, Action.SPECIFICATION_VIEW).nothing
    assert reach(DESK, Action.SUPPLIER_VIEW).nothing
    assert reach(ADMIN, Action.FRAMEWORK_CALL_OFF).nothing  # an admin speaks for no nation
