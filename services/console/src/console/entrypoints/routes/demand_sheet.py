"""The demand sheet of an item: demand per year against declared production capacity, as a
chart and a table; the open bundles; no nation named (the service names none)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from console.entrypoints.deps import Api, page
from console.entrypoints.session import User
from console.views.charts import Series, bars

router = APIRouter()


@router.get("/demand-sheet", response_class=HTMLResponse)
async def items(request: Request, user: User, api: Api) -> HTMLResponse:
    found = await api.get("demand", "/v1/catalogue/items", user.token, limit=100)
    return page(request, "demand_sheets.html", items=[i for i in found["items"] if not i.get("retired")])


@router.get("/demand-sheet/{item_code}", response_class=HTMLResponse)
async def sheet(request: Request, item_code: str, user: User, api: Api) -> HTMLResponse:
    found = await api.get("demand", f"/v1/demand-sheet/{item_code}", user.token)
    demand = {int(y): q for y, q in found["per_year"].items()}
    ukraine = {int(y): q for y, q in (found.get("ukraine_per_year") or {}).items()}
    capacity = {int(y): q for y, q in ((found.get("capacity") or {}).get("per_year") or {}).items()}
    years = sorted(set(demand) | set(capacity))
    chart = bars(
        f"Demand for own forces and for Ukraine against declared capacity per year, {item_code}",
        [str(y) for y in years],
        [
            Series("own forces", "own", [demand.get(y, 0) - ukraine.get(y, 0) for y in years]),
            Series("for Ukraine", "ukraine", [ukraine.get(y, 0) for y in years]),
            Series("declared capacity", "planned", [capacity.get(y, 0) for y in years]),
        ],
    )
    rows = [
        (y, demand.get(y, 0) - ukraine.get(y, 0), ukraine.get(y, 0), demand.get(y, 0), capacity.get(y, 0))
        for y in years
    ]
    # The sheet counts every open bundle of the item; its reader opens those it is in or leads
    # (the first page of them: at most 40 a page).
    readable = await api.get("demand", "/v1/bundles", user.token, item_code=item_code, limit=40)
    opened = {b["id"] for b in readable["items"]}
    return page(request, "demand_sheet.html", sheet=found, chart=chart, rows=rows, opened=opened)
