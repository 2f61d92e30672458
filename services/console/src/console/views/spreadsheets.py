"""Needs from spreadsheets: CSV or XLSX, one need a row, with the column names the
template gives. A row becomes the demand service's request as the form's does; the service
checks it with its own rules, so a spreadsheet cannot bring in what the API would refuse."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from openpyxl import load_workbook

COLUMNS = ("item_code", "quantity", "delivery_start", "delivery_end", "end_user", "budget_eur")
MAX_ROWS = 1000
EXAMPLE = ("AMMO-155MM", "10000", "2027-01-01", "2028-12-31", "own_forces", "45000000.00")


class SheetProblem(ValueError):
    """The file as a whole cannot be read: nothing of it is imported."""


def template_csv() -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    writer.writerow(EXAMPLE)
    return out.getvalue()


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def rows_of(filename: str, content: bytes) -> list[dict[str, str]]:
    """The rows as text by column name, the header first in the file; empty rows left out."""
    if filename.lower().endswith(".xlsx"):
        try:
            sheet = load_workbook(io.BytesIO(content), read_only=True, data_only=True).active
        except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
            raise SheetProblem(f"not a readable XLSX workbook: {exc}") from None
        if sheet is None:
            raise SheetProblem("the workbook has no sheet")
        table = [[_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    else:
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise SheetProblem("a CSV file is read as UTF-8") from None
        table = [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(text))]
    if not table:
        raise SheetProblem("the file is empty")
    header = [h.strip().lower() for h in table[0]]
    missing = [c for c in COLUMNS[:4] if c not in header]
    if missing:
        raise SheetProblem(f"columns missing from the first row: {', '.join(missing)} (see the template)")
    rows = [dict(zip(header, row, strict=False)) for row in table[1:] if any(cell for cell in row)]
    if len(rows) > MAX_ROWS:
        raise SheetProblem(f"at most {MAX_ROWS} needs a file; this one has {len(rows)}")
    return rows


def form_of(row: Mapping[str, str]) -> dict[str, str]:
    """A row as the need form's fields."""
    return {
        "item_code": row.get("item_code", ""),
        "quantity": row.get("quantity", ""),
        "window_start": row.get("delivery_start", ""),
        "window_end": row.get("delivery_end", ""),
        "end_user": row.get("end_user") or "own_forces",
        "budget": row.get("budget_eur", ""),
    }
