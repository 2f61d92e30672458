"""Contracts from joint orders: nations see those they take part in, a supplier its own."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, status

from bundling_shared.auth import Principal, Role
from bundling_shared.auth.fastapi import CurrentPrincipal
from contracts.domain.model import Contract, ContractMode
from contracts.entrypoints.routes.deps import Uow
from contracts.entrypoints.schemas import ContractModeIn, ContractOut, ContractPage
from contracts.service_layer.access import is_coordinator

router = APIRouter(tags=["contracts"])


def _visible(contract: Contract, principal: Principal, supplier_id: str | None) -> bool:
    """Coordinators (lead nations, agencies) and admins see every contract; a nation desk
    those it takes part in; a company those signed with it."""
    if principal.role in (Role.ADMIN, Role.COORDINATOR):
        return True
    if principal.role is Role.INDUSTRY:
        return supplier_id is not None and contract.supplier_id == supplier_id
    return contract.concerns(principal.party)


@router.get("/contracts", response_model=ContractPage)
async def list_contracts(
    uow: Uow,
    principal: CurrentPrincipal,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> ContractPage:
    async with uow() as u:
        found = await u.contracts.list(limit, offset)
        own = await u.suppliers.by_organisation(principal.organisation) if principal.organisation else None
    own_id = own.id if own else None
    return ContractPage(
        items=[ContractOut.of(c) for c in found if _visible(c, principal, own_id)], limit=limit, offset=offset
    )


async def _visible_contract(uow: Uow, principal: Principal, contract_id: str) -> Contract:
    async with uow() as u:
        contract = await u.contracts.get(contract_id)
        own = await u.suppliers.by_organisation(principal.organisation) if principal.organisation else None
    if contract is None or not _visible(contract, principal, own.id if own else None):
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"contract {contract_id} not found")
    return contract


@router.get("/contracts/{contract_id}", response_model=ContractOut)
async def get_contract(contract_id: str, uow: Uow, principal: CurrentPrincipal) -> ContractOut:
    return ContractOut.of(await _visible_contract(uow, principal, contract_id))


@router.get("/joint-orders/{bundle_id}/contract", response_model=ContractOut)
async def contract_of_joint_order(bundle_id: str, uow: Uow, principal: CurrentPrincipal) -> ContractOut:
    """The contract a committed bundle became, once the event has been processed; in
    per-buyer mode the first one the caller may see."""
    found = await contracts_of_joint_order(bundle_id, uow, principal)
    if not found:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no contract for joint order {bundle_id}")
    return found[0]


@router.get("/joint-orders/{bundle_id}/contracts", response_model=list[ContractOut])
async def contracts_of_joint_order(bundle_id: str, uow: Uow, principal: CurrentPrincipal) -> list[ContractOut]:
    """All contracts of a joint order: one, or one per buying nation."""
    async with uow() as u:
        found = await u.contracts.all_for_bundle(bundle_id)
        own = await u.suppliers.by_organisation(principal.organisation) if principal.organisation else None
    return [ContractOut.of(c) for c in found if _visible(c, principal, own.id if own else None)]


@router.put("/joint-orders/{bundle_id}/contract-mode", status_code=status.HTTP_204_NO_CONTENT)
async def set_contract_mode(bundle_id: str, body: ContractModeIn, uow: Uow, principal: CurrentPrincipal) -> None:
    """Before the joint order is committed: one contract with a line per nation (default)
    or one contract per buying nation."""
    if not is_coordinator(principal):
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="a coordinator sets how a joint order is contracted")
    async with uow() as u:
        if await u.contracts.for_bundle(bundle_id) is not None:
            raise HTTPException(status.HTTP_409_CONFLICT, detail=f"joint order {bundle_id} is contracted already")
        await u.contracts.set_mode(bundle_id, ContractMode(body.mode))
        await u.commit()
