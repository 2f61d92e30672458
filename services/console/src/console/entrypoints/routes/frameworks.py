"""Framework contracts: the ceiling and what is left of it; a framework's call-offs, the
ceiling used over time, month by month, as a chart, and its change log; a desk of a nation
in it places a call-off, checked by the service's own rules; the call-offs a reader may
see across its frameworks."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from console.adapters.platform_api import ApiError
from console.entrypoints.deps import Api, listing, page
from console.entrypoints.session import Form, User
from console.views.call_off_form import call_off_body
from console.views.charts import Series, bars
from console.views.need_form import FormProblem

router = APIRouter()
PAGE = 50
CALL_OFFS_SHOWN = 500
FRAMEWORKS_READ = 100


@router.get("/frameworks", response_class=HTMLResponse)
async def frameworks(request: Request, user: User, api: Api, offset: int = 0) -> HTMLResponse:
    source = ("contracts", "/v1/frameworks")
    return await listing(request, api, user.token, source, "frameworks.html", "frameworks", offset=offset, limit=PAGE)


async def framework_view(api: Api, token: str, framework_id: str) -> dict[str, Any]:
    found = await api.get("contracts", f"/v1/frameworks/{framework_id}", token)
    call_offs = await api.get("contracts", f"/v1/frameworks/{framework_id}/call-offs", token, limit=CALL_OFFS_SHOWN)
    log = await api.get("contracts", f"/v1/frameworks/{framework_id}/change-log", token, limit=50)
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
    return {
        "framework": found, "call_offs": call_offs["items"], "total": call_offs["total"], "chart": chart,
        "rows": rows, "log": log["items"],
    }  # fmt: skip


@router.get("/frameworks/{framework_id}", response_class=HTMLResponse)
async def framework(request: Request, framework_id: str, user: User, api: Api) -> HTMLResponse:
    view = await framework_view(api, user.token, framework_id)
    return page(request, "framework.html", form={}, error=None, **view)


@router.post("/frameworks/{framework_id}/call-offs", response_model=None)
async def place_call_off(
    request: Request, framework_id: str, user: User, api: Api, form: Form
) -> HTMLResponse | RedirectResponse:
    """A desk calls off for its nation; a refusal keeps what was filled in and names the
    field and the rule, as the service said them."""
    try:
        await api.post("contracts", f"/v1/frameworks/{framework_id}/call-offs", user.token, call_off_body(form))
    except (FormProblem, ApiError) as exc:
        error = f"{exc.field}: {exc}" if isinstance(exc, FormProblem) else exc.detail
        status = 422 if isinstance(exc, FormProblem) else exc.status
        view = await framework_view(api, user.token, framework_id)
        return page(request, "framework.html", status, form=form, error=error, **view)
    return RedirectResponse(f"/frameworks/{framework_id}", status_code=303)


@router.get("/call-offs", response_class=HTMLResponse)
async def my_call_offs(request: Request, user: User, api: Api) -> HTMLResponse:
    """Across the frameworks the reader may see, the call-offs it may see of each: a desk
    its nation's, a supplier those it delivers, a lead every one."""
    found = await api.get("contracts", "/v1/frameworks", user.token, limit=FRAMEWORKS_READ)
    rows = []
    for f in found["items"]:
        placed = await api.get("contracts", f"/v1/frameworks/{f['id']}/call-offs", user.token, limit=CALL_OFFS_SHOWN)
        rows += [{**c, "framework": f} for c in placed["items"]]
    rows.sort(key=lambda c: (str(c["delivery_due"]), c["id"]))
    more = found["total"] > FRAMEWORKS_READ
    return page(request, "call_offs.html", call_offs=rows, frameworks=len(found["items"]), more=more)
