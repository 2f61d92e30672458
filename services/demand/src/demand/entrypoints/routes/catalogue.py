"""Reference data: nations, the item catalogue with its user groups, funding rules, and
the aggregated demand sheet of an item (totals only, no nation's detail)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status
from pydantic import Field

from bundling_shared.errors import NotFound
from bundling_shared.pagination import Page
from bundling_shared.strict import Day
from demand.domain.funding import RULE_SETS, NoRulesInForce, rules_on
from demand.domain.reference import NATIONS
from demand.entrypoints.deps import PAGE, Admin, CategoryFilter, ItemCode, Limit, Offset, Reader, Uow
from demand.entrypoints.schemas import (
    MAX_NATIONS,
    DemandSheetOut,
    FundingRulesOut,
    ItemIn,
    ItemOut,
    NationOut,
    OperatorsOut,
    ReasonIn,
)
from demand.service_layer import catalogue as handlers
from demand.service_layer.views import demand_sheet

router = APIRouter(tags=["catalogue"])


@router.get("/catalogue/nations", response_model=Annotated[list[NationOut], Field(max_length=MAX_NATIONS)])
async def list_nations(caller: Reader) -> list[NationOut]:
    return [NationOut.model_validate(n, from_attributes=True) for n in sorted(NATIONS.values(), key=lambda n: n.code)]


@router.get("/catalogue/funding-rules", response_model=FundingRulesOut)
async def funding_rules(
    uow: Uow, caller: Reader, on: Annotated[Day | None, Query(description="The day asked about; today if none.")] = None
) -> FundingRulesOut:
    """The funding rules in force today, or on the day asked about: the rule set a bundle
    assessed that day is assessed under."""
    day = on or uow().clock.now().date()
    try:
        return FundingRulesOut.of(rules_on(day))
    except NoRulesInForce as e:
        raise NotFound(str(e)) from e


@router.get(
    "/catalogue/funding-rules/history",
    response_model=Annotated[list[FundingRulesOut], Field(max_length=len(RULE_SETS))],
)
async def funding_rules_history(caller: Reader) -> list[FundingRulesOut]:
    """Every rule set with the dates it was in force, the oldest first: which instruments
    applied when, and what changed from one set to the next."""
    return [FundingRulesOut.of(rules) for rules in RULE_SETS]


@router.get("/catalogue/items", response_model=Page[ItemOut])
async def list_items(
    uow: Uow,
    caller: Reader,
    category: CategoryFilter = None,
    include_retired: bool = False,
    limit: Limit = PAGE,
    offset: Offset = 0,
) -> Page[ItemOut]:
    """The catalogue in the order of the items' codes."""
    found, total = await handlers.list_items(
        uow(), category=category, include_retired=include_retired, limit=limit, offset=offset
    )
    items = [ItemOut.model_validate(i, from_attributes=True) for i in found]
    return Page(items=items, limit=limit, offset=offset, total=total)


@router.get("/catalogue/items/{code}", response_model=ItemOut)
async def get_item(code: ItemCode, uow: Uow, caller: Reader) -> ItemOut:
    return ItemOut.model_validate(await handlers.get_item(uow(), code=code), from_attributes=True)


@router.get("/catalogue/items/{code}/operators", response_model=OperatorsOut)
async def operators(code: ItemCode, uow: Uow, caller: Reader) -> OperatorsOut:
    """Who else operates this: the user groups of the platforms the item fits."""
    found = await handlers.operators_of(uow(), caller=caller, code=code)
    return OperatorsOut.model_validate(found, from_attributes=True)


@router.post("/catalogue/items", response_model=ItemOut, status_code=status.HTTP_201_CREATED)
async def add_item(body: ItemIn, uow: Uow, caller: Admin) -> ItemOut:
    item = await handlers.add_item(uow(), item=body.item())
    return ItemOut.model_validate(item, from_attributes=True)


@router.post("/catalogue/items/{code}/retire", response_model=ItemOut)
async def retire_item(code: ItemCode, body: ReasonIn, uow: Uow, caller: Admin) -> ItemOut:
    """A retired item takes no new needs; existing needs and bundles stay as they are."""
    item = await handlers.retire_item(uow(), code=code, reason=body.reason)
    return ItemOut.model_validate(item, from_attributes=True)


@router.get("/demand-sheet/{item_code}", response_model=DemandSheetOut, tags=["bundles"])
async def get_demand_sheet(item_code: ItemCode, uow: Uow, caller: Reader) -> DemandSheetOut:
    """Aggregated demand for one item: totals per year, number of nations, open bundles."""
    return DemandSheetOut.of(await demand_sheet(uow(), item_code=item_code))
