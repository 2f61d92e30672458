"""Harmonised specifications agreed through the contracts service become the catalogue's
reference for their item, so that later needs bundle under them."""

from __future__ import annotations

from uuid import UUID

from demand.service_layer.unit_of_work import UnitOfWork

SPECIFICATION_WATCHER = "demand-specifications"


async def adopt_harmonised_specification(event_id: UUID, item_code: str, reference: str, uow: UnitOfWork) -> bool:
    """True when the item's harmonised specification changed; an unknown item changes nothing."""
    async with uow:
        if await uow.already_processed(SPECIFICATION_WATCHER, event_id):
            return False
        item = await uow.catalogue.get(item_code)
        changed = item is not None and item.harmonise(reference)
        await uow.mark_processed(SPECIFICATION_WATCHER, event_id)
        await uow.commit()
    return changed
