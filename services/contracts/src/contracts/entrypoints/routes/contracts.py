"""Contracts from joint orders: nations see their own lines of those they take part in, a
supplier its own contracts, the lead everything of what it leads."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, status

from bundling_shared.auth.fastapi import CurrentPrincipal
from bundling_shared.pagination import Page
from bundling_shared.problems import MEDIA_TYPE
from contracts.domain.contract import ContractMode
from contracts.entrypoints.deps import Paged, PathId, Today, Uow
from contracts.entrypoints.schemas import ChangeLogEntryOut, ContractModeIn, ContractOut, ContractsOut
from contracts.service_layer import contracts

router = APIRouter(tags=["contracts"])
MAX_ENDING_DAYS = 3650  # ten years: the widest horizon a follow-up is planned at

NOT_CONTRACTED: dict[int | str, dict[str, Any]] = {
    409: {
        "description": "The joint order or framework was committed but a rule of the contract refuses it: the "
        "detail names the rule. Told only to those who would see its contract.",
        "content": {MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
}


EndingWithin = Annotated[
    int | None,
    Query(
        ge=0,
        le=MAX_ENDING_DAYS,
        description="Only contracts whose delivery window ends from today to this many days ahead, soonest first.",
    ),
]


@router.get("/contracts", response_model=Page[ContractOut])
async def list_contracts(
    uow: Uow, principal: CurrentPrincipal, page: Paged, today: Today, ending_within_days: EndingWithin = None
) -> Page[ContractOut]:
    """Oldest first: those the caller leads, takes part in (its own line) or supplies."""
    ending = None if ending_within_days is None else (today, today + timedelta(days=ending_within_days))
    found = await contracts.visible_page(uow(), principal, page.limit, page.offset, ending)
    return page.of(found, ContractOut.of)


@router.get("/contracts/{contract_id}", response_model=ContractOut)
async def get_contract(contract_id: PathId, uow: Uow, principal: CurrentPrincipal) -> ContractOut:
    """The lead, its supplier and admin see every line; a nation in it its own line and the
    totals (quantity, nations); others nothing."""
    return ContractOut.of(await contracts.visible(uow(), principal, contract_id))


@router.get("/contracts/{contract_id}/change-log", response_model=Page[ChangeLogEntryOut])
async def contract_change_log(
    contract_id: PathId, uow: Uow, principal: CurrentPrincipal, page: Paged
) -> Page[ChangeLogEntryOut]:
    """Every change of the contract, oldest first: a nation in it reads the entries of the
    whole contract and of its own part; the lead, its supplier and admin every entry."""
    found = await contracts.change_log(uow(), principal, contract_id, page.limit, page.offset)
    return page.of(found, ChangeLogEntryOut.model_validate)


@router.get("/joint-orders/{bundle_id}/contract", response_model=ContractOut, responses=NOT_CONTRACTED)
async def contract_of_joint_order(bundle_id: PathId, uow: Uow, principal: CurrentPrincipal) -> ContractOut:
    """The contract a committed bundle became, once the event has been processed; in
    per-buyer mode the first one the caller may see. A committed joint order or framework
    that a rule of the contract refuses answers 409 naming the rule."""
    return ContractOut.of((await contracts.of_joint_order(uow(), principal, bundle_id))[0])


@router.get("/joint-orders/{bundle_id}/contracts", response_model=ContractsOut, responses=NOT_CONTRACTED)
async def contracts_of_joint_order(bundle_id: PathId, uow: Uow, principal: CurrentPrincipal) -> ContractsOut:
    """All contracts of a joint order: one, or one per buying nation; 409 naming the rule
    when the committed joint order or framework could not be contracted."""
    return ContractsOut([ContractOut.of(v) for v in await contracts.of_joint_order(uow(), principal, bundle_id)])


@router.put("/joint-orders/{bundle_id}/contract-mode", status_code=status.HTTP_204_NO_CONTENT)
async def set_contract_mode(bundle_id: PathId, body: ContractModeIn, uow: Uow, principal: CurrentPrincipal) -> None:
    """Before the joint order is committed: one contract with a line per nation (default)
    or one contract per buying nation, decided by the lead's coordinators (the lead as the
    demand service named it when opening the bundle) or admin. For a coordinator of another
    nation or agency, or before contracts knows the lead, the joint order does not exist."""
    await contracts.set_mode(uow(), principal, bundle_id, ContractMode(body.mode))
