"""Harmonised specifications agreed through the contracts service become the catalogue's
reference for their item: later needs default to them and bundle under them, and the
needs that stood apart only because their specification was not the reference yet (in a
bundle of their own, with a harmonisation proposal) are placed again: they now bundle
with the others, which is what the proposal was for."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from demand.domain.bundling import HARMONISED, variant_of
from demand.service_layer.aggregator import place_again
from demand.service_layer.unit_of_work import UnitOfWork

SPECIFICATION_WATCHER = "demand-specifications"


async def adopt_harmonised_specification(
    uow: UnitOfWork,
    *,
    event_id: UUID,
    item_code: str,
    reference: str,
    material_risks: list[dict[str, Any]] | None = None,
) -> bool:
    """True when the item's harmonised specification changed; an unknown item changes
    nothing. The risks of the materials it names are kept with the item either way."""
    async with uow:
        if await uow.already_processed(SPECIFICATION_WATCHER, event_id):
            return False
        item = await uow.catalogue.get(item_code)
        changed = item is not None and item.harmonise(reference, material_risks)
        if item is not None and changed:
            # The item's opening lock before the first write, as an aggregator's batch takes
            # it before it writes the item's bundles: holding a bundle and then waiting for
            # the lock to open a harmonised one, this could wait for a batch that waits for
            # the bundle. Taken, it also reads the bundles as such a batch committed them.
            await uow.bundles.hold_openings(item_code)
            await uow.flush()
            now = uow.clock.now()
            why = f"{reference} is now the harmonised specification of {item_code}"
            for bundle in await uow.bundles.open_for_item(item_code):
                if not bundle.joinable or bundle.variant == HARMONISED:
                    continue
                lines = await uow.bundles.lines(bundle.id)
                for need in (await uow.needs.get_many([line.need_id for line in lines])).values():
                    if variant_of(need, item) == HARMONISED:
                        await place_again(need, uow, why, now)
        await uow.mark_processed(SPECIFICATION_WATCHER, event_id)
        await uow.commit()
    return changed
