"""Framework contracts: the ceiling and what is left of it; a framework's call-offs and the
ceiling used over time, month by month, as a chart."""

from __future__ import annotations

from collections import defaultdict

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from console.entrypoints.deps import Api, page
from console.entrypoints.session import User
from console.views.charts import Series, bars

router = APIRouter()
PAGE = 50
CALL_OFFS_SHOWN = 500


@router.get("/frameworks", response_class=HTMLResponse)
async def frameworks(request: Request, user: User, api: Api, offset: int = 0) -> HTMLResponse:
    found = await api.get("contracts", "/v1/frameworks", user.token, limit=PAGE, offset=max(0, offset))
    return page(request, "frameworks.html", frameworks=found["items"], total=found["total"], offset=offset, limit=PAGE)


@router.get("/frameworks/{framework_id}", response_class=HTMLResponse)
async def framework(request: Request, framework_id: str, user: User, api: Api) -> HTMLResponse:
    found = await api.get("contracts", f"/v1/frameworks/{framework_id}", user.token)
    call_offs = await api.get(
        "contracts", f"/v1/frameworks/{framework_id}/call-offs", user.token, limit=CALL_OFFS_SHOWN
    )
    per_month: dict[str, int] = defaultdict(int)
    for call_off in call_offs["items"]:
        per_month[str(call_off["placed_at"])[:7]] += int(call_off["quantity"])
    months = sorted(per_month)
    used, running = [], 0
    for month in months:
        running += per_month[month]
        used.append(running)
    chart = bars(
        f"Ceiling used over time, framework {framework_id} (ceiling {found['ceiling_quantity']:,})",
        months,
        [Series("called off so far", "delivered", used)],
    )
    rows = list(zip(months, [per_month[m] for m in months], used, strict=True))
    return page(
        request, "framework.html", framework=found, call_offs=call_offs["items"], total=call_offs["total"],
        chart=chart, rows=rows,
    )  # fmt: skip
