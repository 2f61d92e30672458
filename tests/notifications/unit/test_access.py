"""The access table: who may act on which endpoints, and how a refusal answers."""

from __future__ import annotations

import pytest

from bundling_shared.access import Verdict
from bundling_shared.auth import Principal, Role
from bundling_shared.errors import Forbidden
from notifications.domain.access import (
    SUBSCRIBERS,
    Action,
    Relation,
    Scope,
    has_endpoints,
    registers_for,
    scope_of,
    verdict,
)
from notifications.domain.errors import NotTheirs
from tests.notifications.conftest import ADMIN, company, desk


def bearer_of(role: Role, *, nation: str | None = None, organisation: str | None = None) -> Principal:
    return Principal(
        subject=f"{role.value}:{nation or organisation}", role=role, nation=nation, organisation=organisation
    )


@pytest.mark.parametrize("action", [Action.READ_ENDPOINT, Action.MANAGE_ENDPOINT, Action.SEND_AGAIN])
def test_an_owner_and_the_administrator_act_on_an_endpoint_and_nobody_else_learns_it_exists(action: Action) -> None:
    assert verdict(Role.INDUSTRY, action, Relation.OWNER) is Verdict.ALLOWED
    assert verdict(Role.NATION_DESK, action, Relation.OWNER) is Verdict.ALLOWED
    assert verdict(Role.ADMIN, action, Relation.ADMIN) is Verdict.ALLOWED
    assert verdict(Role.INDUSTRY, action, Relation.OUTSIDER) is Verdict.HIDDEN
    assert verdict(Role.NATION_DESK, action, Relation.OUTSIDER) is Verdict.HIDDEN


def test_a_nations_coordinators_share_its_endpoints_and_an_agencys_have_the_agencys() -> None:
    dutch, nspa = bearer_of(Role.COORDINATOR, nation="NLD"), bearer_of(Role.COORDINATOR, organisation="NSPA")
    unknown = bearer_of(Role.COORDINATOR, organisation="ACME")
    assert Role.COORDINATOR in SUBSCRIBERS
    assert verdict(Role.COORDINATOR, Action.REGISTER_ENDPOINT, Relation.ANY) is Verdict.ALLOWED
    assert registers_for(dutch, nation="NLD", organisation=None) == Scope.nation("NLD")
    with pytest.raises(NotTheirs):
        registers_for(dutch, nation="DEU", organisation=None)
    assert registers_for(nspa, nation=None, organisation=None) == Scope.agency("NSPA")
    with pytest.raises(NotTheirs) as refused:
        registers_for(nspa, nation=None, organisation=None, agency="OCCAR")
    assert refused.value.field == "agency"
    assert has_endpoints(dutch) and has_endpoints(nspa) and not has_endpoints(unknown)
    with pytest.raises(Forbidden):
        scope_of(unknown)
    assert verdict(Role.COORDINATOR, Action.MANAGE_ENDPOINT, Relation.OUTSIDER) is Verdict.HIDDEN


def test_a_company_or_desk_registers_for_itself_only() -> None:
    assert registers_for(company("NAMMO"), nation=None, organisation=None) == Scope.industry("NAMMO")
    assert registers_for(desk("NLD"), nation="NLD", organisation=None) == Scope.nation("NLD")
    with pytest.raises(NotTheirs) as refused:
        registers_for(company("NAMMO"), nation=None, organisation="THALES")
    assert refused.value.field == "organisation"
    with pytest.raises(NotTheirs) as refused:
        registers_for(desk("NLD"), nation="DEU", organisation=None)
    assert refused.value.field == "nation"


def test_the_administrator_names_whom_it_registers_for() -> None:
    assert registers_for(ADMIN, nation="NLD", organisation=None) == Scope.nation("NLD")
    assert registers_for(ADMIN, nation=None, organisation=None, agency="NSPA") == Scope.agency("NSPA")
    with pytest.raises(NotTheirs) as refused:
        registers_for(ADMIN, nation=None, organisation=None, agency="ACME")
    assert refused.value.field == "agency"
    with pytest.raises(NotTheirs):
        registers_for(ADMIN, nation="NLD", organisation=None, agency="NSPA")
    assert registers_for(ADMIN, nation=None, organisation="NAMMO") == Scope.industry("NAMMO")
    with pytest.raises(NotTheirs, match="name the organisation, the nation or the agency"):
        registers_for(ADMIN, nation=None, organisation=None)
    with pytest.raises(NotTheirs, match="not nation and organisation"):
        registers_for(ADMIN, nation="NLD", organisation="NAMMO")
