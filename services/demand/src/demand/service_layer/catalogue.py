"""The item catalogue: admins add and retire items; everyone reads it."""

from __future__ import annotations

from collections.abc import Sequence

from demand.domain.errors import NotAllowedNow
from demand.domain.reference import CatalogueItem
from demand.service_layer.common import NotFound
from demand.service_layer.unit_of_work import UnitOfWork


async def add_item(item: CatalogueItem, uow: UnitOfWork) -> CatalogueItem:
    async with uow:
        if await uow.catalogue.get(item.code) is not None:
            raise NotAllowedNow(f"item {item.code} is already in the catalogue")
        uow.catalogue.add(item)
        await uow.commit()
    return item


async def retire_item(code: str, reason: str, uow: UnitOfWork) -> CatalogueItem:
    async with uow:
        item = await uow.catalogue.get(code)
        if item is None:
            raise NotFound(f"item {code} not found")
        item.retire(uow.clock.now(), reason)
        await uow.commit()
    return item


async def get_item(code: str, uow: UnitOfWork) -> CatalogueItem:
    async with uow:
        item = await uow.catalogue.get(code)
    if item is None:
        raise NotFound(f"item {code} not found")
    return item


async def list_items(category: str | None, include_retired: bool, uow: UnitOfWork) -> Sequence[CatalogueItem]:
    async with uow:
        return await uow.catalogue.list(category, include_retired)
