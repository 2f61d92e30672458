"""Production lines: a company's own (and, for the nations, every company's), each with the
allocation of its output over the lots it delivers, month by month, as a chart."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from console.entrypoints.deps import Api, listing, page
from console.entrypoints.session import User
from console.views.charts import Series, bars

router = APIRouter()
PAGE = 50
LOTS_SHOWN = 100


@router.get("/production-lines", response_class=HTMLResponse)
async def lines(request: Request, user: User, api: Api, offset: int = 0) -> HTMLResponse:
    source = ("contracts", "/v1/production-lines")
    return await listing(request, api, user.token, source, "production_lines.html", "lines", offset=offset, limit=PAGE)


@router.get("/production-lines/{line_id}", response_class=HTMLResponse)
async def line(request: Request, line_id: str, user: User, api: Api) -> HTMLResponse:
    declared = await api.get("contracts", f"/v1/production-lines/{line_id}", user.token)
    allocation = await api.get("contracts", f"/v1/production-lines/{line_id}/allocation", user.token, limit=LOTS_SHOWN)
    months = sorted(allocation["per_month"])
    chart = bars(
        f"Output allocated per month, line {line_id}",
        months,
        [Series("allocated", "delivered", [allocation["per_month"][m] for m in months])],
    )
    return page(request, "production_line.html", line=declared, allocation=allocation, chart=chart, months=months)
