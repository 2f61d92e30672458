"""Pledges: money a nation pays toward a bundle or a fund, for a stated beneficiary. Who
may do what is the table of `demand.domain.access`: its nation's desk pledges, confirms
and withdraws; the lead of the bundle or fund records it paid; anyone else gets 404."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status

from bundling_shared.pagination import Page
from demand.domain.pledge import Pledge, PledgeStatus
from demand.entrypoints.deps import PAGE, CallerOf, Limit, Offset, PledgeId, Uow
from demand.entrypoints.idempotency import KeyHeader, keyed
from demand.entrypoints.schemas import ID_PATTERN, PledgeIn, PledgeOut, PledgeReadOut, ReasonIn
from demand.service_layer import pledges as handlers
from demand.service_layer.idempotency import IdempotencyKey
from demand.service_layer.unit_of_work import PledgeFilter

router = APIRouter(prefix="/pledges", tags=["money"])
IdFilter = Annotated[str | None, Query(pattern=ID_PATTERN)]


@router.post("", status_code=status.HTTP_201_CREATED, response_model=PledgeOut)
async def make_pledge(body: PledgeIn, uow: Uow, caller: CallerOf, idempotency_key: KeyHeader = None) -> Any:
    """A desk pledges an amount in EUR for its nation to a bundle or an open fund, for its
    own forces, Ukraine or another nation, without receiving quantities itself.

    With an `Idempotency-Key` header, repeating the request returns the first answer and
    pledges nothing more; the same key with another body is a 422.
    """
    if idempotency_key is None:
        return PledgeOut.of(await handlers.make_pledge(uow(), caller=caller, terms=body.terms()))
    key: IdempotencyKey[Pledge] = keyed(
        caller, idempotency_key, body, lambda pledge: PledgeOut.of(pledge).model_dump_json(), kind="pledge"
    )
    answer = await handlers.make_pledge_once(uow(), caller=caller, terms=body.terms(), key=key)
    return Response(answer.body, status_code=answer.status_code, media_type="application/json")


@router.get("", response_model=Page[PledgeOut])
async def list_pledges(
    uow: Uow,
    caller: CallerOf,
    bundle_id: IdFilter = None,
    fund_id: IdFilter = None,
    status_: Annotated[PledgeStatus | None, Query(alias="status")] = None,
    limit: Limit = PAGE,
    offset: Offset = 0,
) -> Page[PledgeOut]:
    """A desk's own nation's pledges; a coordinator's, those to the bundles and funds it leads."""
    f = PledgeFilter(bundle_id=bundle_id, fund_id=fund_id, status=status_)
    found, total = await handlers.list_pledges(uow(), caller=caller, f=f, limit=limit, offset=offset)
    return Page(items=[PledgeOut.of(p) for p in found], limit=limit, offset=offset, total=total)


@router.get("/{pledge_id}", response_model=PledgeReadOut)
async def read_pledge(pledge_id: PledgeId, uow: Uow, caller: CallerOf) -> PledgeReadOut:
    """The pledge and the totals of the bundle or fund it goes to."""
    return PledgeReadOut.of_view(await handlers.read_pledge(uow(), caller=caller, pledge_id=pledge_id))


@router.post("/{pledge_id}/confirm", response_model=PledgeOut)
async def confirm_pledge(pledge_id: PledgeId, uow: Uow, caller: CallerOf) -> PledgeOut:
    """The contributor commits the budget it pledged."""
    return PledgeOut.of(await handlers.confirm_pledge(uow(), caller=caller, pledge_id=pledge_id))


@router.post("/{pledge_id}/paid", response_model=PledgeOut)
async def record_payment(pledge_id: PledgeId, uow: Uow, caller: CallerOf) -> PledgeOut:
    """The lead of the bundle or fund records the confirmed amount as received."""
    return PledgeOut.of(await handlers.record_payment(uow(), caller=caller, pledge_id=pledge_id))


@router.post("/{pledge_id}/withdraw", response_model=PledgeOut)
async def withdraw_pledge(pledge_id: PledgeId, body: ReasonIn, uow: Uow, caller: CallerOf) -> PledgeOut:
    """The contributor takes its pledge back, with a reason, until it is paid."""
    return PledgeOut.of(await handlers.withdraw_pledge(uow(), caller=caller, pledge_id=pledge_id, reason=body.reason))
