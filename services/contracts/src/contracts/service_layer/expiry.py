"""Contracts and frameworks nearing their end are told to their parties at each horizon.

A regular look (`tell_expiring`) finds the agreements whose end lies within the widest
horizon, tells each horizon reached once (`contracts.contract.expiring`) and records it,
in the transaction that stages the events: a look that fails tells nothing, and the next
one tells it. Two looks at once (two replicas) cannot both record a horizon: the second
one's transaction fails on the recorded horizon and tells nothing.
"""

from __future__ import annotations

from datetime import date

from contracts.domain.contract import Contract
from contracts.domain.expiry import Agreement, Horizons, years_after
from contracts.domain.frameworks import FrameworkContract
from contracts.service_layer import events
from contracts.service_layer.unit_of_work import UnitOfWork


def _of_contract(contract: Contract) -> Agreement:
    return Agreement(
        kind="contract",
        id=contract.id,
        bundle_id=contract.bundle_id,
        item_code=contract.item_code,
        contracting_authority=contract.contracting_authority,
        start=contract.window_start,
        end=contract.window_end,
        quantities={line.nation: line.quantity for line in contract.lines},
        supplier_ids=(contract.supplier_id,) if contract.supplier_id else (),
    )


def _of_framework(framework: FrameworkContract) -> Agreement:
    return Agreement(
        kind="framework",
        id=framework.id,
        bundle_id=framework.bundle_id,
        item_code=framework.item_code,
        contracting_authority=framework.contracting_authority,
        start=framework.start,
        end=framework.end,
        quantities=dict(framework.participants),
        supplier_ids=tuple(sorted(framework.suppliers)),
    )


async def tell_expiring(uow: UnitOfWork, horizons: Horizons, today: date) -> int:
    """Tells every horizon reached by `today` and not told before; returns how many were told."""
    told_now = 0
    async with uow:
        last = years_after(today, horizons.widest)
        agreements = [_of_contract(c) for c in await uow.contracts.ending_between(today, last)]
        agreements += [_of_framework(f) for f in await uow.frameworks.ending_between(today, last)]
        told = await uow.expiries.told([a.id for a in agreements])
        for agreement in agreements:
            due = agreement.due(horizons, today, told.get(agreement.id, ()))
            if due is None:
                continue
            suppliers = await uow.suppliers.by_ids(set(agreement.supplier_ids))
            await uow.expiries.add(agreement.notices(due, today))
            await events.contract_expiring(uow, agreement, due, sorted(s.organisation for s in suppliers.values()))
            told_now += 1
        await uow.commit()
    return told_now
