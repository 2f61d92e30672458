"""The item catalogue: admins add and retire items; everyone reads it, and asks who else
operates an item."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bundling_shared.errors import NotFound
from demand.domain.access import Caller, limited_to
from demand.domain.errors import NotAllowedNow
from demand.domain.reference import CatalogueItem
from demand.service_layer.unit_of_work import UnitOfWork


async def add_item(uow: UnitOfWork, *, item: CatalogueItem) -> CatalogueItem:
    async with uow:
        if await uow.catalogue.get(item.code) is not None:
            raise NotAllowedNow(f"item {item.code} is already in the catalogue")
        uow.catalogue.add(item)
        await uow.commit()
    return item


async def _item(uow: UnitOfWork, code: str) -> CatalogueItem:
    item = await uow.catalogue.get(code)
    if item is None:
        raise NotFound(f"item {code} not found")
    return item


async def retire_item(uow: UnitOfWork, *, code: str, reason: str) -> CatalogueItem:
    """A retired item takes no new needs; existing needs and bundles stay as they are."""
    async with uow:
        item = await _item(uow, code)
        item.retire(uow.clock.now(), reason)
        await uow.commit()
    return item


async def get_item(uow: UnitOfWork, *, code: str) -> CatalogueItem:
    async with uow:
        return await _item(uow, code)


async def list_items(
    uow: UnitOfWork, *, category: str | None, include_retired: bool, limit: int, offset: int
) -> tuple[Sequence[CatalogueItem], int]:
    """A page of the catalogue in the order of the items' codes, and how many items there are."""
    async with uow:
        found = await uow.catalogue.list(category, include_retired, limit, offset)
        return found, await uow.catalogue.count(category, include_retired)


@dataclass(frozen=True)
class Operators:
    """Who else operates an item, as one caller asks: `others` leaves out the caller's own
    nation (`limited_to`)."""

    item_code: str
    operators: list[str]
    others: list[str]
    user_groups: dict[str, list[str]]


async def operators_of(uow: UnitOfWork, *, caller: Caller, code: str) -> Operators:
    """The user groups of the platforms the item fits: the nations a desk may bundle with."""
    item = await get_item(uow, code=code)
    groups = item.user_groups
    everyone = sorted({n for nations in groups.values() for n in nations})
    own = limited_to(caller)
    return Operators(item.code, everyone, [n for n in everyone if n != own], groups)
