"""Reports: planned against delivered per contract and nation, lots past due first; the
defence industrial base year by year (the share contracted with the nation's own
companies, new suppliers, the SME share), for what the reader may see."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from console.entrypoints.deps import Api, page
from console.entrypoints.session import User
from console.views.charts import Series, bars

router = APIRouter()
PAGE = 100


@router.get("/reports/deliveries", response_class=HTMLResponse)
async def deliveries(request: Request, user: User, api: Api, offset: int = 0) -> HTMLResponse:
    found = await api.get("contracts", "/v1/reports/deliveries", user.token, limit=PAGE, offset=max(0, offset))
    rows = sorted(found["items"], key=lambda r: (-r["not_met"], -r["partially_met"], r["contract_id"], r["nation"]))
    late = sum(r["not_met"] for r in rows)
    return page(request, "deliveries.html", rows=rows, late=late, total=found["total"], offset=offset, limit=PAGE)


@router.get("/reports/industrial-base", response_class=HTMLResponse)
async def industrial_base(request: Request, user: User, api: Api) -> HTMLResponse:
    years = (await api.get("contracts", "/v1/reports/kpis", user.token))["years"]
    nations = sorted({n for y in years for n in y["by_nation"]})
    shown = nations[0] if len(nations) == 1 else None  # a desk reads its own nation's row
    chart = None
    if shown is not None:
        shares = [round(100 * y["by_nation"].get(shown, {}).get("national_share", 0)) for y in years]
        chart = bars(
            f"Share of {shown}'s purchases contracted with its own companies, per year (%)",
            [str(y["year"]) for y in years],
            [Series("national share", "delivered", shares)],
        )
    return page(request, "industrial_base.html", years=years, nations=nations, shown=shown, chart=chart)
