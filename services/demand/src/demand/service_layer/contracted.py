"""Closing the loop: when the contracts service turns a committed bundle into a contract,
the needs behind it become contracted, and once signed the supplier's SME flag is the
bundle's SME share; when it cannot (a rule of the contract refuses the
commitment), the bundle shows why; when a framework's lead decides on an accession, the
bundle shows the nation in or out."""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID

from demand.domain.bundle import Decision, DecisionKind
from demand.domain.need import NeedVersion
from demand.service_layer.unit_of_work import UnitOfWork

CONTRACT_WATCHER = "demand-contracts"


async def mark_contracted(uow: UnitOfWork, *, event_id: UUID, bundle_id: str, contract_id: str) -> int:
    """Returns how many needs became contracted; a contract of no bundle of ours changes nothing."""
    changed = 0
    async with uow:
        if await uow.already_processed(CONTRACT_WATCHER, event_id):
            return 0
        bundle = await uow.bundles.get(bundle_id)
        if bundle is not None:
            bundle.contracted()
            now = uow.clock.now()
            for line in await uow.bundles.lines(bundle.id):
                need = await uow.needs.get(line.need_id)
                if need is not None and need.contracted(now):
                    uow.needs.add_version(NeedVersion.of(need, "contracts", f"contracted under {contract_id}"))
                    changed += 1
        await uow.mark_processed(CONTRACT_WATCHER, event_id)
        await uow.commit()
    return changed


async def commitment_not_contracted(uow: UnitOfWork, *, event_id: UUID, bundle_id: str, reason: str) -> bool:
    """The contracts service could not contract the committed bundle: the bundle shows the
    reason and its trail records it. Returns whether the bundle changed; a bundle not ours
    changes nothing."""
    async with uow:
        if await uow.already_processed(CONTRACT_WATCHER, event_id):
            return False
        bundle = await uow.bundles.get(bundle_id)
        if bundle is not None:
            what = bundle.not_contracted(reason)
            uow.bundles.record(Decision(bundle.id, DecisionKind.NOT_CONTRACTED, what, uow.clock.now()))
        await uow.mark_processed(CONTRACT_WATCHER, event_id)
        await uow.commit()
    return bundle is not None


async def accession_decided(
    uow: UnitOfWork,
    *,
    event_id: UUID,
    bundle_id: str,
    nation: str,
    took_effect: bool,
    reason: str = "",
    refused_by_rule: bool = False,
) -> bool:
    """The nation's requested accession took effect or was refused by the framework's lead.
    Returns whether the bundle changed; a bundle not ours, or no request waiting, changes nothing."""
    async with uow:
        if await uow.already_processed(CONTRACT_WATCHER, event_id):
            return False
        bundle = await uow.bundles.get(bundle_id)
        decided = None
        if bundle is not None:
            now = uow.clock.now()
            decided = bundle.accession_decided(nation, took_effect, now, reason=reason, refused_by_rule=refused_by_rule)
        if decided is not None:
            uow.bundles.record(decided)
        await uow.mark_processed(CONTRACT_WATCHER, event_id)
        await uow.commit()
    return decided is not None


async def signed_with_supplier(
    uow: UnitOfWork,
    *,
    event_id: UUID,
    bundle_id: str,
    organisation: str,
    sme: bool,
    unit_price_eur: Decimal | None = None,
) -> bool:
    """The committed bundle's contract was signed: the supplier's SME flag is the bundle's
    SME share from now on (it can raise an EDIRPA rate) and the awarded unit price sets
    its value (the euros of its co-funding), and its trail says so. Returns whether the
    bundle changed; a bundle not ours changes nothing."""
    async with uow:
        if await uow.already_processed(CONTRACT_WATCHER, event_id):
            return False
        bundle = await uow.bundles.get(bundle_id)
        if bundle is not None:
            now = uow.clock.now()
            if unit_price_eur is not None:
                priced = bundle.price_awarded(unit_price_eur, now)
                uow.bundles.record(Decision(bundle.id, DecisionKind.UNIT_PRICE_AWARDED, priced, now))
            what = bundle.signed_with(organisation, sme, now)
            uow.bundles.record(Decision(bundle.id, DecisionKind.SME_SHARE_SIGNED, what, now))
        await uow.mark_processed(CONTRACT_WATCHER, event_id)
        await uow.commit()
    return bundle is not None
