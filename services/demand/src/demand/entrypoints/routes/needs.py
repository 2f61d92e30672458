"""Needs: a nation desk registers, previews, amends, submits and withdraws its own."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status

from bundling_shared.pagination import Page
from demand.domain.need import EndUser, Need, NeedStatus
from demand.entrypoints.deps import (
    PAGE,
    CallerOf,
    ItemFilter,
    Limit,
    NationFilter,
    NeedId,
    NeedLister,
    Offset,
    Registrar,
    Uow,
)
from demand.entrypoints.idempotency import KeyHeader, keyed
from demand.entrypoints.schemas import NeedAmendIn, NeedIn, NeedOut, NeedVersionOut, PreviewOut, WithdrawIn
from demand.service_layer import needs as handlers
from demand.service_layer.idempotency import IdempotencyKey
from demand.service_layer.unit_of_work import NeedFilter
from demand.service_layer.views import preview_need

router = APIRouter(prefix="/needs", tags=["needs"])


@router.post("", status_code=status.HTTP_201_CREATED, response_model=NeedOut)
async def register_need(
    body: NeedIn,
    uow: Uow,
    caller: Registrar,
    idempotency_key: KeyHeader = None,
) -> Any:
    """A nation desk registers a need; the aggregator bundles it with compatible needs.

    With an `Idempotency-Key` header, repeating the request returns the first answer and
    creates nothing more.
    """
    if idempotency_key is None:
        return NeedOut.of(await handlers.register_need(uow(), caller=caller, terms=body.terms(), draft=body.draft))
    key: IdempotencyKey[Need] = keyed(caller, idempotency_key, body, lambda need: NeedOut.of(need).model_dump_json())
    answer = await handlers.register_need_once(uow(), caller=caller, terms=body.terms(), draft=body.draft, key=key)
    return Response(answer.body, status_code=answer.status_code, media_type="application/json")


@router.post("/preview", response_model=PreviewOut)
async def preview(body: NeedIn, uow: Uow, caller: Registrar) -> PreviewOut:
    """What if: which bundle would this need join, and what would it look like. Saves nothing.

    Of a bundle the desk is not in: totals and nation counts, no id and no nation."""
    return PreviewOut.of(await preview_need(uow(), caller=caller, terms=body.terms()))


@router.get("", response_model=Page[NeedOut])
async def list_needs(
    uow: Uow,
    caller: NeedLister,
    status_: Annotated[NeedStatus | None, Query(alias="status")] = None,
    item_code: ItemFilter = None,
    nation: NationFilter = None,
    end_user: EndUser | None = None,
    limit: Limit = PAGE,
    offset: Offset = 0,
) -> Page[NeedOut]:
    """The needs the caller may read: its nation's, and a lead's the needs in the bundles it leads."""
    f = NeedFilter(nation=nation, status=status_, item_code=item_code, end_user=end_user)
    found, total = await handlers.list_needs(uow(), caller=caller, f=f, limit=limit, offset=offset)
    return Page(items=[NeedOut.of(n) for n in found], limit=limit, offset=offset, total=total)


@router.get("/{need_id}", response_model=NeedOut)
async def get_need(need_id: NeedId, uow: Uow, caller: CallerOf) -> NeedOut:
    return NeedOut.of(await handlers.get_need(uow(), caller=caller, need_id=need_id))


@router.get("/{need_id}/history", response_model=Page[NeedVersionOut])
async def need_history(
    need_id: NeedId, uow: Uow, caller: CallerOf, limit: Limit = PAGE, offset: Offset = 0
) -> Page[NeedVersionOut]:
    """Every version of the need, oldest first, with who changed what."""
    found, total = await handlers.need_history(uow(), caller=caller, need_id=need_id, limit=limit, offset=offset)
    items = [NeedVersionOut.model_validate(v, from_attributes=True) for v in found]
    return Page(items=items, limit=limit, offset=offset, total=total)


@router.patch("/{need_id}", response_model=NeedOut)
async def amend_need(need_id: NeedId, body: NeedAmendIn, uow: Uow, caller: CallerOf) -> NeedOut:
    """Amend a need as a new version; a bundled need moves if it no longer fits its bundle."""
    changes = body.changes()
    return NeedOut.of(await handlers.amend_need(uow(), caller=caller, need_id=need_id, changes=changes))


@router.post("/{need_id}/submit", response_model=NeedOut)
async def submit_need(need_id: NeedId, uow: Uow, caller: CallerOf) -> NeedOut:
    return NeedOut.of(await handlers.submit_need(uow(), caller=caller, need_id=need_id))


@router.post("/{need_id}/withdraw", response_model=NeedOut)
async def withdraw_need(need_id: NeedId, body: WithdrawIn, uow: Uow, caller: CallerOf) -> NeedOut:
    return NeedOut.of(await handlers.withdraw_need(uow(), caller=caller, need_id=need_id, reason=body.reason))
