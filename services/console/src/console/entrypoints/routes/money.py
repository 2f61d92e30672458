"""Money: a nation's pledges (what it pledged, to what, for whom, where each stands), the
funds and a fund's contributions, purchases and what is left of it. The amounts are what
the demand service shows the reader: totals to everyone, a nation's own pledges to its desk,
every pledge to the fund's lead."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from console.entrypoints.deps import Api, listing, page
from console.entrypoints.session import User

router = APIRouter()
PAGE = 50
PURCHASES_LINKED = 20
"""A fund page links the bundles of its first purchases that its reader may open."""
FUNDS_READ = 100


@router.get("/pledges", response_class=HTMLResponse)
async def pledges(request: Request, user: User, api: Api, offset: int = 0) -> HTMLResponse:
    source = ("demand", "/v1/pledges")
    return await listing(request, api, user.token, source, "pledges.html", "pledges", offset=offset, limit=PAGE)


async def funds_for_item(api: Api, token: str, item_code: str) -> list[dict[str, Any]]:
    """The funds that buy this item: where a bundle's gap may be paid from."""
    found = await api.get("demand", "/v1/funds", token, limit=FUNDS_READ)
    return [f for f in found["items"] if item_code in f["item_codes"]]


@router.get("/funds", response_class=HTMLResponse)
async def funds(request: Request, user: User, api: Api, offset: int = 0) -> HTMLResponse:
    """A desk: the funds its nation contributes to or leads; a coordinator every fund."""
    found = await api.get("demand", "/v1/funds", user.token, limit=PAGE, offset=max(0, offset))
    shown = found["items"]
    if user.is_desk:
        shown = [f for f in shown if user.party in f["contributors"] or f["lead"] == user.party]
    return page(request, "funds.html", funds=shown, total=found["total"], offset=offset, limit=PAGE)


@router.get("/funds/{fund_id}", response_class=HTMLResponse)
async def fund(request: Request, fund_id: str, user: User, api: Api) -> HTMLResponse:
    found = await api.get("demand", f"/v1/funds/{fund_id}", user.token)
    toward = [f"/v1/bundles/{p['bundle_id']}" for p in found["purchases"][:PURCHASES_LINKED]]
    opened = {path.rsplit("/", 1)[-1] for path in await api.readable("demand", toward, user.token)}
    return page(request, "fund.html", fund=found, opened=opened)
