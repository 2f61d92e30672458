"""The access table: who may act on which bundle or need, how a refusal answers, and what
a list shows each caller."""

from __future__ import annotations

import pytest

from bundling_shared.access import Verdict
from bundling_shared.auth import Role
from bundling_shared.errors import Forbidden, NotFound
from demand.domain.access import (
    Action,
    Relation,
    SeenBy,
    acting_nation,
    authorise,
    leader,
    limited_to,
    registering_for,
    seen_by,
    to_bundle,
    to_need,
    verdict,
)
from demand.domain.errors import InvalidNeed
from tests.demand.unit.examples import NOW, bundle_of, need
from tests.demand.unit.handlers import ADMIN, coordinator, desk


def test_a_bundle_is_run_by_its_lead_the_largest_share_until_one_is_nominated() -> None:
    bundle = bundle_of(need("NLD", 10, "VSRAT"), need("NOR", 40, "VSRAT"))
    assert leader(bundle) == "NOR"
    assert to_bundle(coordinator("NOR"), bundle) is Relation.LEAD
    assert to_bundle(desk("NLD"), bundle) is Relation.UNLED_NATION
    assert to_bundle(coordinator("DEU"), bundle) is Relation.OUTSIDER
    bundle.nominate("NSPA", NOW)
    assert to_bundle(coordinator("NSPA"), bundle) is Relation.LEAD
    assert to_bundle(coordinator("NOR"), bundle) is Relation.NATION
    assert to_bundle(ADMIN, bundle) is Relation.ADMIN


@pytest.mark.parametrize("action", [Action.COMMIT, Action.CANCEL, Action.OPEN_FOR_ACCESSION])
def test_a_nation_in_the_bundle_may_not_run_it_and_an_outsider_learns_nothing(action: Action) -> None:
    assert verdict(Role.COORDINATOR, action, Relation.LEAD) is Verdict.ALLOWED
    assert verdict(Role.NATION_DESK, action, Relation.LEAD) is Verdict.FORBIDDEN
    assert verdict(Role.COORDINATOR, action, Relation.NATION) is Verdict.FORBIDDEN
    assert verdict(Role.COORDINATOR, action, Relation.OUTSIDER) is Verdict.HIDDEN
    with pytest.raises(NotFound, match="bundle b-1 not found"):
        authorise(coordinator("DEU"), action, Relation.OUTSIDER, "bundle b-1")
    with pytest.raises(Forbidden, match="may not"):
        authorise(desk("NLD"), action, Relation.NATION, "bundle b-1")


def test_a_need_is_read_by_its_nation_and_the_lead_of_its_bundle_and_changed_by_its_desk() -> None:
    assert to_need(desk("NLD"), "NLD", led_by=None) is Relation.NATION
    assert to_need(coordinator("NSPA"), "NLD", led_by="NSPA") is Relation.LEAD
    assert verdict(Role.COORDINATOR, Action.READ_NEED, Relation.LEAD) is Verdict.ALLOWED
    assert verdict(Role.COORDINATOR, Action.CHANGE_NEED, Relation.LEAD) is Verdict.FORBIDDEN
    assert verdict(Role.NATION_DESK, Action.CHANGE_NEED, Relation.OUTSIDER) is Verdict.HIDDEN


def test_a_list_shows_what_the_caller_may_read_one_by_one() -> None:
    assert seen_by(ADMIN, Action.READ_BUNDLE) is None
    assert seen_by(desk("NLD"), Action.READ_NEED) == SeenBy(nation="NLD", lead=None)
    assert seen_by(coordinator("NSPA"), Action.READ_NEED) == SeenBy(nation=None, lead="NSPA")
    assert seen_by(coordinator("NLD"), Action.READ_BUNDLE) == SeenBy(nation="NLD", lead="NLD")


def test_a_desk_acts_for_its_own_nation_only() -> None:
    registering_for(desk("NLD"), "NLD")
    registering_for(ADMIN, "CZE")
    with pytest.raises(InvalidNeed, match="a NLD desk cannot register a need for CZE"):
        registering_for(desk("NLD"), "CZE")
    assert acting_nation(desk("NLD")) == "NLD"
    for caller in (ADMIN, coordinator("NLD")):
        with pytest.raises(Forbidden, match="only a nation desk acts for its nation"):
            acting_nation(caller)
    assert (limited_to(desk("NLD")), limited_to(coordinator("NLD")), limited_to(ADMIN)) == ("NLD", None, None)
