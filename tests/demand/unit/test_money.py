"""Pledges and funds as rules: a pledge's lifecycle and amounts, the totals it counts in,
a fund that buys only what was paid in; and the handlers on a fake unit of work."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from bundling_shared.auth import Role
from bundling_shared.errors import Forbidden, NotFound
from demand.domain.access import Caller
from demand.domain.errors import InvalidReference, NotAllowedNow
from demand.domain.fund import Fund
from demand.domain.pledge import Pledge, PledgeStatus, PledgeTerms, PledgeTotals
from demand.service_layer import funds, pledges
from tests.demand.unit.examples import NOW
from tests.demand.unit.fakes import FakeUnitOfWork

LATER = NOW + timedelta(days=1)


def a_pledge(amount: str = "100.00", **to: str) -> Pledge:
    return Pledge.make(
        nation="NLD", amount_eur=Decimal(amount), beneficiary=None, bundle_id=to.get("bundle_id", "bundle-1"),
        fund_id=to.get("fund_id"), now=NOW,
    )  # fmt: skip


def test_a_pledge_is_confirmed_then_paid_and_may_be_withdrawn_only_until_paid() -> None:
    pledge = a_pledge()
    assert (pledge.status, pledge.beneficiary, pledge.for_own_forces) == (PledgeStatus.PLEDGED, "NLD", True)
    with pytest.raises(NotAllowedNow, match="cannot become paid"):
        pledge.paid(LATER)  # confirmed first
    pledge.confirm(LATER)
    pledge.paid(LATER)
    assert (pledge.status, pledge.version, pledge.updated_at) == (PledgeStatus.PAID, 3, LATER)
    with pytest.raises(NotAllowedNow, match="is paid"):
        pledge.withdraw("changed our mind", LATER)
    taken_back = a_pledge()
    taken_back.withdraw("budget moved", LATER)
    assert (taken_back.status, taken_back.status_reason) == (PledgeStatus.WITHDRAWN, "budget moved")
    with pytest.raises(NotAllowedNow):
        taken_back.confirm(LATER)


@pytest.mark.parametrize("amount", ["0.00", "-1.00", "1.001"])
def test_a_pledge_is_a_positive_amount_in_cents(amount: str) -> None:
    with pytest.raises(InvalidReference, match="positive amount in EUR with cents"):
        a_pledge(amount)


def test_a_pledge_goes_to_one_recipient_for_a_known_beneficiary() -> None:
    with pytest.raises(InvalidReference, match="one bundle or one fund"):
        a_pledge(fund_id="fund-1")  # a bundle too
    with pytest.raises(InvalidReference, match="unknown beneficiary"):
        Pledge.make(nation="NLD", amount_eur=Decimal(1), beneficiary="XXX", bundle_id="b", fund_id=None, now=NOW)
    with pytest.raises(InvalidReference, match="does not pledge"):  # a partner receives, it does not pledge
        Pledge.make(nation="UKR", amount_eur=Decimal(1), beneficiary=None, bundle_id="b", fund_id=None, now=NOW)


def test_totals_count_standing_pledges_to_the_cent() -> None:
    totals = PledgeTotals.of(
        [
            ("NLD", PledgeStatus.PAID, Decimal("0.10")),
            ("DNK", PledgeStatus.CONFIRMED, Decimal("0.20")),
            ("DNK", PledgeStatus.PLEDGED, Decimal("0.01")),
            ("FIN", PledgeStatus.WITHDRAWN, Decimal("1000.00")),
        ]
    )
    assert (totals.pledged_eur, totals.confirmed_eur, totals.paid_eur) == (
        Decimal("0.31"),
        Decimal("0.30"),
        Decimal("0.10"),
    )
    assert totals.contributors == ("DNK", "NLD")  # a withdrawn pledge makes no contributor


def test_a_fund_buys_only_what_was_paid_in_and_only_its_items() -> None:
    fund = Fund.open(lead="SWE", purpose="CV90 for Ukraine", item_codes=["CV90"], beneficiary="UKR", now=NOW)
    paid = PledgeTotals(Decimal("500.00"), Decimal("500.00"), Decimal("300.00"), ("NLD",))
    with pytest.raises(NotAllowedNow, match=r"holds 300\.00 EUR"):
        fund.buy(bundle_id="b", item_code="CV90", amount_eur=Decimal("300.01"), totals=paid, note="", now=LATER)
    with pytest.raises(InvalidReference, match="buys CV90, not AMMO-155MM"):
        fund.buy(bundle_id="b", item_code="AMMO-155MM", amount_eur=Decimal("1.00"), totals=paid, note="", now=LATER)
    fund.buy(bundle_id="b", item_code="CV90", amount_eur=Decimal("299.99"), totals=paid, note="", now=LATER)
    assert (fund.spent_eur, fund.balance(paid)) == (Decimal("299.99"), Decimal("0.01"))
    fund.close("all ordered", LATER)
    with pytest.raises(NotAllowedNow, match="closed"):
        fund.taking_pledges()


def to_fund(fund_id: str, nation: str, amount: str, beneficiary: str | None = None) -> PledgeTerms:
    return PledgeTerms(
        nation=nation, amount_eur=Decimal(amount), beneficiary=beneficiary, bundle_id=None, fund_id=fund_id
    )


async def test_the_handlers_let_each_party_do_its_part_only() -> None:
    uow = FakeUnitOfWork()
    sweden = Caller(Role.COORDINATOR, nation="SWE", subject="coordinator-swe")
    opened = await funds.open_fund(
        uow, caller=sweden, lead="SWE", purpose="CV90 for Ukraine", item_codes=["CV90"], beneficiary="UKR"
    )
    fid = opened.fund.id
    nld = Caller(Role.NATION_DESK, nation="NLD", subject="desk-nld")
    made = await pledges.make_pledge(uow, caller=nld, terms=to_fund(fid, "NLD", "400000000.00", "UKR"))
    with pytest.raises(InvalidReference, match="own nation only"):
        await pledges.make_pledge(uow, caller=nld, terms=to_fund(fid, "DEU", "1.00"))
    dnk = Caller(Role.NATION_DESK, nation="DNK", subject="desk-dnk")
    with pytest.raises(NotFound):
        await pledges.confirm_pledge(uow, caller=dnk, pledge_id=made.id)
    with pytest.raises(Forbidden):
        await pledges.record_payment(uow, caller=nld, pledge_id=made.id)  # only the fund's lead records it
    await pledges.confirm_pledge(uow, caller=nld, pledge_id=made.id)
    await pledges.record_payment(uow, caller=sweden, pledge_id=made.id)
    seen = await funds.read_fund(uow, caller=dnk, fund_id=fid)
    assert seen.pledges == [] and seen.balance_eur == Decimal("400000000.00")  # totals, no other's pledge
    kinds = [event.event_type for _, event in uow.published]
    assert kinds == ["demand.fund.opened", "demand.pledge.made", "demand.pledge.confirmed", "demand.pledge.paid"]
