"""A company's or a nation's desk's webhook endpoints: registered, read, changed, paused,
resumed, rotated and deleted by their owner (or the administrator), each act allowed by
the table in `domain/access.py`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import timedelta
from typing import Any

from bundling_shared.auth import Principal
from bundling_shared.errors import NotFound
from notifications.domain.access import Action, Relation, authorise, registers_for, scope_of, to_endpoint
from notifications.domain.endpoint import Endpoint
from notifications.service_layer.unit_of_work import AttemptFilter, Listed, UnitOfWork, UrlGuard


@dataclass(frozen=True)
class RegisterEndpoint:
    """`organisation`, `nation` or `agency`: whom the endpoint is for, when the caller names
    it (the administrator must; a company, desk or agency coordinator may name only itself)."""

    url: str
    description: str
    event_types: tuple[str, ...]
    item_categories: tuple[str, ...] = ()
    rate_limit_per_second: int | None = None
    organisation: str | None = None
    nation: str | None = None
    agency: str | None = None

    def subscription(self) -> dict[str, Any]:
        """What the endpoint hears and how; whom it is for, the access table decides."""
        return {k: v for k, v in asdict(self).items() if k not in ("organisation", "nation", "agency")}


@dataclass(frozen=True)
class ChangeSubscription:
    description: str | None = None
    event_types: tuple[str, ...] | None = None
    item_categories: tuple[str, ...] | None = None
    rate_limit_per_second: int | None = None
    unlimited: bool = False


async def register_endpoint(uow: UnitOfWork, *, caller: Principal, cmd: RegisterEndpoint, guard: UrlGuard) -> Endpoint:
    """Refuses an unsafe URL now, while its owner is there to read why (it is checked again
    before every delivery, since DNS answers change)."""
    authorise(caller, Action.REGISTER_ENDPOINT, Relation.ANY)
    owner = registers_for(caller, nation=cmd.nation, organisation=cmd.organisation, agency=cmd.agency)
    endpoint = Endpoint.register(organisation=owner.organisation, owner=owner.owner, **cmd.subscription())
    await guard.check(cmd.url)
    async with uow:
        uow.endpoints.add(endpoint)
        await uow.commit()
    return endpoint


async def owned(uow: UnitOfWork, caller: Principal, endpoint_id: str, action: Action) -> Endpoint:
    """The endpoint if the table allows `caller` this `action` on it: another owner's
    endpoint is reported absent, its existence is not the caller's to learn."""
    what = f"endpoint {endpoint_id}"
    endpoint = await uow.endpoints.get(endpoint_id)
    if endpoint is None:
        raise NotFound(f"{what} not found")
    authorise(caller, action, to_endpoint(caller, endpoint), what)
    return endpoint


async def get_endpoint(uow: UnitOfWork, *, caller: Principal, endpoint_id: str) -> Endpoint:
    async with uow:
        return await owned(uow, caller, endpoint_id, Action.READ_ENDPOINT)


async def list_endpoints(
    uow: UnitOfWork, *, caller: Principal, limit: int, offset: int
) -> tuple[Sequence[Listed], int]:
    """The caller's own endpoints (the administrator's: all of them), and how many there are."""
    authorise(caller, Action.LIST_ENDPOINTS, Relation.ANY)
    scope = scope_of(caller)
    async with uow:
        return await uow.endpoints.page(scope, limit, offset)


async def _manage(
    uow: UnitOfWork, caller: Principal, endpoint_id: str, change: Callable[[Endpoint], object]
) -> Endpoint:
    async with uow:
        endpoint = await owned(uow, caller, endpoint_id, Action.MANAGE_ENDPOINT)
        change(endpoint)
        await uow.commit()
    return endpoint


async def pause_endpoint(uow: UnitOfWork, *, caller: Principal, endpoint_id: str) -> Endpoint:
    return await _manage(uow, caller, endpoint_id, Endpoint.pause)


async def resume_endpoint(uow: UnitOfWork, *, caller: Principal, endpoint_id: str) -> Endpoint:
    return await _manage(uow, caller, endpoint_id, Endpoint.resume)


async def change_subscription(
    uow: UnitOfWork, *, caller: Principal, endpoint_id: str, cmd: ChangeSubscription
) -> Endpoint:
    """Applies to messages made from now on; deliveries already made are not revisited."""
    return await _manage(
        uow,
        caller,
        endpoint_id,
        lambda endpoint: endpoint.change_subscription(
            description=cmd.description,
            event_types=cmd.event_types,
            item_categories=cmd.item_categories,
            rate_limit_per_second=cmd.rate_limit_per_second,
            unlimited=cmd.unlimited,
        ),
    )


async def delete_endpoint(uow: UnitOfWork, *, caller: Principal, endpoint_id: str) -> None:
    async with uow:
        endpoint = await owned(uow, caller, endpoint_id, Action.MANAGE_ENDPOINT)
        await uow.endpoints.delete(endpoint)
        await uow.commit()


async def rotate_secret(uow: UnitOfWork, *, caller: Principal, endpoint_id: str, overlap: timedelta) -> Endpoint:
    return await _manage(uow, caller, endpoint_id, lambda endpoint: endpoint.rotate_secret(uow.clock.now(), overlap))


async def endpoint_attempts(
    uow: UnitOfWork,
    *,
    caller: Principal,
    endpoint_id: str,
    limit: int,
    offset: int,
    where: AttemptFilter | None = None,
) -> tuple[Sequence[Listed], int]:
    """One page of the attempt log, and how many attempts the filter lets through."""
    async with uow:
        await owned(uow, caller, endpoint_id, Action.READ_ENDPOINT)
        return await uow.attempts.page(endpoint_id, where or AttemptFilter(), limit, offset)
