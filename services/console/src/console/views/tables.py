"""A list as a spreadsheet: the same columns and values in CSV and in XLSX, so a reader
may take either and get the same table.

Values are written as the API answered them. Money stays a decimal: the text the service
wrote in CSV; in XLSX a number cell with cents when a spreadsheet's number (15 significant
digits) holds it exactly, else the service's text, so no amount is ever rounded."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from openpyxl import Workbook

Row = Mapping[str, Any]


@dataclass(frozen=True)
class Column:
    name: str
    value: Callable[[Row], Any]
    money: bool = False


@dataclass(frozen=True)
class Table:
    """How one list becomes rows: `rows` makes one or more rows of an item (a bundle and
    each nation's part of it), each row a dict by column name."""

    name: str
    columns: Sequence[Column]
    rows: Callable[[Row], Iterable[Row]] = lambda item: (item,)

    @property
    def header(self) -> list[str]:
        return [c.name for c in self.columns]

    def cells(self, items: Iterable[Row]) -> Iterable[list[Any]]:
        for item in items:
            for row in self.rows(item):
                yield [_plain(c.value(row)) for c in self.columns]


def _plain(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return " ".join(str(v) for v in value)
    return value


def field(name: str, *path: str) -> Column:
    """A column read from the item's field (or a field within it: `field("start", "delivery_window", "start")`)."""
    keys = path or (name,)

    def value(row: Row) -> Any:
        found: Any = row
        for key in keys:
            found = found.get(key) if isinstance(found, Mapping) else None
        return found

    return Column(name, value)


def money(name: str, *path: str) -> Column:
    return Column(name, field(name, *path).value, money=True)


def to_csv(table: Table, items: Iterable[Row]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(table.header)
    writer.writerows(table.cells(items))
    return out.getvalue()


def _amount(text: Any) -> Any:
    """A number cell when it holds the amount exactly, else the amount as text."""
    if text == "":
        return None
    try:
        amount = Decimal(str(text))
    except InvalidOperation:
        return text  # not a number after all: kept as the service wrote it
    return amount if amount.is_finite() and Decimal(f"{amount:.15g}") == amount else str(text)


def to_xlsx(table: Table, items: Iterable[Row]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = table.name[:31]  # the longest sheet name a workbook takes
    sheet.append(table.header)
    money_at = [i for i, c in enumerate(table.columns) if c.money]
    for cells in table.cells(items):
        for i in money_at:
            cells[i] = _amount(cells[i])
        sheet.append([None if c == "" else c for c in cells])
        for i in money_at:
            sheet.cell(row=sheet.max_row, column=i + 1).number_format = "0.00"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
