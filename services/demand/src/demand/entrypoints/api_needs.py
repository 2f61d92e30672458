"""Needs: a nation desk registers, previews, amends, submits and withdraws its own."""

from __future__ import annotations

import hashlib
import json
from typing import Annotated, Any

from fastapi import APIRouter, Header, HTTPException, Query, Response, status
from sqlalchemy.exc import IntegrityError

from bundling_shared.auth import Principal, Role
from demand.domain.model import EndUser, NeedStatus
from demand.entrypoints.deps import (
    CallerOf,
    NeedLister,
    Registrar,
    Uow,
    budget_eur,
    caller_of,
    domain_errors,
    scope,
)
from demand.entrypoints.schemas import (
    ItemFilter,
    Limit,
    NationFilter,
    NeedAmendIn,
    NeedId,
    NeedIn,
    NeedOut,
    NeedVersionOut,
    Offset,
    Page,
    PreviewOut,
    WithdrawIn,
)
from demand.service_layer import needs as handlers
from demand.service_layer.unit_of_work import NeedFilter
from demand.service_layer.views import preview_need

router = APIRouter(prefix="/v1/needs", tags=["needs"])


def _command(body: NeedIn, principal: Principal) -> handlers.RegisterNeed:
    if principal.role is Role.NATION_DESK and body.nation != principal.nation:
        raise HTTPException(422, detail=f"a {principal.nation} desk cannot register a need for {body.nation}")
    return handlers.RegisterNeed(
        nation=body.nation,
        item_code=body.item_code,
        quantity=body.quantity,
        window_start=body.delivery_window.start,
        window_end=body.delivery_window.end,
        end_user=body.end_user,
        yearly=[y.domain() for y in body.yearly_quantities],
        recurring=body.recurring,
        budget_ceiling_eur=budget_eur(body.budget_ceiling),
        specification_ref=body.specification_ref,
        deviations=[d.domain() for d in body.deviations],
        priority=body.priority,
        preferred_funding=body.preferred_funding,
        draft=body.draft,
        registered_by=principal.subject,
    )


def _replay(answer: Any, fingerprint: str) -> Response:
    if answer.fingerprint != fingerprint:
        raise HTTPException(422, detail="this Idempotency-Key was used for a different request")
    return Response(answer.body, status_code=answer.status_code, media_type="application/json")


@router.post("", status_code=status.HTTP_201_CREATED, response_model=NeedOut)
async def register_need(
    body: NeedIn,
    uow: Uow,
    principal: Registrar,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> Any:
    """A nation desk registers a need; the aggregator bundles it with compatible needs.

    With an `Idempotency-Key` header, repeating the request returns the first answer and
    creates nothing more.
    """
    cmd = _command(body, principal)
    remember = None
    if idempotency_key is not None:
        fingerprint = hashlib.sha256(json.dumps(body.model_dump(mode="json"), sort_keys=True).encode()).hexdigest()
        answer = await handlers.replayed_answer(principal.party, idempotency_key, uow())
        if answer is not None:
            return _replay(answer, fingerprint)
        remember = handlers.Remember(
            principal.party, idempotency_key, fingerprint, lambda n: NeedOut.of(n).model_dump_json()
        )
    try:
        with domain_errors():
            need = await handlers.register_need(cmd, uow(), remember)
    except IntegrityError:
        # The same key raced in from a concurrent request: answer what that one answered.
        assert remember is not None
        assert idempotency_key is not None
        answer = await handlers.replayed_answer(principal.party, idempotency_key, uow())
        if answer is None:
            raise
        return _replay(answer, remember.fingerprint)
    return NeedOut.of(need)


@router.post("/preview", response_model=PreviewOut)
async def preview(body: NeedIn, uow: Uow, principal: Registrar) -> PreviewOut:
    """What if: which bundle would this need join, and what would it look like. Saves nothing.

    Of a bundle the desk is not in: totals and nation counts, no id and no nation."""
    cmd = _command(body, principal)
    with domain_errors():
        return PreviewOut.of(await preview_need(cmd, uow(), scope(principal)))


@router.get("", response_model=Page[NeedOut])
async def list_needs(
    uow: Uow,
    principal: NeedLister,
    status_: Annotated[NeedStatus | None, Query(alias="status")] = None,
    item_code: ItemFilter = None,
    nation: NationFilter = None,
    end_user: EndUser | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Page[NeedOut]:
    """The needs the caller may read: its nation's, and a lead's the needs in the bundles it leads."""
    f = NeedFilter(nation=nation, status=status_, item_code=item_code, end_user=end_user)
    found, total = await handlers.list_needs(f, caller_of(principal), limit, offset, uow())
    return Page(items=[NeedOut.of(n) for n in found], limit=limit, offset=offset, total=total)


@router.get("/{need_id}", response_model=NeedOut)
async def get_need(need_id: NeedId, uow: Uow, caller: CallerOf) -> NeedOut:
    with domain_errors():
        return NeedOut.of(await handlers.get_need(need_id, caller, uow()))


@router.get("/{need_id}/history", response_model=list[NeedVersionOut])
async def need_history(need_id: NeedId, uow: Uow, caller: CallerOf) -> list[NeedVersionOut]:
    """Every version of the need, oldest first, with who changed what."""
    with domain_errors():
        return [NeedVersionOut.of(v) for v in await handlers.need_history(need_id, caller, uow())]


def _changes(body: NeedAmendIn) -> dict[str, Any]:
    given = body.model_fields_set
    changes: dict[str, Any] = {}
    for name in ("quantity", "recurring", "end_user", "specification_ref", "priority", "preferred_funding"):
        if name in given:
            changes[name] = getattr(body, name)
    if "yearly_quantities" in given:
        changes["yearly"] = [y.domain() for y in body.yearly_quantities or []]
    if "deviations" in given:
        changes["deviations"] = [d.domain() for d in body.deviations or []]
    if "budget_ceiling" in given:
        changes["budget_ceiling_eur"] = budget_eur(body.budget_ceiling)
    if body.delivery_window is not None:
        changes["window_start"] = body.delivery_window.start
        changes["window_end"] = body.delivery_window.end
    for name in ("quantity", "recurring", "end_user", "priority"):
        if name in changes and changes[name] is None:
            raise HTTPException(422, detail=f"{name} cannot be emptied")
    return changes


@router.patch("/{need_id}", response_model=NeedOut)
async def amend_need(need_id: NeedId, body: NeedAmendIn, uow: Uow, caller: CallerOf) -> NeedOut:
    """Amend a need as a new version; a bundled need moves if it no longer fits its bundle."""
    changes = _changes(body)
    with domain_errors():
        return NeedOut.of(await handlers.amend_need(need_id, caller, changes, caller.subject, uow()))


@router.post("/{need_id}/submit", response_model=NeedOut)
async def submit_need(need_id: NeedId, uow: Uow, caller: CallerOf) -> NeedOut:
    with domain_errors():
        return NeedOut.of(await handlers.submit_need(need_id, caller, caller.subject, uow()))


@router.post("/{need_id}/withdraw", response_model=NeedOut)
async def withdraw_need(need_id: NeedId, body: WithdrawIn, uow: Uow, caller: CallerOf) -> NeedOut:
    with domain_errors():
        need = await handlers.withdraw_need(need_id, caller, body.reason, caller.subject, uow())
    return NeedOut.of(need)
