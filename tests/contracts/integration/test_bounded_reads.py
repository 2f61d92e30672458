"""Every list of the contracts service answers a page at a time, found, ordered and added up
by the database: no page is longer than 500 items, a schedule is read in the order its lots
fall due, a report counts each lot by its status on the day asked, and what is left of a
framework is added up to the cent from its call-offs."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import text

from bundling_shared.db import make_engine, migrate
from contracts.entrypoints.app import MIGRATIONS
from tests.contracts.integration.conftest import Api
from tests.contracts.integration.test_api_deliveries_reports import LATER, PAST, signed_contract
from tests.support.api import coordinator, desk, industry
from tests.support.today import TODAY

LISTS = [
    "/v1/contracts",
    "/v1/contracts/x/change-log",
    "/v1/contracts/x/lots",
    "/v1/lots/x/deliveries",
    "/v1/lots/x/history",
    "/v1/suppliers",
    "/v1/specifications",
    "/v1/specifications/x/deviations",
    "/v1/procurements/x/offers",
    "/v1/procurements/x/evaluation",
    "/v1/frameworks",
    "/v1/frameworks/x/call-offs",
    "/v1/frameworks/x/accessions",
    "/v1/frameworks/x/change-log",
    "/v1/reports/deliveries",
]


@pytest.mark.parametrize("path", LISTS)
async def test_no_list_answers_a_page_longer_than_500(api: Api, path: str) -> None:
    refused = await api.call("GET", f"{path}?limit=501", coordinator("CZE"), expect=422)
    assert refused["errors"][0]["field"] == "query.limit"
    await api.call("GET", f"{path}?offset=-1", coordinator("CZE"), expect=422)


async def test_planned_against_delivered_counts_each_lot_by_its_status_a_page_of_rows_at_a_time(api: Api) -> None:
    contract_id, _ = await signed_contract(api)
    plan = [("NLD", 100, PAST), ("NLD", 50, LATER), ("DNK", 30, PAST), ("DNK", 20, PAST)]
    body = {"lots": [{"nation": n, "quantity": q, "due_date": d} for n, q, d in plan]}
    lots = await api.call("POST", f"/v1/contracts/{contract_id}/lots", coordinator("CZE"), body, 201)
    by_plan = {(x["nation"], x["quantity"]): x["id"] for x in lots}
    for (nation, quantity), delivered in ((("NLD", 100), 70), (("DNK", 20), 20)):
        await api.call("POST", f"/v1/lots/{by_plan[(nation, quantity)]}/deliveries", desk(nation),
                       {"quantity": delivered, "delivered_on": PAST})  # fmt: skip

    first = await api.call("GET", "/v1/reports/deliveries?limit=1", coordinator("CZE"))
    second = await api.call("GET", "/v1/reports/deliveries?limit=1&offset=1", coordinator("CZE"))
    assert (first["total"], second["total"]) == (2, 2)
    (dnk,), (nld,) = first["items"], second["items"]
    assert dnk == {"contract_id": contract_id, "nation": "DNK", "deliver_to": "DNK", "planned": 50, "delivered": 20,
                   "due_so_far": 50, "met": 1, "partially_met": 0, "not_met": 1, "open": 0}  # fmt: skip
    assert nld == {"contract_id": contract_id, "nation": "NLD", "deliver_to": "NLD", "planned": 150, "delivered": 70,
                   "due_so_far": 100, "met": 0, "partially_met": 1, "not_met": 0, "open": 1}  # fmt: skip
    own = await api.call("GET", "/v1/reports/deliveries", desk("NLD"))
    assert (own["items"], own["total"]) == ([nld], 1)
    past_the_end = await api.call("GET", "/v1/reports/deliveries?offset=5", coordinator("CZE"))
    assert (past_the_end["items"], past_the_end["total"]) == ([], 2)


async def test_a_schedule_is_read_a_page_at_a_time_in_the_order_its_lots_fall_due(api: Api) -> None:
    contract_id, _ = await signed_contract(api)
    due = [(TODAY + timedelta(days=d)).isoformat() for d in (90, 30, 60, 30, 120)]
    nations = ["NLD", "DNK", "NLD", "NLD", "DNK"]
    body = {"lots": [{"nation": n, "quantity": 10, "due_date": d} for n, d in zip(nations, due, strict=True)]}
    await api.call("POST", f"/v1/contracts/{contract_id}/lots", coordinator("CZE"), body, 201)
    path = f"/v1/contracts/{contract_id}/lots"

    pages = [await api.call("GET", f"{path}?limit=2&offset={start}", industry("NAMMO")) for start in (0, 2, 4)]
    assert [len(p["items"]) for p in pages] == [2, 2, 1] and {p["total"] for p in pages} == {5}
    schedule = [lot for p in pages for lot in p["items"]]
    assert schedule == sorted(schedule, key=lambda lot: (lot["due_date"], lot["nation"], lot["id"]))
    own = await api.call("GET", f"{path}?limit=1", desk("DNK"))
    assert ([lot["nation"] for lot in own["items"]], own["total"]) == (["DNK"], 2)


async def test_what_is_left_of_a_framework_is_added_up_to_the_cent(api: Api) -> None:
    thales = await api.supplier("THALES-NL", "NLD")
    body: dict[str, Any] = {
        "item_code": "MMR", "participants": {"NLD": 3}, "ceiling_quantity": 3, "ceiling_value_eur": "7500000.30",
        "start": (TODAY - timedelta(days=1)).isoformat(), "end": (TODAY + timedelta(days=700)).isoformat(),
        "suppliers": {thales["id"]: "2500000.10"},
    }  # fmt: skip
    framework = await api.call("POST", "/v1/frameworks", desk("NLD"), body, 201)
    path = f"/v1/frameworks/{framework['id']}"
    call_off = {"item_code": "MMR", "quantity": 1, "delivery_due": LATER}
    for left in ("5000000.20", "2500000.10", "0.00"):
        await api.call("POST", f"{path}/call-offs", desk("NLD"), call_off, 201)
        seen = await api.call("GET", path, desk("NLD"))
        (listed,) = (await api.call("GET", "/v1/frameworks", desk("NLD")))["items"]
        assert seen["remaining_value_eur"] == listed["remaining_value_eur"] == left
    assert seen["remaining_quantity"] == listed["remaining_quantity"] == 0
    report = await api.call("GET", "/v1/reports/value-by-origin", desk("NLD"))
    assert (report["NLD"]["national"], report["NLD"]["total"]) == ("7500000.30", "7500000.30")


async def test_the_quantity_delivered_on_each_lot_kept_before_is_written_from_its_deliveries(
    database_url: str,
) -> None:
    engine = make_engine(database_url)
    try:
        await migrate(engine, MIGRATIONS, "0007")
        async with engine.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO delivery_lots (id, contract_id, nation, quantity, due_date, deliveries, history, "
                    "row_version) VALUES ('lot-1', 'contract-1', 'NLD', 10, '2026-01-31', :deliveries, '[]', 1)"
                ),
                {"deliveries": '[{"on": "2026-01-02", "quantity": 3}, {"on": "2026-01-09", "quantity": 4}]'},
            )
        await migrate(engine, MIGRATIONS)
        async with engine.connect() as conn:
            assert (await conn.execute(text("SELECT delivered FROM delivery_lots"))).scalar_one() == 7
    finally:
        await engine.dispose()
