"""The lists as spreadsheets: the same header and cells in CSV and XLSX, money exact as a
decimal, a bundle or contract a row per nation's part the reader was answered, and every
page of a list read up to the most an export takes."""

from __future__ import annotations

import asyncio
import csv
import io
from decimal import Decimal
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook

from console.adapters.platform_api import PlatformApi
from console.views import exports
from console.views.exports import BUNDLES, CONTRACTS, EXPORTS, INDUSTRIAL_BASE, collect
from console.views.tables import Table, to_csv, to_xlsx

BUNDLE: dict[str, Any] = {
    "id": "b-1", "item_code": "AMMO-155MM", "kind": "joint_order", "status": "open", "nations": ["DEU", "NLD"],
    "nation_count": 2, "minimum_nations": 2, "total_quantity": 1500, "total_value_eur": "4500000.10",
    "unit_price_eur": "3000.07", "value_basis": "estimated unit price", "accession_deadline": "2031-03-01",
    "lead": None, "proposed_lead": "NLD",
    "participation": [{"nation": "DEU", "status": "confirmed", "quantity": 500, "confirmed_quantity": 500,
                       "funding_instrument": None}],
}  # fmt: skip
YEAR = {"year": 2031, "value_eur": "59000000.00", "sme_share": 0.25, "new_suppliers": {"NLD": 1, "DEU": 2},
        "by_nation": {"NLD": {"national": "59000000.00", "eu": "0.00", "other_nato": "0.00", "other": "0.00",
                              "total": "59000000.00", "national_share": 1.0, "eu_share": 0.0,
                              "other_nato_share": 0.0, "other_share": 0.0}}}  # fmt: skip


def _csv(table: Table, items: list[dict[str, Any]]) -> list[list[str]]:
    return list(csv.reader(io.StringIO(to_csv(table, items))))


def _xlsx(table: Table, items: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    sheet = load_workbook(io.BytesIO(to_xlsx(table, items))).active
    assert sheet is not None
    return list(sheet.iter_rows(values_only=True))


@pytest.mark.parametrize("name", sorted(EXPORTS))
def test_every_list_has_the_same_columns_in_csv_and_xlsx(name: str) -> None:
    table = EXPORTS[name].table
    assert _csv(table, [])[0] == list(_xlsx(table, [])[0]) == table.header
    assert len(set(table.header)) == len(table.header), "no column twice"


def test_a_desks_bundle_is_one_row_with_the_totals_and_its_own_part() -> None:
    header, row = _csv(BUNDLES, [BUNDLE])
    cells = dict(zip(header, row, strict=True))
    assert cells["total_quantity"] == "1500" and cells["nations"] == "DEU NLD"
    assert (cells["nation"], cells["nation_quantity"], cells["nation_status"]) == ("DEU", "500", "confirmed")
    assert cells["total_value_eur"] == "4500000.10" and cells["lead"] == ""


def test_a_coordinators_bundle_is_a_row_per_nation_and_a_bundle_with_none_still_a_row() -> None:
    board = {**BUNDLE, "participation": [*BUNDLE["participation"], {"nation": "NLD", "quantity": 1000}]}
    empty = {**BUNDLE, "id": "b-2", "participation": []}
    rows = _csv(BUNDLES, [board, empty])[1:]
    nation = BUNDLES.header.index("nation")
    assert [(r[0], r[nation]) for r in rows] == [("b-1", "DEU"), ("b-1", "NLD"), ("b-2", "")]


def test_money_is_an_exact_number_cell_in_xlsx_or_else_the_services_text() -> None:
    vast = {**BUNDLE, "total_value_eur": "123456789012345678.99"}  # more digits than a spreadsheet's number
    content = to_xlsx(BUNDLES, [BUNDLE, vast])
    sheet = load_workbook(io.BytesIO(content)).active
    assert sheet is not None
    value_at = BUNDLES.header.index("total_value_eur") + 1
    price = sheet.cell(row=2, column=BUNDLES.header.index("unit_price_eur") + 1)
    assert price.data_type == "n" and price.number_format == "0.00"
    assert Decimal(str(price.value)) == Decimal("3000.07")
    assert Decimal(str(sheet.cell(row=2, column=value_at).value)) == Decimal("4500000.10")
    assert sheet.cell(row=3, column=value_at).value == "123456789012345678.99", "never rounded"
    assert ",4500000.10,3000.07," in to_csv(BUNDLES, [BUNDLE])


def test_a_contract_is_a_row_per_line_the_reader_may_see() -> None:
    line = {"nation": "DEU", "quantity": 500, "ukraine_quantity": 100, "own_forces_quantity": 400}
    contract = {"id": "c-1", "item_code": "AMMO-155MM", "unit_price_eur": "12.50", "lines": [line]}
    header, row = _csv(CONTRACTS, [contract])
    cells = dict(zip(header, row, strict=True))
    assert (cells["line_nation"], cells["line_ukraine_quantity"], cells["unit_price_eur"]) == ("DEU", "100", "12.50")


def test_the_industrial_base_is_a_row_per_year_and_buying_nation() -> None:
    header, row = _xlsx(INDUSTRIAL_BASE, [YEAR, {**YEAR, "year": 2032, "by_nation": {}}])[:2]
    cells = dict(zip(header, row, strict=True))
    assert cells["nation"] == "NLD" and cells["national_eur"] == 59_000_000
    assert cells["new_suppliers"] == "DEU:2 NLD:1" and cells["national_share"] == 1
    assert _csv(INDUSTRIAL_BASE, [{**YEAR, "by_nation": {}}])[1][INDUSTRIAL_BASE.header.index("nation")] == ""


def _paged(held: int, asked: list[tuple[int, int]]) -> PlatformApi:
    """A list of `held` items answered as the services page theirs: `limit`, `offset`, `total`."""

    def answer(request: httpx.Request) -> httpx.Response:
        limit, offset = int(request.url.params["limit"]), int(request.url.params["offset"])
        asked.append((limit, offset))
        items = [{"id": f"n-{i}"} for i in range(offset, min(offset + limit, held))]
        return httpx.Response(200, json={"items": items, "total": held, "limit": limit, "offset": offset})

    return PlatformApi(httpx.AsyncClient(transport=httpx.MockTransport(answer)), {"demand": "http://demand"})


def test_an_export_reads_every_page_and_cuts_a_longer_list_at_the_most_it_takes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    asked: list[tuple[int, int]] = []
    found = asyncio.run(collect(_paged(250, asked), EXPORTS["needs"], "token"))
    assert [item["id"] for item in found.items] == [f"n-{i}" for i in range(250)] and found.total == 250
    assert asked == [(100, 0), (100, 100), (100, 200)]

    monkeypatch.setattr(exports, "MOST_ROWS", 150)
    asked.clear()
    cut = asyncio.run(collect(_paged(250, asked), EXPORTS["needs"], "token"))
    assert (len(cut.items), cut.total) == (150, 250)
    assert asked == [(100, 0), (50, 100)]
