"""Contracts from joint orders: nations see their own lines of those they take part in, a
supplier its own contracts, the lead everything of what it leads."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, status

from bundling_shared.auth import Principal, Role
from bundling_shared.auth.fastapi import CurrentPrincipal
from bundling_shared.problems import MEDIA_TYPE, ProblemError
from contracts.domain.model import CommitmentRefusal, Contract, ContractMode
from contracts.entrypoints.routes.deps import MAX_OFFSET, PathId, Uow
from contracts.entrypoints.schemas import ContractModeIn, ContractOut, ContractPage
from contracts.service_layer.authorisation import Action, Relation, allowed, authorise, relation_to

router = APIRouter(tags=["contracts"])

NOT_CONTRACTED: dict[int | str, dict[str, Any]] = {
    409: {
        "description": "The joint order or framework was committed but a rule of the contract refuses it: the "
        "detail names the rule. Told only to those who would see its contract.",
        "content": {MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
}


def _seen_as(contract: Contract, principal: Principal, supplier_id: str | None) -> str | bool | None:
    """False: the caller may not see the contract; None: it sees every line; else the
    nation whose line it sees beside the partners' totals."""
    relation = relation_to(
        principal,
        authority=contract.contracting_authority,
        nations=contract.nations,
        suppliers=[contract.supplier_id] if contract.supplier_id else [],
        supplier_id=supplier_id,
    )
    if not allowed(principal, Action.CONTRACT_VIEW, relation):
        return False
    return None if allowed(principal, Action.CONTRACT_VIEW_ALL, relation) else principal.nation


def _out(contract: Contract, principal: Principal, supplier_id: str | None) -> ContractOut | None:
    seen = _seen_as(contract, principal, supplier_id)
    return None if seen is False else ContractOut.of(contract, seen if isinstance(seen, str) else None)


@router.get("/contracts", response_model=ContractPage)
async def list_contracts(
    uow: Uow,
    principal: CurrentPrincipal,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> ContractPage:
    async with uow() as u:
        found = await u.contracts.list(limit, offset)
        own = await u.suppliers.by_organisation(principal.organisation) if principal.organisation else None
    own_id = own.id if own else None
    seen = [_out(c, principal, own_id) for c in found]
    return ContractPage(items=[c for c in seen if c is not None], limit=limit, offset=offset)


@router.get("/contracts/{contract_id}", response_model=ContractOut)
async def get_contract(contract_id: PathId, uow: Uow, principal: CurrentPrincipal) -> ContractOut:
    """The lead, its supplier and admin see every line; a nation in it its own line and the
    totals (quantity, nations); others nothing."""
    async with uow() as u:
        contract = await u.contracts.get(contract_id)
        own = await u.suppliers.by_organisation(principal.organisation) if principal.organisation else None
    seen = _out(contract, principal, own.id if own else None) if contract else None
    if seen is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"contract {contract_id} not found")
    return seen


def _refused(refusal: CommitmentRefusal | None, principal: Principal) -> None:
    """A commitment that could not be contracted answers 409 with its reason, to those who
    would see its contract (its lead, its nations, admin); for others it does not exist."""
    if refusal is None:
        return
    relation = relation_to(principal, authority=refusal.lead, nations=refusal.nations)
    if allowed(principal, Action.CONTRACT_VIEW, relation):
        raise ProblemError(
            status.HTTP_409_CONFLICT, refusal.explained, field="path.bundle_id", rule="commitment_not_contracted"
        )


@router.get("/joint-orders/{bundle_id}/contract", response_model=ContractOut, responses=NOT_CONTRACTED)
async def contract_of_joint_order(bundle_id: PathId, uow: Uow, principal: CurrentPrincipal) -> ContractOut:
    """The contract a committed bundle became, once the event has been processed; in
    per-buyer mode the first one the caller may see. A committed joint order or framework
    that a rule of the contract refuses answers 409 naming the rule."""
    found = await contracts_of_joint_order(bundle_id, uow, principal)
    if not found:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no contract for joint order {bundle_id}")
    return found[0]


@router.get("/joint-orders/{bundle_id}/contracts", response_model=list[ContractOut], responses=NOT_CONTRACTED)
async def contracts_of_joint_order(bundle_id: PathId, uow: Uow, principal: CurrentPrincipal) -> list[ContractOut]:
    """All contracts of a joint order: one, or one per buying nation; 409 naming the rule
    when the committed joint order or framework could not be contracted."""
    async with uow() as u:
        found = await u.contracts.all_for_bundle(bundle_id)
        own = await u.suppliers.by_organisation(principal.organisation) if principal.organisation else None
        refusal = None if found else await u.contracts.refusal_for(bundle_id)
    _refused(refusal, principal)
    seen = [c for c in (_out(c, principal, own.id if own else None) for c in found) if c is not None]
    if not seen:  # as the single contract does: a joint order the caller has no part in does not exist for it
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no contract for joint order {bundle_id}")
    return seen


@router.put("/joint-orders/{bundle_id}/contract-mode", status_code=status.HTTP_204_NO_CONTENT)
async def set_contract_mode(bundle_id: PathId, body: ContractModeIn, uow: Uow, principal: CurrentPrincipal) -> None:
    """Before the joint order is committed: one contract with a line per nation (default)
    or one contract per buying nation, decided by the lead's coordinators (the lead as the
    demand service named it when opening the bundle) or admin. For a coordinator of another
    nation or agency, or before contracts knows the lead, the joint order does not exist."""
    authorise(principal, Action.CONTRACT_SET_MODE, Relation.ANY, f"joint order {bundle_id}")
    async with uow() as u:
        if principal.role is not Role.ADMIN and await u.contracts.lead_of(bundle_id) != principal.party:
            raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"joint order {bundle_id} not found")
        if await u.contracts.for_bundle(bundle_id) is not None:
            raise HTTPException(status.HTTP_409_CONFLICT, detail=f"joint order {bundle_id} is contracted already")
        await u.contracts.set_mode(bundle_id, ContractMode(body.mode))
        await u.commit()
