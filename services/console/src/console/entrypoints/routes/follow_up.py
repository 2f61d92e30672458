"""What needs following up: the contracts whose delivery window ends within some days (the
next round must be prepared before), beside the lots past due with nothing delivered, for
what the reader may see (a desk: its own nation's)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from console.entrypoints.deps import Api, page
from console.entrypoints.session import User

router = APIRouter()
PAGE = 100
DEFAULT_DAYS = 180
MAX_DAYS = 3650


@router.get("/reports/follow-up", response_class=HTMLResponse)
async def follow_up(request: Request, user: User, api: Api, days: str = str(DEFAULT_DAYS)) -> HTMLResponse:
    within = int(days) if days.isdigit() and int(days) <= MAX_DAYS else DEFAULT_DAYS
    ending = await api.get("contracts", "/v1/contracts", user.token, ending_within_days=within, limit=PAGE)
    progress = await api.get("contracts", "/v1/reports/deliveries", user.token, limit=PAGE)
    late = sorted((r for r in progress["items"] if r["not_met"]), key=lambda r: (-r["not_met"], r["contract_id"]))
    return page(
        request, "follow_up.html", days=within, ending=ending["items"], ending_total=ending["total"], late=late,
        max_days=MAX_DAYS,
    )  # fmt: skip
