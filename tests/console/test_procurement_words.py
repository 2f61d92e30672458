"""A procurement said in words on its page: the published weights as shares of the whole,
and its decisions in the order they were taken, from what the contracts service answered."""

from __future__ import annotations

from typing import Any

from console.views.confirmation import unticked
from console.views.procurement import decisions, weights_in_percent

AWARDED: dict[str, Any] = {
    "contracting_authority": "EST",
    "procedure": "open",
    "quantity": 2000,
    "item_code": "AMMO-35MM",
    "nations": ["EST", "LVA"],
    "funding_instrument": "EDIP",
    "justification": "",
    "tender_date": "2031-03-01",
    "offers_due": "2031-04-01",
    "standstill_days": 10,
    "standstill_until": "2031-04-12",
    "awarded_supplier": "BALTARMS",
    "status": "standstill",
}


def test_the_weights_are_each_criterions_share_of_the_whole_in_the_published_order() -> None:
    shares = weights_in_percent({"industrial_participation": 1, "origin": 1, "delivery": 2, "price": 4})
    assert shares == [("price", 50), ("delivery time", 25), ("origin", 12), ("industrial participation", 12)]
    assert [s for _, s in weights_in_percent({"price": 0, "delivery": 0, "origin": 0})] == [0, 0, 0, 0]


def test_the_decisions_read_from_the_opening_to_the_award_and_the_signing() -> None:
    said = decisions(AWARDED)
    assert said[0] == ("2031-03-01", "EST opened the open procedure for 2,000 AMMO-35MM for EST, LVA under EDIP")
    assert said[1] == ("2031-04-01", "offers taken until the end of this day")
    assert said[2] == ("2031-04-02", "awarded to BALTARMS; the standstill runs until 2031-04-12")
    assert len(said) == 3
    signed = decisions({**AWARDED, "status": "signed", "justification": "only one qualified maker"})
    assert ("2031-03-01", "justified as: only one qualified maker") in signed
    assert signed[-1] == ("", "signed with BALTARMS once the standstill ended")
    still_open = decisions({**AWARDED, "status": "open", "standstill_until": None, "awarded_supplier": None})
    assert [what for _, what in still_open][-1] == "offers taken until the end of this day"


def test_an_act_that_cannot_be_undone_waits_for_its_box_to_be_ticked() -> None:
    assert unticked({}, "close this bundle") == "tick the box to confirm: close this bundle"
    assert unticked({"confirm": "on"}, "award this procurement") is not None
    assert unticked({"confirm": "yes"}, "award this procurement") is None
