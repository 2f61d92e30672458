"""Reference data: nations, the item catalogue with its user groups, funding rules, and
the aggregated demand sheet of an item (totals only, no nation's detail)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, status

from demand.domain.funding import ELIGIBILITY, RULES
from demand.domain.reference import NATIONS, CatalogueItem
from demand.entrypoints.deps import Admin, Reader, Uow, domain_errors, scope
from demand.entrypoints.schemas import (
    CategoryFilter,
    DemandSheetOut,
    ItemCode,
    ItemIn,
    ItemOut,
    NationOut,
    OperatorsOut,
    ReasonIn,
)
from demand.service_layer import catalogue as handlers
from demand.service_layer.views import demand_sheet

router = APIRouter(prefix="/v1", tags=["catalogue"])


@router.get("/catalogue/nations", response_model=list[NationOut])
async def list_nations(principal: Reader) -> list[NationOut]:
    return [NationOut.of(n) for n in sorted(NATIONS.values(), key=lambda n: n.code)]


@router.get("/catalogue/funding-rules")
async def funding_rules(principal: Reader) -> dict[str, Any]:
    """The funding rules in force, as data with their version."""
    return {
        "version": RULES.version,
        "rules": [
            {
                "instrument": r.instrument,
                "title": r.title,
                "counts": ELIGIBILITY[r.eligible][0],
                "min_nations": r.min_nations,
                "co_funding_rate": r.base_rate,
                "bonus_rate": r.bonus_rate,
                "bonus_when_ukraine_receives_extra": r.bonus_ukraine,
                "bonus_when_sme_share_at_least": r.bonus_sme_share,
            }
            for r in RULES.rules
        ],
    }


@router.get("/catalogue/items", response_model=list[ItemOut])
async def list_items(
    uow: Uow, principal: Reader, category: CategoryFilter = None, include_retired: bool = False
) -> list[ItemOut]:
    return [ItemOut.of(i) for i in await handlers.list_items(category, include_retired, uow())]


@router.get("/catalogue/items/{code}", response_model=ItemOut)
async def get_item(code: ItemCode, uow: Uow, principal: Reader) -> ItemOut:
    with domain_errors():
        return ItemOut.of(await handlers.get_item(code, uow()))


@router.get("/catalogue/items/{code}/operators", response_model=OperatorsOut)
async def operators(code: ItemCode, uow: Uow, principal: Reader) -> OperatorsOut:
    """Who else operates this: the user groups of the platforms the item fits."""
    with domain_errors():
        item = await handlers.get_item(code, uow())
    groups = item.user_groups()
    everyone = sorted({n for nations in groups.values() for n in nations})
    own = scope(principal)
    return OperatorsOut(
        item_code=item.code, operators=everyone, others=[n for n in everyone if n != own], user_groups=groups
    )


@router.post("/catalogue/items", response_model=ItemOut, status_code=status.HTTP_201_CREATED)
async def add_item(body: ItemIn, uow: Uow, principal: Admin) -> ItemOut:
    with domain_errors():
        item = CatalogueItem.define(
            code=body.code,
            name=body.name,
            category=body.category,
            unit=body.unit,
            nsn=body.nsn,
            platforms=body.platforms,
            specification_ref=body.specification_ref,
        )
        return ItemOut.of(await handlers.add_item(item, uow()))


@router.post("/catalogue/items/{code}/retire", response_model=ItemOut)
async def retire_item(code: ItemCode, body: ReasonIn, uow: Uow, principal: Admin) -> ItemOut:
    """A retired item takes no new needs; existing needs and bundles stay as they are."""
    with domain_errors():
        return ItemOut.of(await handlers.retire_item(code, body.reason, uow()))


@router.get("/demand-sheet/{item_code}", response_model=DemandSheetOut, tags=["bundles"])
async def get_demand_sheet(item_code: ItemCode, uow: Uow, principal: Reader) -> DemandSheetOut:
    """Aggregated demand for one item: totals per year, number of nations, open bundles."""
    with domain_errors():
        await handlers.get_item(item_code, uow())
        return DemandSheetOut.of(await demand_sheet(item_code, uow()))
