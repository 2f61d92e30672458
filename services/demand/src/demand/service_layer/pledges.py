"""Pledges: a desk pledges for its nation, confirms or withdraws it; the lead of the bundle
or fund it goes to records it paid. Who may do which is the table of
`demand.domain.access`, by how the caller stands to the pledge."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from bundling_shared.auth import Role
from bundling_shared.errors import NotFound
from demand.domain.access import Action, Caller, Relation, authorise, leader, seen_by, to_pledge
from demand.domain.bundle import BundleStatus
from demand.domain.errors import InvalidReference, NotAllowedNow
from demand.domain.pledge import Pledge, PledgeTerms, PledgeTotals
from demand.service_layer import events
from demand.service_layer.idempotency import IdempotencyKey, answer_once
from demand.service_layer.unit_of_work import PledgeFilter, StoredAnswer, UnitOfWork


async def recipient_lead(uow: UnitOfWork, pledge: Pledge) -> str | None:
    """Who leads the bundle or the fund the pledge goes to."""
    if pledge.bundle_id is not None:
        bundle = await uow.bundles.get(pledge.bundle_id)
        return leader(bundle) if bundle else None
    fund = await uow.funds.get(pledge.fund_id or "")
    return fund.lead if fund else None


async def _allowed(uow: UnitOfWork, caller: Caller, pledge_id: str, action: Action) -> Pledge:
    pledge = await uow.pledges.get(pledge_id)
    if pledge is None:
        raise NotFound(f"pledge {pledge_id} not found")
    authorise(
        caller, action, to_pledge(caller, pledge.nation, await recipient_lead(uow, pledge)), f"pledge {pledge_id}"
    )
    return pledge


async def _pledge(
    uow: UnitOfWork,
    *,
    nation: str,
    amount_eur: Decimal,
    beneficiary: str | None,
    bundle_id: str | None,
    fund_id: str | None,
) -> Pledge:
    """Inside the caller's transaction: the pledge, checked against what it goes to."""
    pledge = Pledge.make(
        nation=nation,
        amount_eur=amount_eur,
        beneficiary=beneficiary,
        bundle_id=bundle_id,
        fund_id=fund_id,
        now=uow.clock.now(),
    )
    if bundle_id is not None:
        bundle = await uow.bundles.get(bundle_id)
        if bundle is None:
            raise InvalidReference(f"no bundle {bundle_id}", field="bundle_id", rule="known_bundle")
        if bundle.status is BundleStatus.CANCELLED:
            raise NotAllowedNow(f"bundle {bundle_id} was cancelled; it takes no pledges")
    else:
        fund = await uow.funds.get(fund_id or "")
        if fund is None:
            raise InvalidReference(f"no fund {fund_id}", field="fund_id", rule="known_fund")
        fund.taking_pledges()
    uow.pledges.add(pledge)
    await events.pledge_changed(uow, pledge, recipient=await recipient_lead(uow, pledge))
    return pledge


def _pledging_for(caller: Caller, nation: str) -> None:
    authorise(caller, Action.MAKE_PLEDGE, Relation.ANY)
    if caller.role is Role.NATION_DESK and caller.nation != nation:
        raise InvalidReference(f"a {caller.nation} desk pledges for its own nation only", field="nation")


async def make_pledge(uow: UnitOfWork, *, caller: Caller, terms: PledgeTerms) -> Pledge:
    """A desk pledges for its own nation to a bundle (its id given by the bundle's lead) or
    to an open fund."""
    _pledging_for(caller, terms["nation"])
    async with uow:
        pledge = await _pledge(uow, **terms)
        await uow.commit()
        return pledge


async def make_pledge_once(
    uow: UnitOfWork, *, caller: Caller, terms: PledgeTerms, key: IdempotencyKey[Pledge]
) -> StoredAnswer:
    """`make_pledge` under an Idempotency-Key: a desk that lost the answer sends it again
    and pledges once."""
    _pledging_for(caller, terms["nation"])
    return await answer_once(uow, key, lambda: _pledge(uow, **terms))


@dataclass(frozen=True)
class PledgeView:
    """A pledge with its recipient's totals: a contributor sees its own pledge and the
    totals of the bundle or fund, even of a bundle it buys nothing in."""

    pledge: Pledge
    recipient: PledgeTotals


async def read_pledge(uow: UnitOfWork, *, caller: Caller, pledge_id: str) -> PledgeView:
    async with uow:
        pledge = await _allowed(uow, caller, pledge_id, Action.READ_PLEDGE)
        return PledgeView(pledge, await uow.pledges.totals(bundle_id=pledge.bundle_id, fund_id=pledge.fund_id))


async def list_pledges(
    uow: UnitOfWork, *, caller: Caller, f: PledgeFilter, limit: int, offset: int
) -> tuple[Sequence[Pledge], int]:
    """A desk's own nation's pledges; a lead's, those to the bundles and funds it leads."""
    authorise(caller, Action.LIST_PLEDGES, Relation.ANY)
    async with uow:
        return await uow.pledges.page(
            PledgeFilter(f.bundle_id, f.fund_id, f.status, seen_by(caller, Action.READ_PLEDGE)), limit, offset
        )


async def _change(
    uow: UnitOfWork, caller: Caller, pledge_id: str, action: Action, change: Callable[[Pledge, datetime], None]
) -> Pledge:
    """One step of a pledge's lifecycle, by whom the table allows, told to the nations."""
    async with uow:
        pledge = await _allowed(uow, caller, pledge_id, action)
        change(pledge, uow.clock.now())
        await events.pledge_changed(uow, pledge, recipient=await recipient_lead(uow, pledge))
        await uow.commit()
        return pledge


async def confirm_pledge(uow: UnitOfWork, *, caller: Caller, pledge_id: str) -> Pledge:
    return await _change(uow, caller, pledge_id, Action.CHANGE_PLEDGE, Pledge.confirm)


async def withdraw_pledge(uow: UnitOfWork, *, caller: Caller, pledge_id: str, reason: str) -> Pledge:
    return await _change(uow, caller, pledge_id, Action.CHANGE_PLEDGE, lambda p, now: p.withdraw(reason, now))


async def record_payment(uow: UnitOfWork, *, caller: Caller, pledge_id: str) -> Pledge:
    """The lead of the bundle or fund records the confirmed amount as received."""
    return await _change(uow, caller, pledge_id, Action.RECORD_PAYMENT, Pledge.paid)
