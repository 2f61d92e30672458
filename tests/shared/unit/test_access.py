"""How a service's access table is read: allowed, refused openly, or hidden as absent."""

from __future__ import annotations

from enum import StrEnum

import pytest

from bundling_shared.access import AccessTable, Verdict
from bundling_shared.auth import Role
from bundling_shared.errors import Forbidden, NotFound


class Action(StrEnum):
    READ = "read the order"
    AMEND = "amend the order"
    LIST = "list orders"


class Relation(StrEnum):
    OWN = "own"
    OTHER = "other"
    ANY = "-"


TABLE = AccessTable(
    allowed={
        Action.READ: {Relation.OWN: frozenset({Role.NATION_DESK, Role.COORDINATOR})},
        Action.AMEND: {Relation.OWN: frozenset({Role.NATION_DESK})},
        Action.LIST: {Relation.ANY: frozenset({Role.NATION_DESK})},
    },
    reads={Action.READ: Action.READ, Action.AMEND: Action.READ, Action.LIST: Action.LIST},
    anything=Relation.ANY,
)


def test_a_role_the_table_names_is_allowed() -> None:
    assert TABLE.verdict(Role.NATION_DESK, Action.AMEND, Relation.OWN) is Verdict.ALLOWED


def test_one_who_may_read_the_object_is_told_it_may_not_act() -> None:
    assert TABLE.verdict(Role.COORDINATOR, Action.AMEND, Relation.OWN) is Verdict.FORBIDDEN
    with pytest.raises(Forbidden, match=r"a coordinator \(own\) may not amend the order"):
        TABLE.authorise(Role.COORDINATOR, Action.AMEND, Relation.OWN)


def test_one_who_may_not_read_the_object_learns_nothing_of_it() -> None:
    assert TABLE.verdict(Role.NATION_DESK, Action.AMEND, Relation.OTHER) is Verdict.HIDDEN
    with pytest.raises(NotFound, match="order 7 not found"):
        TABLE.authorise(Role.NATION_DESK, Action.AMEND, Relation.OTHER, "order 7")


def test_an_action_on_no_one_object_is_refused_openly() -> None:
    assert TABLE.verdict(Role.INDUSTRY, Action.LIST, Relation.ANY) is Verdict.FORBIDDEN
