"""The lists a reader may take away as a spreadsheet: which service answers each, how long
its pages may be, and its columns.

Every row is what the service answered to the reader's own token, so an export shows
what the page shows and no more: a desk's bundles carry the totals and its own nation's
part only, since the demand service answers nothing else to a desk. A list is read page
after page up to `MOST_ROWS` items; a longer one is cut there and says how long it was."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from console.adapters.platform_api import PlatformApi
from console.views.tables import Column, Row, Table, field, money

MOST_ROWS = 10_000
"""The most items one export reads: beyond it, a reader filters in the services' APIs."""


def _pairs(name: str, key: str) -> Column:
    """A small mapping as one cell: `DEU:2 NLD:1`."""
    return Column(name, lambda row: " ".join(f"{k}:{v}" for k, v in sorted((row.get(key) or {}).items())))


def _each(key: str, as_key: str) -> Callable[[Row], Iterable[Row]]:
    """A row for each entry of the item's `key` list, the item's own fields repeated on each;
    one row with the entry's columns empty when the list is empty."""

    def rows(item: Row) -> Iterable[Row]:
        entries = item.get(key) or [{}]
        return [{**item, as_key: entry} for entry in entries]

    return rows


def _by_nation(year: Row) -> Iterable[Row]:
    nations = year.get("by_nation") or {}
    if not nations:
        return [{**year, "origin": {}}]
    return [{**year, "origin": {"nation": n, **nations[n]}} for n in sorted(nations)]


def fields(*names: str) -> list[Column]:
    return [field(name) for name in names]


def within(key: str, prefix: str, *names: str) -> list[Column]:
    """Columns read from the mapping under `key`, named with `prefix`: `nation_quantity`."""
    return [field(prefix + name, key, name) for name in names]


NEEDS = Table(
    "needs",
    [
        *fields("id", "item_code", "quantity"),
        *within("delivery_window", "delivery_", "start", "end"),
        *fields("end_user", "status", "bundle_id"),
    ],
)
BUNDLES = Table(
    "bundles",
    [
        *fields("id", "item_code", "kind", "status", "nations", "nation_count", "minimum_nations", "total_quantity"),
        money("total_value_eur"),
        money("unit_price_eur"),
        *fields("value_basis", "accession_deadline", "lead", "proposed_lead"),
        field("nation", "part", "nation"),
        *within("part", "nation_", "status", "quantity", "confirmed_quantity", "funding_instrument"),
    ],
    _each("participation", "part"),
)
CONTRACTS = Table(
    "contracts",
    [
        *fields("id", "bundle_id", "item_code", "contracting_authority", "supplier_id", "part"),
        *fields("delivery_window_start", "delivery_window_end", "total_quantity", "ukraine_quantity"),
        money("unit_price_eur"),
        *fields("nations", "funded_by", "created_at"),
        *within("line", "line_", "nation", "quantity", "ukraine_quantity", "own_forces_quantity"),
    ],
    _each("lines", "line"),
)
LOTS = Table(
    "lots",
    [
        *fields("id", "contract_id", "nation", "deliver_to", "due_date", "quantity", "delivered", "outstanding"),
        *fields("status", "forecast_date"),
        money("value_eur"),
    ],
)
DELIVERIES = Table(
    "deliveries",
    fields("contract_id", "nation", "deliver_to", "planned", "delivered", "due_so_far", "not_met",
           "partially_met", "met", "open"),
)  # fmt: skip
INDUSTRIAL_BASE = Table(
    "industrial-base",
    [
        field("year"),
        money("value_eur"),
        field("sme_share"),
        _pairs("new_suppliers", "new_suppliers"),
        field("nation", "origin", "nation"),
        *[money(f"{part}_eur", "origin", part) for part in ("national", "eu", "other_nato", "other", "total")],
        *within("origin", "", "national_share", "eu_share", "other_nato_share", "other_share"),
    ],
    _by_nation,
)
FRAMEWORKS = Table(
    "frameworks",
    [
        *fields("id", "bundle_id", "item_code", "contracting_authority", "start", "end", "ceiling_quantity"),
        money("ceiling_value_eur"),
        field("remaining_quantity"),
        money("remaining_value_eur"),
        *fields("remaining_share", "nations"),
        _pairs("participants", "participants"),
        *fields("accession_policy", "pooled_shares", "end_date_warning"),
    ],
)
CALL_OFFS = Table(
    "call-offs",
    [
        *fields("id", "framework_id", "nation", "item_code", "quantity", "supplier_id"),
        money("unit_price_eur"),
        *fields("delivery_due", "mode", "placed_at"),
    ],
)


def _late_first(row: Row) -> tuple[Any, ...]:
    return (-row["not_met"], -row["partially_met"], row["contract_id"], row["nation"])


@dataclass(frozen=True)
class Export:
    """A list's table and where it is read: `path` may name the object it belongs to as
    `{id}`; `page` is the longest page the service answers for it (none: one answer holding
    every row under `key`)."""

    table: Table
    service: str
    path: str
    page: int | None = 100
    key: str = "items"
    order: Callable[[Row], Any] | None = None


EXPORTS: dict[str, Export] = {
    "needs": Export(NEEDS, "demand", "/v1/needs", page=100),
    "bundles": Export(BUNDLES, "demand", "/v1/bundles", page=40),
    "contracts": Export(CONTRACTS, "contracts", "/v1/contracts", page=500),
    "lots": Export(LOTS, "contracts", "/v1/contracts/{id}/lots", page=500),
    "deliveries": Export(DELIVERIES, "contracts", "/v1/reports/deliveries", page=500, order=_late_first),
    "industrial-base": Export(INDUSTRIAL_BASE, "contracts", "/v1/reports/kpis", page=None, key="years"),
    "frameworks": Export(FRAMEWORKS, "contracts", "/v1/frameworks", page=500),
    "call-offs": Export(CALL_OFFS, "contracts", "/v1/frameworks/{id}/call-offs", page=500),
}


@dataclass(frozen=True)
class Collected:
    items: list[Mapping[str, Any]]
    total: int
    """How many the service holds for the reader: more than `items` when the list was cut."""


async def collect(
    api: PlatformApi,
    export: Export,
    token: str,
    object_id: str = "",
    on_page: Callable[[int, int], None] = lambda read, total: None,
) -> Collected:
    """Every item of the list as the reader may see it, page after page, up to `MOST_ROWS`."""
    path = export.path.format(id=quote(object_id, safe=""))
    if export.page is None:
        items = list((await api.get(export.service, path, token))[export.key])[:MOST_ROWS]
        on_page(len(items), len(items))
        return Collected(_ordered(export, items), len(items))
    items, total = [], 0
    while len(items) < MOST_ROWS:
        size = min(export.page, MOST_ROWS - len(items))
        found = await api.get(export.service, path, token, limit=size, offset=len(items))
        items.extend(found["items"])
        total = found["total"]
        on_page(len(items), min(total, MOST_ROWS))
        if len(items) >= total or not found["items"]:
            break
    return Collected(_ordered(export, items), max(total, len(items)))


def _ordered(export: Export, items: list[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    return sorted(items, key=export.order) if export.order else items
