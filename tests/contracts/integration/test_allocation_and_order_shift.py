"""One allocation of a supplier's declared output over all its contracts for an item, and
the order shift, through HTTP on both databases: a nation sees its own lots month by month
and what went first; a lot the allocation expects late is a delay the supplier hears of;
the contracting authority moves the remaining schedule into a window in one act, checked
against the supplier's lines, with one entry in the contract's change log."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from tests.contracts.integration.conftest import ADMIN, Api
from tests.contracts.integration.test_api_deliveries_reports import signed_contract
from tests.support.api import coordinator, desk, industry
from tests.support.today import TODAY

FIRST = date(TODAY.year + 1, 1, 1)


def month(offset: int) -> date:
    return date(FIRST.year + (FIRST.month - 1 + offset) // 12, (FIRST.month - 1 + offset) % 12 + 1, 1)


def line_of(units_per_month: int) -> dict[str, Any]:
    return {
        "item_code": "AMMO-155MM",
        "site": "Raufoss",
        "country": "NOR",
        "earliest_start": FIRST.isoformat(),
        "minimum_economic_quantity": 1_000,
        "rates": [{"month": f"{FIRST:%Y-%m}", "units_per_month": units_per_month}],
    }


async def test_a_nation_sees_its_own_lots_expected_month_by_month_and_late_ones_are_delays(api: Api) -> None:
    contract_id, _ = await signed_contract(api)  # NLD 10,000 and DNK 5,000 of 155 mm, NAMMO supplies
    line = await api.call("POST", "/v1/production-lines", industry("NAMMO"), line_of(2_000), 201)
    lots = [
        {"nation": "NLD", "quantity": 4_000, "due_date": (month(2) - timedelta(days=1)).isoformat()},
        {"nation": "DNK", "quantity": 5_000, "due_date": (month(1) - timedelta(days=1)).isoformat()},
    ]
    await api.call("POST", f"/v1/contracts/{contract_id}/lots", coordinator("CZE"), {"lots": lots}, 201)
    await api.call("PUT", "/v1/stock-levels/AMMO-155MM", desk("DNK"), {"coverage": 0.3})
    await api.call("PUT", "/v1/stock-levels/AMMO-155MM", desk("NLD"), {"coverage": 0.8})
    assert (await api.call("GET", "/v1/stock-levels", desk("NLD")))["items"][0]["coverage"] == 0.8

    whole = await api.call("GET", f"/v1/production-lines/{line['id']}/allocation", industry("NAMMO"))
    assert whole["whole"] and whole["lot_count"] == 2 and whole["priority"] == ["ukraine", "stock_norm", "order_date"]
    # Denmark is further below its stock norm: its 5,000 come first, over January to March.
    assert [x["nation"] for x in whole["lots"]] == ["DNK", "NLD"]
    assert whole["per_month"][f"{month(0):%Y-%m}"] == 2_000

    dutch = await api.call("GET", f"/v1/production-lines/{line['id']}/allocation", desk("NLD"))
    (own,) = dutch["lots"]
    assert not dutch["whole"] and own["nation"] == "NLD" and own["late"]
    assert own["expected"] == [
        {"month": f"{month(2):%Y-%m}", "quantity": 1_000},
        {"month": f"{month(3):%Y-%m}", "quantity": 2_000},
        {"month": f"{month(4):%Y-%m}", "quantity": 1_000},
    ]
    assert own["pushed_by"] == {"a nation further below its NATO stock norm": 1}
    assert "DNK" not in str(dutch)

    checked = await api.call("POST", "/v1/delivery-checks", coordinator("CZE"))
    assert checked["delays_reported"] == 2  # both expected after their due dates
    delayed = await api.events("contracts.delivery.delayed")
    assert {e["payload"]["nation"] for e in delayed} == {"NLD", "DNK"}
    again = await api.call("POST", "/v1/delivery-checks", coordinator("CZE"))
    assert again["delays_reported"] == 0  # told once per expectation


async def test_an_order_shift_moves_the_remaining_schedule_into_a_window_within_capacity(api: Api) -> None:
    contract_id, _ = await signed_contract(api)
    await api.call("POST", "/v1/production-lines", industry("NAMMO"), line_of(1_000), 201)
    far = date(FIRST.year + 3, 6, 30)
    lots = [
        {"nation": "NLD", "quantity": 3_000, "due_date": far.isoformat()},
        {"nation": "NLD", "quantity": 3_000, "due_date": (far + timedelta(days=180)).isoformat()},
        {"nation": "DNK", "quantity": 2_000, "due_date": far.isoformat()},
    ]
    await api.call("POST", f"/v1/contracts/{contract_id}/lots", coordinator("CZE"), {"lots": lots}, 201)
    shift = {"window": {"start": month(0).isoformat(), "end": month(11).isoformat()}, "nation": "NLD",
             "reason": "raised NATO stock norms: delivery moved forward"}  # fmt: skip
    moved = await api.call("POST", f"/v1/contracts/{contract_id}/schedule-shift", coordinator("CZE"), shift)
    assert [(x["nation"], x["due_date"]) for x in moved] == [
        ("NLD", month(0).isoformat()),
        ("NLD", month(11).isoformat()),
    ]
    assert moved[0]["value_eur"] is not None  # the signed unit price times the lot
    log = await api.call("GET", f"/v1/contracts/{contract_id}/change-log", coordinator("CZE"))
    entry = log["items"][-1]
    assert entry["what"].startswith("order shift: 2 remaining lots of NLD (6000 units) moved into")
    assert "within the 12000 its supplier's lines turn out" in entry["what"]
    history = await api.call("GET", f"/v1/lots/{moved[0]['id']}/history", desk("NLD"))
    assert "raised NATO stock norms" in history["items"][-1]["what"]
    (changed,) = [
        e for e in await api.events("contracts.delivery_schedule.changed") if "order shift" in e["payload"]["reason"]
    ]
    assert len(changed["payload"]["lots"]) == 2

    everything = {"window": {"start": month(0).isoformat(), "end": month(1).isoformat()}, "reason": "too fast"}
    refused = await api.call("POST", f"/v1/contracts/{contract_id}/schedule-shift", coordinator("CZE"), everything, 422)
    assert "can turn out 2000" in str(refused) and "line_capacity" in str(refused)
    await api.call("POST", f"/v1/contracts/{contract_id}/schedule-shift", desk("NLD"), shift, 403)
    await api.call("POST", f"/v1/contracts/{contract_id}/schedule-shift", ADMIN, {**shift, "window": {
        "start": month(5).isoformat(), "end": month(0).isoformat()}}, 422)  # fmt: skip


async def test_a_stock_level_is_a_number_of_norms_stated_by_a_desk_for_its_own_nation(api: Api) -> None:
    for wrong in (False, "0.4", -0.1, 10.5):
        refused = await api.call("PUT", "/v1/stock-levels/AMMO-155MM", desk("NLD"), {"coverage": wrong}, 422)
        assert "coverage" in str(refused), wrong
    await api.call("PUT", "/v1/stock-levels/AMMO-155MM", coordinator("NSPA"), {"coverage": 0.5}, 403)
    await api.call("PUT", "/v1/stock-levels/AMMO-155MM", ADMIN, {"coverage": 0.5}, 403)  # speaks for no nation
    stated = await api.call("PUT", "/v1/stock-levels/ammo-155mm", desk("NLD"), {"coverage": 1})
    assert (stated["nation"], stated["item_code"], stated["coverage"]) == ("NLD", "AMMO-155MM", 1.0)
    assert (await api.call("GET", "/v1/stock-levels", desk("DEU")))["items"] == []
