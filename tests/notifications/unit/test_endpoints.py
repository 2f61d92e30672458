"""Managing endpoints through the handlers, on a unit of work in memory."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bundling_shared.auth import Principal, Role
from bundling_shared.errors import Forbidden, NotFound
from notifications.adapters.url_guard import DnsUrlGuard
from notifications.domain.endpoint import Endpoint, EndpointStatus, Owner
from notifications.domain.errors import InvalidEndpoint, NotTheirs
from notifications.domain.url_safety import UnsafeUrl
from notifications.service_layer import endpoints
from tests.notifications.conftest import ADMIN, FakeClock, company, desk
from tests.notifications.unit.fakes import FakeUnitOfWork

HOOK = "https://hooks.example-defence.eu/"


async def register(
    uow: FakeUnitOfWork,
    guard: DnsUrlGuard,
    caller: Principal,
    url: str = HOOK,
    *,
    organisation: str | None = None,
    nation: str | None = None,
) -> Endpoint:
    cmd = endpoints.RegisterEndpoint(url=url, description="", event_types=(), organisation=organisation, nation=nation)
    return await endpoints.register_endpoint(uow, caller=caller, cmd=cmd, guard=guard)


async def test_a_company_registers_for_itself_and_a_desk_for_its_nation(
    uow: FakeUnitOfWork, guard: DnsUrlGuard
) -> None:
    nammo = await register(uow, guard, company("NAMMO"))
    nld = await register(uow, guard, desk("NLD"), nation="NLD")
    assert (nammo.organisation, nammo.owner) == ("NAMMO", Owner.INDUSTRY)
    assert (nld.organisation, nld.owner) == ("NLD", Owner.NATION)
    assert set(uow.endpoints.rows) == {nammo.id, nld.id}


async def test_nothing_is_kept_of_a_refused_registration(uow: FakeUnitOfWork, guard: DnsUrlGuard) -> None:
    with pytest.raises(NotTheirs):
        await register(uow, guard, company("NAMMO"), organisation="THALES")
    with pytest.raises(UnsafeUrl, match=r"169\.254\.169\.254"):
        await register(uow, guard, company("NAMMO"), url="https://metadata.internal/")
    assert uow.endpoints.rows == {}


async def test_another_owners_endpoint_is_absent_for_every_act_and_the_administrator_sees_it(
    uow: FakeUnitOfWork, guard: DnsUrlGuard
) -> None:
    theirs = await register(uow, guard, company("THALES"))
    for caller in (company("NAMMO"), desk("NLD")):
        with pytest.raises(NotFound, match=f"endpoint {theirs.id} not found"):
            await endpoints.get_endpoint(uow, caller=caller, endpoint_id=theirs.id)
        with pytest.raises(NotFound):
            await endpoints.pause_endpoint(uow, caller=caller, endpoint_id=theirs.id)
        with pytest.raises(NotFound):
            await endpoints.delete_endpoint(uow, caller=caller, endpoint_id=theirs.id)
    assert theirs.status is EndpointStatus.ACTIVE
    paused = await endpoints.pause_endpoint(uow, caller=ADMIN, endpoint_id=theirs.id)
    assert paused.status is EndpointStatus.PAUSED


async def test_each_caller_lists_its_own_endpoints_and_how_many_there_are(
    uow: FakeUnitOfWork, guard: DnsUrlGuard
) -> None:
    mine = [await register(uow, guard, company("NAMMO")) for _ in range(3)]
    await register(uow, guard, company("THALES"))
    found, total = await endpoints.list_endpoints(uow, caller=company("NAMMO"), limit=2, offset=0)
    assert total == 3
    assert {e["id"] for e in found} <= {e.id for e in mine} and len(found) == 2
    assert (await endpoints.list_endpoints(uow, caller=ADMIN, limit=10, offset=0))[1] == 4


async def test_an_agencys_coordinators_share_its_endpoints_and_a_nations_share_its_desks(
    uow: FakeUnitOfWork, guard: DnsUrlGuard
) -> None:
    coordinator = Principal(subject="coordinator:NSPA", role=Role.COORDINATOR, organisation="NSPA")
    colleague = Principal(subject="coordinator:NSPA:2", role=Role.COORDINATOR, organisation="NSPA")
    agencys = await register(uow, guard, coordinator)
    seen, _ = await endpoints.list_endpoints(uow, caller=colleague, limit=10, offset=0)
    assert agencys.owner is Owner.AGENCY and [e["id"] for e in seen] == [agencys.id]
    stranger = Principal(subject="coordinator:ACME", role=Role.COORDINATOR, organisation="ACME")
    with pytest.raises(Forbidden):
        await endpoints.list_endpoints(uow, caller=stranger, limit=10, offset=0)
    dutch = Principal(subject="coordinator:NLD", role=Role.COORDINATOR, nation="NLD")
    registered = await register(uow, guard, dutch, nation="NLD")
    seen, _ = await endpoints.list_endpoints(uow, caller=desk("NLD"), limit=10, offset=0)
    # The nation's endpoint, whoever of it registered it.
    assert registered.owner is Owner.NATION and [e["id"] for e in seen] == [registered.id]


async def test_a_rotation_keeps_the_old_secret_for_the_overlap_by_the_services_clock(
    uow: FakeUnitOfWork, guard: DnsUrlGuard, clock: FakeClock
) -> None:
    endpoint = await register(uow, guard, company("NAMMO"))
    old = endpoint.secret
    clock.advance(timedelta(days=3))
    rotated = await endpoints.rotate_secret(
        uow, caller=company("NAMMO"), endpoint_id=endpoint.id, overlap=timedelta(hours=24)
    )
    assert rotated.previous_secret == old and rotated.secret != old
    assert rotated.previous_secret_expires_at == clock.now() + timedelta(hours=24)


async def test_a_change_of_subscription_is_checked_as_a_registration_is(
    uow: FakeUnitOfWork, guard: DnsUrlGuard
) -> None:
    endpoint = await register(uow, guard, desk("NLD"), nation="NLD")
    change = endpoints.ChangeSubscription(event_types=("award.decided",))
    with pytest.raises(InvalidEndpoint, match="unknown event types"):
        await endpoints.change_subscription(uow, caller=desk("NLD"), endpoint_id=endpoint.id, cmd=change)
    changed = await endpoints.change_subscription(
        uow, caller=desk("NLD"), endpoint_id=endpoint.id, cmd=endpoints.ChangeSubscription(rate_limit_per_second=5)
    )
    assert changed.rate_limit_per_second == 5
