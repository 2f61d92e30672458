"""Needs from and to spreadsheets: the template's columns, CSV and XLSX read alike, a file
that cannot be read as a whole refused before any row is sent."""

from __future__ import annotations

import io
from datetime import datetime

import pytest
from openpyxl import Workbook, load_workbook

from console.views.exports import NEEDS
from console.views.spreadsheets import MAX_ROWS, SheetProblem, form_of, rows_of, template_csv
from console.views.tables import to_csv, to_xlsx

NEED = {
    "id": "need-1",
    "item_code": "AMMO-155MM",
    "quantity": 10_000,
    "end_user": "own_forces",
    "delivery_window": {"start": "2027-01-01", "end": "2028-12-31"},
    "status": "bundled",
    "bundle_id": "b-1",
}
TOO_MANY = ("item_code,quantity,delivery_start,delivery_end\n" + "X,1,a,b\n" * (MAX_ROWS + 1)).encode()


def test_the_template_reads_back_as_one_row_of_the_need_form() -> None:
    (row,) = rows_of("needs.csv", template_csv().encode())
    assert form_of(row) == {
        "item_code": "AMMO-155MM",
        "quantity": "10000",
        "window_start": "2027-01-01",
        "window_end": "2028-12-31",
        "end_user": "own_forces",
        "budget": "45000000.00",
    }


def test_a_workbook_reads_as_its_csv_does_dates_and_whole_numbers_included() -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["item_code", "quantity", "delivery_start", "delivery_end"])
    sheet.append(["AMMO-155MM", 10000.0, datetime(2027, 1, 1), datetime(2028, 12, 31)])
    sheet.append([None, None, None, None])  # an empty row is no need
    out = io.BytesIO()
    book.save(out)
    (row,) = rows_of("needs.xlsx", out.getvalue())
    assert form_of(row)["quantity"] == "10000" and form_of(row)["window_start"] == "2027-01-01"


@pytest.mark.parametrize(
    ("name", "content", "said"),
    [
        ("needs.csv", b"item_code,quantity\nAMMO-155MM,1\n", "delivery_start"),
        ("needs.csv", b"", "empty"),
        ("needs.csv", b"\xff\xfe\x00", "UTF-8"),
        ("needs.xlsx", b"not a workbook", "XLSX"),
        ("needs.csv", TOO_MANY, "at most"),
    ],
)
def test_a_file_that_cannot_be_read_as_a_whole_is_refused(name: str, content: bytes, said: str) -> None:
    with pytest.raises(SheetProblem, match=said):
        rows_of(name, content)


def test_the_list_goes_out_as_csv_and_xlsx_with_the_same_columns() -> None:
    lines = to_csv(NEEDS, [NEED]).splitlines()
    assert lines[0] == "id,item_code,quantity,delivery_start,delivery_end,end_user,status,bundle_id"
    assert lines[1] == "need-1,AMMO-155MM,10000,2027-01-01,2028-12-31,own_forces,bundled,b-1"
    sheet = load_workbook(io.BytesIO(to_xlsx(NEEDS, [NEED]))).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][:3] == ("need-1", "AMMO-155MM", 10000)
