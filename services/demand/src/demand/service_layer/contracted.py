"""Closing the loop: when the contracts service turns a committed bundle into a contract,
the needs behind it become contracted."""

from __future__ import annotations

from uuid import UUID

from demand.domain.model import NeedVersion
from demand.service_layer.common import utcnow
from demand.service_layer.unit_of_work import UnitOfWork

CONTRACT_WATCHER = "demand-contracts"


async def mark_contracted(event_id: UUID, bundle_id: str, contract_id: str, uow: UnitOfWork) -> int:
    """Returns how many needs became contracted; a contract of no bundle of ours changes nothing."""
    changed = 0
    async with uow:
        if await uow.already_processed(CONTRACT_WATCHER, event_id):
            return 0
        bundle = await uow.bundles.get(bundle_id)
        if bundle is not None:
            now = utcnow()
            for line in await uow.bundles.lines(bundle.id):
                need = await uow.needs.get(line.need_id)
                if need is not None and need.contracted(now):
                    uow.needs.add_version(NeedVersion.of(need, "contracts", f"contracted under {contract_id}"))
                    changed += 1
        await uow.mark_processed(CONTRACT_WATCHER, event_id)
        await uow.commit()
    return changed
