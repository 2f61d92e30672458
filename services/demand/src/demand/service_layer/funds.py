"""Funds: a coordinator opens one its nation or agency leads, nations pay into it through
pledges, and its lead buys with what was paid in. Every nation may read a fund (it is how
contributors find it); only its lead and each contributor see amounts by nation."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from bundling_shared.auth import Role
from bundling_shared.errors import NotFound
from demand.domain.access import Action, Caller, Relation, authorise, may, to_fund
from demand.domain.bundle import valid_lead
from demand.domain.errors import InvalidReference
from demand.domain.fund import Fund
from demand.domain.pledge import Pledge, PledgeTotals
from demand.service_layer import events
from demand.service_layer.unit_of_work import PledgeFilter, UnitOfWork

CONTRIBUTIONS_SHOWN = 100
"""Pledges listed on a fund for its lead; more are paged at `GET /v1/pledges?fund_id=`."""


@dataclass(frozen=True)
class FundView:
    """A fund as one reader may see it: its totals always; the pledges behind them all for
    its lead, the reader's own nation's for a contributor."""

    fund: Fund
    totals: PledgeTotals
    pledges: Sequence[Pledge]

    @property
    def balance_eur(self) -> Decimal:
        return self.fund.balance(self.totals)


async def _view(uow: UnitOfWork, caller: Caller, fund: Fund) -> FundView:
    totals = await uow.pledges.totals(fund_id=fund.id)
    relation = to_fund(caller, fund.lead, totals.contributors)
    authorise(caller, Action.READ_FUND, relation, f"fund {fund.id}")
    if relation in (Relation.ADMIN, Relation.LEAD) and may(caller, Action.READ_PLEDGE, relation):
        # Every nation's pledge, to whom the table lets read another nation's pledge: the
        # lead's coordinators, not its desk (which sees its own nation's, as a contributor).
        shown, _ = await uow.pledges.page(PledgeFilter(fund_id=fund.id), CONTRIBUTIONS_SHOWN, 0)
    elif caller.nation is not None:
        shown = await uow.pledges.of_nation(caller.nation, fund_id=fund.id)
    else:
        shown = []
    return FundView(fund, totals, shown)


async def _allowed(uow: UnitOfWork, caller: Caller, fund_id: str, action: Action) -> Fund:
    fund = await uow.funds.get(fund_id)
    if fund is None:
        raise NotFound(f"fund {fund_id} not found")
    totals = await uow.pledges.totals(fund_id=fund.id)
    authorise(caller, action, to_fund(caller, fund.lead, totals.contributors), f"fund {fund_id}")
    return fund


async def open_fund(
    uow: UnitOfWork, *, caller: Caller, lead: str, purpose: str, item_codes: list[str], beneficiary: str
) -> FundView:
    """A coordinator opens a fund its own nation or agency leads (an admin, any lead's)."""
    authorise(caller, Action.OPEN_FUND, Relation.ANY)
    if caller.role is not Role.ADMIN and caller.party != lead:
        raise InvalidReference(f"a coordinator of {caller.party} opens funds {caller.party} leads", field="lead")
    async with uow:
        for code in item_codes:
            if await uow.catalogue.get(code) is None:
                raise InvalidReference(f"item {code} is not in the catalogue", field="item_codes")
        fund = Fund.open(
            lead=valid_lead(lead), purpose=purpose, item_codes=item_codes, beneficiary=beneficiary, now=uow.clock.now()
        )
        uow.funds.add(fund)
        await events.fund_changed(uow, fund)
        await uow.commit()
        return FundView(fund, PledgeTotals(), [])


async def read_fund(uow: UnitOfWork, *, caller: Caller, fund_id: str) -> FundView:
    async with uow:
        fund = await uow.funds.get(fund_id)
        if fund is None:
            raise NotFound(f"fund {fund_id} not found")
        return await _view(uow, caller, fund)


async def list_funds(uow: UnitOfWork, *, caller: Caller, limit: int, offset: int) -> tuple[list[FundView], int]:
    authorise(caller, Action.LIST_FUNDS, Relation.ANY)
    async with uow:
        found, total = await uow.funds.page(limit, offset)
        totals = await uow.pledges.totals_of_funds([f.id for f in found])
        return [FundView(f, totals[f.id], []) for f in found], total


async def buy(
    uow: UnitOfWork, *, caller: Caller, fund_id: str, bundle_id: str, amount_eur: Decimal, note: str
) -> FundView:
    """The fund's lead pays toward a bundle of one of the fund's items, out of what was
    paid in; purchases from one fund take turns."""
    async with uow:
        await uow.funds.claim(fund_id)
        fund = await _allowed(uow, caller, fund_id, Action.RUN_FUND)
        bundle = await uow.bundles.get(bundle_id)
        if bundle is None:
            raise InvalidReference(f"no bundle {bundle_id}", field="bundle_id", rule="known_bundle")
        totals = await uow.pledges.totals(fund_id=fund.id)
        fund.buy(
            bundle_id=bundle_id,
            item_code=bundle.item_code,
            amount_eur=amount_eur,
            totals=totals,
            note=note,
            now=uow.clock.now(),
        )
        await uow.commit()
        return await _view(uow, caller, fund)


async def close_fund(uow: UnitOfWork, *, caller: Caller, fund_id: str, reason: str) -> FundView:
    async with uow:
        await uow.funds.claim(fund_id)
        fund = await _allowed(uow, caller, fund_id, Action.RUN_FUND)
        fund.close(reason, uow.clock.now())
        await events.fund_changed(uow, fund)
        await uow.commit()
        return await _view(uow, caller, fund)
