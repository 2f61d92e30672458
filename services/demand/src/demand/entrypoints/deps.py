"""What every route takes: the unit of work, the caller, and the shapes of ids, filters and
pages. Who may do what is decided by the table in `demand.domain.access`: a route on no
one object asks it for the caller's role before anything is read; a route on one bundle
or need passes the caller down, and its handler asks once it knows how the caller stands
to the object."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Path, Query, Request

from bundling_shared.auth import Principal, Role
from bundling_shared.auth.fastapi import current_principal, require_role
from bundling_shared.service_app import from_service
from bundling_shared.strict import CODE_PATTERN, Label
from demand.domain.access import Action, Caller, Relation, authorise
from demand.entrypoints.schemas import ID_PATTERN, BundleSummaryOut, KnownNation
from demand.service_layer.bundles import Summaries
from demand.service_layer.unit_of_work import UowFactory

PAGE, MAX_PAGE = 50, 100
"""Items a page holds by default and at most: a full page of needs, lines, trail entries or
versions stays well under 100 kB."""
BUNDLE_PAGE, MAX_BUNDLE_PAGE = 20, 40
"""The same for bundles, each a summary of up to a few kB (one entry per nation in it)."""
MAX_OFFSET = 1_000_000_000


def caller_of(principal: Principal) -> Caller:
    return Caller(principal.role, principal.nation, principal.organisation, principal.subject)


async def _caller(principal: Annotated[Principal, Depends(current_principal)]) -> Caller:
    return caller_of(principal)


def _allowed(action: Action) -> Callable[..., Awaitable[Caller]]:
    """A route acting on no one object: the table's verdict for the role alone."""

    async def dependency(principal: Annotated[Principal, Depends(current_principal)]) -> Caller:
        caller = caller_of(principal)
        authorise(caller, action, Relation.ANY)
        return caller

    return dependency


async def _desk(principal: Annotated[Principal, Depends(require_role(Role.NATION_DESK))]) -> Caller:
    """Acceding is a desk's act for its nation; the handler names the nation."""
    return caller_of(principal)


async def _bundle_summaries(request: Request) -> Summaries[BundleSummaryOut]:
    summaries: Summaries[BundleSummaryOut] = request.app.state.bundle_summaries
    return summaries


Uow = Annotated[UowFactory, Depends(from_service("uow"))]
BundleSummaries = Annotated[Summaries[BundleSummaryOut], Depends(_bundle_summaries)]
CallerOf = Annotated[Caller, Depends(_caller)]
Reader = Annotated[Caller, Depends(_allowed(Action.READ_REFERENCE))]
BundleLister = Annotated[Caller, Depends(_allowed(Action.LIST_BUNDLES))]
NeedLister = Annotated[Caller, Depends(_allowed(Action.LIST_NEEDS))]
Registrar = Annotated[Caller, Depends(_allowed(Action.REGISTER_NEED))]
Admin = Annotated[Caller, Depends(_allowed(Action.EDIT_CATALOGUE))]
Desk = Annotated[Caller, Depends(_desk)]

NeedId = Annotated[str, Path(pattern=ID_PATTERN, examples=["need-01a242be8d507241a657861ca236f598"])]
BundleId = Annotated[str, Path(pattern=ID_PATTERN, examples=["bundle-01a242be8d507241a657861ca236f598"])]
PledgeId = Annotated[str, Path(pattern=ID_PATTERN, examples=["pledge-01a242be8d507241a657861ca236f598"])]
FundId = Annotated[str, Path(pattern=ID_PATTERN, examples=["fund-01a242be8d507241a657861ca236f598"])]
ItemCode = Annotated[str, Path(max_length=80, pattern=CODE_PATTERN.pattern, examples=["AMMO-155MM"])]
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE, description=f"Items on the page, at most {MAX_PAGE}.")]
BundleLimit = Annotated[
    int, Query(ge=1, le=MAX_BUNDLE_PAGE, description=f"Bundles on the page, at most {MAX_BUNDLE_PAGE}.")
]
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET)]
ItemFilter = Annotated[str | None, Query(max_length=80, pattern=CODE_PATTERN.pattern)]
NationFilter = Annotated[KnownNation | None, Query(description="One nation's needs, alpha-3.")]
LineNationFilter = Annotated[KnownNation | None, Query(description="One nation's lines, alpha-3.")]
CategoryFilter = Annotated[Label | None, Query()]
