"""Versioned HTTP API (/v1): nations see the contracts they take part in."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request, status

from bundling_shared.auth import Principal, Role
from bundling_shared.auth.fastapi import CurrentPrincipal
from contracts.domain.model import Contract
from contracts.entrypoints.schemas import ContractOut, ContractPage
from contracts.service_layer.handlers import UowFactory

router = APIRouter(prefix="/v1", tags=["contracts"])


def _uow(request: Request) -> UowFactory:
    factory: UowFactory = request.app.state.uow
    return factory


Uow = Annotated[UowFactory, Depends(_uow)]


def _visible(contract: Contract, principal: Principal) -> bool:
    """Coordinators (lead nations, agencies) and admins see every contract; a nation desk
    only those it takes part in; industry none through this API."""
    if principal.role in (Role.ADMIN, Role.COORDINATOR):
        return True
    if principal.role is Role.INDUSTRY:
        return False
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
    return ContractPage(items=[ContractOut.of(c) for c in found if _visible(c, principal)], limit=limit, offset=offset)


@router.get("/contracts/{contract_id}", response_model=ContractOut)
async def get_contract(contract_id: str, uow: Uow, principal: CurrentPrincipal) -> ContractOut:
    async with uow() as u:
        contract = await u.contracts.get(contract_id)
    if contract is None or not _visible(contract, principal):
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"contract {contract_id} not found")
    return ContractOut.of(contract)


@router.get("/joint-orders/{bundle_id}/contract", response_model=ContractOut)
async def contract_of_joint_order(bundle_id: str, uow: Uow, principal: CurrentPrincipal) -> ContractOut:
    """Find the contract a committed bundle became, once the event has been processed."""
    async with uow() as u:
        contract = await u.contracts.for_bundle(bundle_id)
    if contract is None or not _visible(contract, principal):
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no contract for joint order {bundle_id}")
    return ContractOut.of(contract)
